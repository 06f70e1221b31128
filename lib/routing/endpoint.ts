import type { Dialect } from '../dialects/dialect';

/** An API endpoint the router serves, as telemetry names it. */
export type Endpoint = 'chat.completions' | 'completions' | 'embeddings' | 'messages' | 'messages.count_tokens' | 'responses';

/** Where an endpoint is served (relative to the mount path and to a provider's base URL) and its dialect. */
export interface EndpointSpec {
  path: string;
  dialect: Dialect;
}

/** Every endpoint; the dialect decides the shape of its errors and streams. */
export const ENDPOINTS: Readonly<Record<Endpoint, EndpointSpec>> = {
  'chat.completions': { path: '/chat/completions', dialect: 'openai' },
  completions: { path: '/completions', dialect: 'openai' },
  embeddings: { path: '/embeddings', dialect: 'openai' },
  messages: { path: '/messages', dialect: 'anthropic' },
  'messages.count_tokens': { path: '/messages/count_tokens', dialect: 'anthropic' },
  responses: { path: '/responses', dialect: 'responses' },
};
