import { ProviderRouterError } from '../errors';
import type { ClientDialect } from '../http/error-body';
import type { Dialect, ProviderAdapter } from '../providers/provider-adapter';
import type { Endpoint } from '../telemetry/events';
import { createAnthropicToOpenAIStream } from '../dialects/messages/to-chat/stream';
import { toChatCompletion } from '../dialects/messages/to-chat/response';
import { toAnthropicRequest } from '../dialects/messages/from-chat/request';
import { toAnthropicMessage } from '../dialects/messages/from-chat/response';
import { createChatToMessagesStream } from '../dialects/messages/from-chat/stream';
import { toChatCompletionRequest } from '../dialects/messages/to-chat/request';
import { createUsageHidingStream } from '../dialects/chat/hide-requested-usage';
import type { StreamTranslator } from '../dialects/stream-translator';
import type { AnthropicMessagesRequest, ReceivedAnthropicMessage } from '../dialects/messages/wire';
import type { ChatCompletionRequest, ReceivedChatCompletion } from '../dialects/chat/wire';

/** How the answer of a translated exchange is turned into the client's dialect. */
export interface ResponseTranslation {
  json(body: unknown): unknown;
  stream(): StreamTranslator;
}

/** What the router sends upstream for one request, and how it reads the answer. */
export interface ExchangePlan {
  /** Appended to the provider's base URL, query included. */
  upstreamPath: string;
  upstreamBody: unknown;
  /** The dialect the upstream answers in (selects the response observer). */
  upstreamDialect: Dialect;
  /** Client headers of its own dialect that go upstream (only when passing through). */
  forwardHeaders: readonly string[];
  /** Absent when the answer passes through unchanged. */
  translation: ResponseTranslation | undefined;
}

/** Passes a stream through, leaving out the usage chunk the router asked for. */
const HIDE_REQUESTED_USAGE: ResponseTranslation = {
  json: (answer) => answer,
  stream: createUsageHidingStream,
};

/** What a plan is made from. */
export interface PlanInput {
  endpoint: Endpoint;
  clientDialect: ClientDialect;
  provider: ProviderAdapter;
  upstreamModel: string;
  body: Record<string, unknown>;
  /** The client's query string, with its `?`, kept on passthrough (`?beta=true`). */
  query: string;
  anthropicMaxTokens: number;
  omitSamplingParameters: boolean;
  /** Ask OpenAI-compatible upstreams for usage in streams the client asked none for. */
  requestStreamUsage: boolean;
}

/** The upstream path of each endpoint when the request passes through in its own dialect. */
const ENDPOINT_PATHS: Record<Endpoint, string> = {
  'chat.completions': '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  messages: '/messages',
  'messages.count_tokens': '/messages/count_tokens',
};

const ANTHROPIC_CLIENT_HEADERS = ['anthropic-version', 'anthropic-beta'];

/**
 * Decides, for an endpoint and a provider, whether the request passes through (same dialect) or
 * is translated, and builds the upstream body.
 *
 * @throws ProviderRouterError when the provider does not offer the endpoint, or the body cannot be
 * translated.
 */
export function planExchange(input: PlanInput): ExchangePlan {
  const { endpoint, provider, body, upstreamModel } = input;
  const withModel = { ...body, model: upstreamModel };
  const path = ENDPOINT_PATHS[endpoint];

  if (input.clientDialect === 'openai') {
    if (provider.dialect === 'openai') {
      if (input.requestStreamUsage && endpoint === 'chat.completions' && wantsStreamWithoutUsage(body)) {
        const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
        return {
          upstreamPath: path,
          upstreamBody: { ...withModel, stream_options: { ...streamOptions, include_usage: true } },
          upstreamDialect: 'openai',
          forwardHeaders: [],
          translation: HIDE_REQUESTED_USAGE,
        };
      }
      return { upstreamPath: path, upstreamBody: withModel, upstreamDialect: 'openai', forwardHeaders: [], translation: undefined };
    }
    if (endpoint !== 'chat.completions') {
      throw new ProviderRouterError(
        'unsupported_endpoint',
        `Provider "${provider.id}" does not offer /${endpoint === 'completions' ? 'completions' : 'embeddings'}; only /chat/completions is translated to its Messages API`,
        400,
      );
    }
    const request = body as ChatCompletionRequest;
    const includeUsage = request.stream_options?.include_usage === true;
    return {
      upstreamPath: '/messages',
      upstreamBody: toAnthropicRequest(request, {
        upstreamModel,
        defaultMaxTokens: input.anthropicMaxTokens,
        omitSamplingParameters: input.omitSamplingParameters,
      }),
      upstreamDialect: 'anthropic',
      forwardHeaders: [],
      translation: {
        json: (answer) => toChatCompletion(answer as ReceivedAnthropicMessage),
        stream: () => createAnthropicToOpenAIStream({ includeUsage }),
      },
    };
  }

  if (provider.dialect === 'anthropic' || provider.servesMessages) {
    return {
      upstreamPath: path + input.query,
      upstreamBody: withModel,
      upstreamDialect: 'anthropic',
      forwardHeaders: [...ANTHROPIC_CLIENT_HEADERS, ...(provider.forwardHeaders ?? [])],
      translation: undefined,
    };
  }
  if (endpoint === 'messages.count_tokens') {
    throw new ProviderRouterError(
      'unsupported_endpoint',
      `Provider "${provider.id}" has no token-counting endpoint; /messages/count_tokens is served for anthropic and local only`,
      404,
    );
  }
  const model = typeof body.model === 'string' ? body.model : upstreamModel;
  return {
    upstreamPath: '/chat/completions',
    upstreamBody: toChatCompletionRequest(body as AnthropicMessagesRequest, { upstreamModel }),
    upstreamDialect: 'openai',
    forwardHeaders: [],
    translation: {
      json: (answer) => toAnthropicMessage(answer as ReceivedChatCompletion),
      stream: () => createChatToMessagesStream({ model }),
    },
  };
}

function wantsStreamWithoutUsage(body: Record<string, unknown>): boolean {
  if (body.stream !== true) return false;
  return !(isRecord(body.stream_options) && body.stream_options.include_usage === true);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
