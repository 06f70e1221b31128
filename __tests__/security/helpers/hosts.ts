import type { ServerResponse } from 'node:http';
import { startFakeUpstreams, type FakeUpstream, type RecordedRequest } from '../../support/fake-upstream';
import type { TelemetryEvent } from '../../../lib';
import type { Host } from '../../support/host';

export type ProviderId = 'openai' | 'openrouter' | 'local' | 'anthropic';
export const PROVIDERS: readonly ProviderId[] = ['openai', 'openrouter', 'local', 'anthropic'];

/** A model that the routing rules send to each provider. */
export const MODEL_FOR: Record<ProviderId, string> = {
  openai: 'gpt-4o-mini',
  openrouter: 'openrouter/meta-llama/llama-3.1-8b-instruct',
  local: 'qwen2.5-0.5b',
  anthropic: 'claude-sonnet-4-5',
};

/** The client dialects and the route each one posts to. */
export type ClientDialect = 'chat' | 'messages';
export const ROUTE_OF: Record<ClientDialect, string> = { chat: '/v1/chat/completions', messages: '/v1/messages' };

/** A well-formed request body of the dialect. */
export function requestBody(dialect: ClientDialect, model: string, stream: boolean): Record<string, unknown> {
  const messages = [{ role: 'user', content: 'hi' }];
  if (dialect === 'chat') return { model, messages, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
  return { model, max_tokens: 64, messages, ...(stream ? { stream: true } : {}) };
}

/** The four fake upstreams, one per provider. */
export interface Fakes {
  openai: FakeUpstream;
  openrouter: FakeUpstream;
  local: FakeUpstream;
  anthropic: FakeUpstream;
  all(): FakeUpstream[];
  /** Every request any of them received. */
  received(): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const [openai, openrouter, local, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic');
  const all = (): FakeUpstream[] => [openai, openrouter, local, anthropic];
  return {
    openai,
    openrouter,
    local,
    anthropic,
    all,
    received: () => all().flatMap((fake) => fake.requests),
    reset: () => all().forEach((fake) => fake.reset()),
    close: async () => {
      await Promise.all(all().map((fake) => fake.close()));
    },
  };
}

/** Whether a fake answers `request` in Anthropic's dialect (Anthropic always; llama-server on /messages). */
export function speaksAnthropic(fake: FakeUpstream, request: RecordedRequest): boolean {
  return fake.kind === 'anthropic' || request.url.startsWith('/v1/messages');
}

/** Writes a JSON error in the dialect the fake speaks for `request`. */
export function sendDialectError(fake: FakeUpstream, request: RecordedRequest, res: ServerResponse, status: number, message: string): void {
  const body = speaksAnthropic(fake, request)
    ? { type: 'error', error: { type: 'invalid_request_error', message } }
    : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Records what a host's router reports: telemetry events and conversation records. */
export interface Observed {
  events: TelemetryEvent[];
  records: Array<Record<string, unknown>>;
  clear(): void;
}

export function observe(): Observed & { conversationLogger: { info(message: string, meta: Record<string, unknown>): void } } {
  const observed = {
    events: [] as TelemetryEvent[],
    records: [] as Array<Record<string, unknown>>,
    clear() {
      observed.events.length = 0;
      observed.records.length = 0;
    },
    conversationLogger: {
      info: (_message: string, meta: Record<string, unknown>) => {
        observed.records.push(meta);
      },
    },
  };
  return observed;
}

/** Subscribes `observed` to every telemetry event of `host`. */
export function listen(host: Host, observed: Observed): void {
  host.router.telemetry.on('event', (event) => {
    observed.events.push(event);
  });
}
