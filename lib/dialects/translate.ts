import { ProviderRouterError } from '../errors';
import type { ProviderAdapter } from '../providers/provider-adapter';
import type { Endpoint } from '../routing/endpoint';
import type { ChatCompletionRequest, ReceivedChatCompletion } from './chat/wire';
import type { Dialect } from './dialect';
import { toAnthropicRequest } from './messages/from-chat/request';
import { toAnthropicMessage } from './messages/from-chat/response';
import { createChatToMessagesStream } from './messages/from-chat/stream';
import { toolUseIds, toolUseIdsIn } from './messages/from-chat/ids';
import { toChatCompletionRequest } from './messages/to-chat/request';
import { toChatCompletion } from './messages/to-chat/response';
import { createAnthropicToOpenAIStream } from './messages/to-chat/stream';
import type { AnthropicMessagesRequest, ReceivedAnthropicMessage } from './messages/wire';
import type { DialectEvents } from './registry';
import { toResponse } from './responses/from-chat/response';
import { createChatToResponsesStream } from './responses/from-chat/stream';
import { callIdsIn } from './responses/from-chat/items';
import { responseSettingsOf } from './responses/from-chat/request-settings';
import { clientParamOf } from './responses/to-chat/origins';
import { toChatRequest } from './responses/to-chat/request';
import { chainTranslators, type StreamTranslator } from './stream-translator';

/** A request as the client sent it, to be translated for an upstream of another dialect. */
export interface TranslationInput {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** The model id the upstream gets. */
  upstreamModel: string;
  /** The upstream's adapter: what it can read, and its id for error messages. */
  provider: ProviderAdapter;
  /** Ask chat completions upstreams for usage in streams (`requestStreamUsage`). */
  requestStreamUsage: boolean;
}

/** A translated request, and how its answer is turned back into the client's dialect. */
export interface Translation<U, C> {
  /** Appended to the provider's base URL. */
  upstreamPath: string;
  upstreamBody: Record<string, unknown>;
  /** The upstream's JSON answer in the client's dialect. */
  json(answer: unknown): unknown;
  /** A new translator for the upstream's stream. */
  stream(): StreamTranslator<U, C>;
  /**
   * An error about the translated (chat completions) request, said in the client's terms, for a
   * translation the hub carries on to another dialect; undefined where the request is the client's.
   */
  restateError?(error: ProviderRouterError): ProviderRouterError;
}

/** Plans the translation of one request; throws a `ProviderRouterError` for what cannot be carried. */
export type Translator<C extends Dialect, U extends Dialect> = (input: TranslationInput) => Translation<DialectEvents[U], DialectEvents[C]>;

/** Chat completions clients on a Messages upstream (Anthropic). */
const chatToMessages: Translator<'openai', 'anthropic'> = ({ endpoint, body, upstreamModel, provider }) => {
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
    upstreamBody: toAnthropicRequest(request, { upstreamModel }),
    json: (answer) => toChatCompletion(answer as ReceivedAnthropicMessage),
    stream: () => createAnthropicToOpenAIStream({ includeUsage }),
  };
};

