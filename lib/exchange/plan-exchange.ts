import type { Dialect } from '../dialects/dialect';
import { dialectModule } from '../dialects/registry';
import { TRANSLATORS, type Translation } from '../dialects/translate';
import { ENDPOINTS, type Endpoint } from '../routing/endpoint';
import type { ProviderAdapter } from '../providers/provider-adapter';
import { ProviderRouterError } from '../errors';
import { passthroughQuery } from '../http/header-policy';
import { isRecord } from '../is-record';
import { adaptedBody } from './adapter-calls';

/** What the router sends upstream for one request, and how it reads the answer. */
export interface ExchangePlan {
  /** Appended to the provider's base URL, query included. */
  upstreamPath: string;
  upstreamBody: Record<string, unknown>;
  /** The upstream was asked for a stream (`stream: true` on an endpoint that streams). */
  asksStream: boolean;
  /** The dialect the upstream answers in. */
  upstreamDialect: Dialect;
  /** Client headers of its own dialect that go upstream (only when passing through). */
  forwardHeaders: readonly string[];
  /** Absent when the answer passes through. */
  translation: Translation<unknown, unknown> | undefined;
  /**
   * On passthrough, what becomes of each upstream stream event: the same event (its frame goes on
   * byte for byte), `null` (left out: usage the router asked for), another event (written in
   * its place: a Messages answer's `model` as the client asked), or several (a Responses content
   * part the upstream never announced, then the event).
   */
  editEvent: ((event: unknown) => unknown) | undefined;
  /** On passthrough, the JSON answer as the client gets it, when it differs from the upstream's. */
  editJson: ((answer: unknown) => unknown) | undefined;
}

/** A plan before what it asks the upstream for is read off its body. */
type PlanWithoutShape = Omit<ExchangePlan, 'asksStream'>;

/** What a plan is made from. */
export interface PlanInput {
  endpoint: Endpoint;
  provider: ProviderAdapter;
  upstreamModel: string;
  body: Record<string, unknown>;
  /** The client's query string, with its `?`, kept on passthrough where the dialect says so (`?beta=true`). */
  query: string;
  /** Ask chat completions upstreams for usage in streams the client asked none for. */
  requestStreamUsage: boolean;
}

/**
 * Decides, for an endpoint and a provider, whether the request passes through (same dialect) or
 * is translated, builds the upstream body, and lets the provider's adapter adjust it.
 *
 * @throws ProviderRouterError when the provider does not offer the endpoint, or the body cannot be
 * translated.
 */
export function planExchange(input: PlanInput): ExchangePlan {
  const { endpoint, provider, body } = input;
  const clientDialect = ENDPOINTS[endpoint].dialect;
  if (clientDialect === 'anthropic') refuseThreadContinuation(body, provider);
  const upstreamDialect = upstreamDialectFor(provider, clientDialect);
  const plan = upstreamDialect === clientDialect ? passthrough(input, clientDialect) : translated(input, clientDialect, upstreamDialect);
  plan.upstreamBody = adaptedBody(provider, plan.upstreamBody, { endpoint, clientDialect, upstreamDialect, clientBody: body });
  return { ...plan, asksStream: ENDPOINTS[endpoint].streams && plan.upstreamBody.stream === true };
}

/**
 * An upstream serves a client's dialect itself when it speaks it, or serves it besides its own
 * (llama-server's Messages endpoint, OpenAI's and OpenRouter's Responses API).
 */
function upstreamDialectFor(provider: ProviderAdapter, clientDialect: Dialect): Dialect {
  switch (clientDialect) {
    case 'anthropic':
      return provider.servesMessages ? 'anthropic' : provider.dialect;
    case 'responses':
      return provider.servesResponses ? 'responses' : provider.dialect;
    case 'openai':
      return provider.dialect;
  }
}

function passthrough(input: PlanInput, dialect: Dialect): PlanWithoutShape {
  const { endpoint, provider, body, upstreamModel } = input;
  const module = dialectModule(dialect);
  const upstreamBody = { ...body, model: upstreamModel };
  const edits = module.passthrough({
    endpoint,
    clientBody: body,
    body: upstreamBody,
    upstreamModel,
    provider: provider.id,
    requestStreamUsage: input.requestStreamUsage,
  });
  return {
    upstreamPath: ENDPOINTS[endpoint].path + (module.passthroughQuery ? passthroughQuery(input.query) : ''),
    upstreamBody,
    upstreamDialect: dialect,
    forwardHeaders: [...module.passthroughHeaders, ...(provider.forwardHeaders ?? [])],
    translation: undefined,
    editEvent: edits.editEvent,
    editJson: edits.editJson,
  };
}

function translated(input: PlanInput, clientDialect: Dialect, upstreamDialect: Dialect): PlanWithoutShape {
  const translator = TRANSLATORS[clientDialect][upstreamDialect];
  if (!translator) throw new Error(`express-provider-router: no translation from ${clientDialect} to ${upstreamDialect}`);
  const translation = translator({
    endpoint: input.endpoint,
    body: input.body,
    upstreamModel: input.upstreamModel,
    provider: input.provider,
    requestStreamUsage: input.requestStreamUsage,
  });
  return {
    upstreamPath: translation.upstreamPath,
    upstreamBody: translation.upstreamBody,
    upstreamDialect,
    forwardHeaders: [],
    translation,
    editEvent: undefined,
    editJson: undefined,
  };
}

/**
 * A Messages request that continues a thread Anthropic holds (`thread: {type: "continue"}`, the
 * Anthropic SDK's message threads, used by its tool runner) sends only the new messages. Only
 * Anthropic keeps threads: elsewhere the rest of the conversation would be lost behind a 200. The
 * refusal is the one Anthropic gives for a thread it lost, `thread_not_found`, on which the SDK
 * sends the whole conversation again under a new thread (`thread: {type: "create"}`, whose
 * messages are complete and which is served by leaving the field out).
 */
function refuseThreadContinuation(body: Record<string, unknown>, provider: ProviderAdapter): void {
  if (provider.dialect === 'anthropic' || !isRecord(body.thread) || body.thread.type !== 'continue') return;
  throw new ProviderRouterError(
    'thread_not_found',
    `Provider "${provider.id}" keeps no message threads: send the whole conversation (thread.type "create", or no thread)`,
    404,
    'not_found_error',
    provider.id,
    'thread',
    { error_code: 'thread_not_found' },
  );
}
