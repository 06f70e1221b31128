/**
 * Fake upstreams, one per provider, each speaking its provider's wire format from the recorded
 * fixtures: OpenAI, OpenRouter and llama-server the OpenAI-compatible chat completions API
 * (`chat-completions-wire.ts`), OpenAI and OpenRouter the Responses API too on `{prefix}/responses`
 * (`responses-wire.ts`), Anthropic the Messages API (`messages-wire.ts`), and llama-server the
 * Messages API too on `/v1/messages`. A test scripts any answer with `fake.handler`.
 */
import { answerChatApi, CHAT_APIS, sendChatNotFound } from './chat-completions-wire';
import { pathOf, startFakeServer, type DefaultAnswer, type FakeServer, type RecordedRequest } from './fake-server';
import { answerMessagesApi, ANTHROPIC_API, LLAMA_SERVER_MESSAGES_API, messagesStreamFixture, sendMessagesNotFound } from './messages-wire';
import { answerResponsesApi, RESPONSES_APIS } from './responses-wire';

export type { FakeHandler, RecordedRequest } from './fake-server';

/** The built-in providers. */
export type ProviderId = 'openai' | 'openrouter' | 'local' | 'anthropic';
/** Every built-in provider, in the order the tests list them. */
export const PROVIDER_IDS: readonly ProviderId[] = ['openai', 'openrouter', 'local', 'anthropic'];

/**
 * The two wire formats: OpenAI's chat completions and Anthropic's Messages. OpenAI's Responses API
 * (OpenAI and OpenRouter on `/responses`) answers errors in OpenAI's shape, so it counts as 'chat'
 * here; tell it apart with `speaksResponses`.
 */
export type Dialect = 'chat' | 'messages';

/** A loopback server that speaks one provider's wire format. */
export interface FakeUpstream extends FakeServer {
  kind: ProviderId;
  /** The wire format the fake speaks on `request`'s path (llama-server: Messages on `/v1/messages`). */
  dialectOf(request: RecordedRequest): Dialect;
  /** Whether `request` went to the fake's Responses API (`{prefix}/responses`; OpenAI and OpenRouter only). */
  speaksResponses(request: RecordedRequest): boolean;
}

interface Wire {
  prefix: string;
  answer: DefaultAnswer;
  dialectOf(request: RecordedRequest): Dialect;
  speaksResponses(request: RecordedRequest): boolean;
}

const speaksMessagesOn = (request: RecordedRequest): boolean => request.url.startsWith('/v1/messages');

const WIRES: Record<ProviderId, Wire> = {
  openai: chatWire('openai'),
  openrouter: chatWire('openrouter'),
  local: {
    prefix: CHAT_APIS.local.prefix,
    answer: (request, res) =>
      answerMessagesApi(LLAMA_SERVER_MESSAGES_API, request, res) || answerChatApi(CHAT_APIS.local, request, res) || sendChatNotFound(request, res),
    dialectOf: (request) => (speaksMessagesOn(request) ? 'messages' : 'chat'),
    speaksResponses: () => false,
  },
  anthropic: {
    prefix: '',
    answer: (request, res) => answerMessagesApi(ANTHROPIC_API, request, res) || sendMessagesNotFound(request, res),
    dialectOf: () => 'messages',
    speaksResponses: () => false,
  },
};

/** OpenAI and OpenRouter: chat completions (and the rest of the OpenAI-compatible API), and the Responses API. */
function chatWire(flavour: 'openai' | 'openrouter'): Wire {
  const api = CHAT_APIS[flavour];
  const responses = RESPONSES_APIS[flavour];
  return {
    prefix: api.prefix,
    answer: (request, res) => answerResponsesApi(responses, request, res) || answerChatApi(api, request, res) || sendChatNotFound(request, res),
    dialectOf: () => 'chat',
    speaksResponses: (request) => pathOf(request) === `${responses.prefix}/responses` || pathOf(request).startsWith(`${responses.prefix}/responses/`),
  };
}

/** Starts a fake of `kind` on a free port of 127.0.0.1 (or on `port`, of `host`). */
export async function startFakeUpstream(kind: ProviderId, options: { host?: string; port?: number } = {}): Promise<FakeUpstream> {
  const wire = WIRES[kind];
  const server = await startFakeServer({ prefix: wire.prefix, answer: wire.answer, ...options });
  return Object.assign(server, { kind, dialectOf: wire.dialectOf, speaksResponses: wire.speaksResponses });
}

/** Starts one fake per kind, in the order given. */
export function startFakeUpstreams<K extends ProviderId[]>(...kinds: K): Promise<{ [I in keyof K]: FakeUpstream }> {
  return Promise.all(kinds.map((kind) => startFakeUpstream(kind))) as Promise<{ [I in keyof K]: FakeUpstream }>;
}

/** The four fakes, one per provider, by id, and what is done to all of them at once. */
export interface Fakes extends Record<ProviderId, FakeUpstream> {
  all(): FakeUpstream[];
  /** Every request any of them received. */
  received(): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

/** Starts a fake of every provider. */
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

/** The stream fixture a fake of `kind` replays for a streamed request in `dialect` (without tools). */
export function streamFixtureOf(kind: ProviderId, dialect: Dialect): string {
  if (dialect === 'messages' && (kind === 'anthropic' || kind === 'local')) return messagesStreamFixture(false);
  if (dialect === 'chat' && kind !== 'anthropic') return CHAT_APIS[kind].streamFixture;
  throw new Error(`a fake ${kind} does not speak ${dialect}`);
}