/** Messages clients (Claude Code, the Anthropic SDK) on a chat completions upstream. */
const messagesToChat: Translator<'anthropic', 'openai'> = ({ endpoint, body, upstreamModel, provider, requestStreamUsage }) => {
  if (endpoint === 'messages.count_tokens') {
    throw new ProviderRouterError(
      'unsupported_endpoint',
      `Provider "${provider.id}" has no token-counting endpoint; /messages/count_tokens is served only where the provider serves the Messages API itself (anthropic, and local unless its adapter says servesMessages: false)`,
      404,
      'not_found_error',
    );
  }
  const model = typeof body.model === 'string' ? body.model : upstreamModel;
  const takenToolUseIds = toolUseIdsIn(body.messages);
  const origin = { provider: provider.id, model: upstreamModel };
  // Only a provider that takes `reasoning_details` back gets its own entries back; any gets its calls' `extra_content`.
  const reasoner = provider.readsReasoningDetails === true ? origin : undefined;
  const stopSequences = Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((stop): stop is string => typeof stop === 'string') : [];
  return {
    upstreamPath: '/chat/completions',
    upstreamBody: toChatCompletionRequest(body as AnthropicMessagesRequest, {
      upstreamModel,
      fetchesFileUrls: provider.fetchesFileUrls === true,
      readsReasoningDetails: provider.readsReasoningDetails === true,
      provider: provider.id,
      requestStreamUsage,
    }),
    json: (answer) => ({
      ...toAnthropicMessage(answer as ReceivedChatCompletion, toolUseIds(takenToolUseIds, origin), reasoner, origin, stopSequences),
      model,
    }),
    stream: () => createChatToMessagesStream({ model, takenToolUseIds, reasoner, origin, stopSequences }),
  };
};

/** Responses clients (Codex, the `openai` SDK's `responses`) on a chat completions upstream. */
const responsesToChat: Translator<'responses', 'openai'> = ({ body, upstreamModel, provider, requestStreamUsage }) => {
  const model = typeof body.model === 'string' ? body.model : upstreamModel;
  const upstream = { provider: provider.id, model: upstreamModel };
  const { request, catalog, origins, settings } = toChatRequest(body, {
    upstreamModel,
    upstream,
    fetchesFileUrls: provider.fetchesFileUrls === true,
    requestStreamUsage,
  });
  const wantsEnvelope = Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content');
  const options = {
    model,
    catalog,
    envelope: wantsEnvelope ? upstream : undefined,
    origin: upstream,
    takenCallIds: callIdsIn(body.input),
    settings: responseSettingsOf(settings),
  };
  return {
    upstreamPath: '/chat/completions',
    upstreamBody: request,
    json: (answer) => toResponse(answer as ReceivedChatCompletion, options),
    stream: () => createChatToResponsesStream(options),
    restateError: (error) => {
      const message = origins.restate(error.message, request.messages);
      const param = clientParamOf(message) ?? (error.param === undefined ? undefined : origins.restate(error.param, request.messages));
      return new ProviderRouterError(error.code, message, error.status, error.type, error.provider, param);
    },
  };
};

/**
 * A translation through chat completions, the hub: the client's request to chat and on to the
 * upstream's dialect, and the upstream's answers back the same way.
 */
function throughChat<C extends Dialect, U extends Dialect>(toChat: Translator<C, 'openai'>, fromChat: Translator<'openai', U>): Translator<C, U> {
  return (input) => {
    // The hub asks for usage: the client's answer carries it whatever the upstream's dialect.
    const first = toChat({ ...input, requestStreamUsage: true });
    let second: Translation<DialectEvents[U], DialectEvents['openai']>;
    try {
      second = fromChat({ ...input, endpoint: 'chat.completions', body: first.upstreamBody });
    } catch (error) {
      // The client never saw the chat request: its errors name the client's fields instead.
      throw error instanceof ProviderRouterError && first.restateError ? first.restateError(error) : error;
    }
    return {
      upstreamPath: second.upstreamPath,
      upstreamBody: second.upstreamBody,
      json: (answer) => first.json(second.json(answer)),
      stream: () => chainTranslators(second.stream(), first.stream()),
    };
  };
}

/**
 * Translations by client dialect, then upstream dialect; `undefined` where the two are the same
 * (passthrough). Chat completions is the hub: where there is no direct translator, the
 * translators to and from chat are chained (`throughChat`).
 */
export const TRANSLATORS: { readonly [C in Dialect]: { readonly [U in Dialect]: Translator<C, U> | undefined } } = {
  openai: { openai: undefined, anthropic: chatToMessages, responses: undefined },
  anthropic: { openai: messagesToChat, anthropic: undefined, responses: undefined },
  responses: { openai: responsesToChat, anthropic: throughChat(responsesToChat, chatToMessages), responses: undefined },
};
