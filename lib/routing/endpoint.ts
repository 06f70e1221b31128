import type { Dialect } from '../dialects/dialect';

/** An API endpoint the router serves, as telemetry names it. */
export type Endpoint = 'chat.completions' | 'completions' | 'embeddings' | 'messages' | 'messages.count_tokens' | 'responses';

/** Where an endpoint is served (relative to the mount path and to a provider's base URL) and its dialect. */
export interface EndpointSpec {
  path: string;
  dialect: Dialect;
  /** Answers as a stream when the body asks for one (`stream: true`). */
  streams: boolean;
}

/** Every endpoint; the dialect decides the shape of its errors and streams. */
export const ENDPOINTS: Readonly<Record<Endpoint, EndpointSpec>> = {
  'chat.completions': { path: '/chat/completions', dialect: 'openai', streams: true },
  completions: { path: '/completions', dialect: 'openai', streams: true },
  embeddings: { path: '/embeddings', dialect: 'openai', streams: false },
  messages: { path: '/messages', dialect: 'anthropic', streams: true },
  'messages.count_tokens': { path: '/messages/count_tokens', dialect: 'anthropic', streams: false },
  responses: { path: '/responses', dialect: 'responses', streams: true },
};
