import { invalidRequest, unsupportedParameter } from '../../../errors';
import type { ChatCompletionRequest, OpenAIMessage } from '../../chat/wire';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { settingsInEffect } from './configuration-updates';
import { refuseUncarriedFields } from './fields';
import { refuseWrongTypes } from '../../field-types';
import { RESPONSES_SETTING_TYPES } from './field-types';
import { toResponseFormat } from './text-format';
import { toChatMessages } from './items';
import { toolMessagesAfterTheirCalls } from './tool-messages-after-calls';
import { ChatOrigins } from './origins';
import { toChatToolChoice, toChatTools, type ToolCatalog } from './tools';
import { appendAll } from '../../../append-all';

/** What the translation needs besides the client's body. */
export interface ResponsesToChatOptions {
  /** The model id the upstream gets. */
  upstreamModel: string;
  /** Who answers: reasoning envelopes of this provider and model are restored, others left out. */
  upstream: { provider: string; model: string };
  /** The provider fetches a file given by URL itself (OpenRouter). */
  fetchesFileUrls: boolean;
  /** Ask for `stream_options.include_usage` in streams (`requestStreamUsage`). */
  requestStreamUsage: boolean;
}

/** Fields that ask the provider to keep state the bridged route does not have. */
const STATEFUL_FIELDS = ['previous_response_id', 'conversation'] as const;

/**
 * Translates a Responses API request into a chat completions request (DESIGN section 11), and
 * returns the catalog that maps the chat functions back to the client's tools, and the request
 * with the settings in effect (`settings`) for the answer to repeat.
 *
 * Sent: `instructions` and `developer`/`system` items as system messages, messages, function and
 * custom tool calls with their outputs (paired by `call_id`: each tool message follows its call's
 * assistant turn), tools (custom and namespace tools as functions), `tool_choice`,
 * `parallel_tool_calls`, `max_output_tokens` as `max_tokens`, `temperature`, `top_p`,
 * `text.format` as `response_format`, `reasoning.effort` as `reasoning_effort` (both as the last
 * `configuration_update` item left them; the items are not sent), `user` / `safety_identifier` as
 * `user`, `stream` (with usage asked for).
 * Left out: `store`, `include`, `prompt_cache_key`, `prompt_cache_retention`,
 * `prompt_cache_options`, `text.verbosity`, `reasoning.summary`, `service_tier`, `truncation`,
 * `client_metadata`, `metadata`, `stream_options`, `context_management`, hosted tools.
 * @throws ProviderRouterError 400 `unsupported_parameter` for what needs state the route does not
 *   keep (`previous_response_id`, `conversation`, `background`, `item_reference` items), for any
 *   other field neither sent nor left out (`prompt`, `top_logprobs`, ...), and for items, parts or
 *   tool choices with no chat equivalent; 400 `invalid_request` for a carried setting of the wrong
 *   type or outside OpenAI's range (`temperature: "hot"`, `max_output_tokens: 0`, `store: "yes"`,
 *   an `include` that is not an array of strings; in a `configuration_update` item, `param` naming
 *   the item's field), which would otherwise be dropped or served as OpenAI would not.
 */
export function toChatRequest(
  body: Record<string, unknown>,
  options: ResponsesToChatOptions,
): { request: ChatCompletionRequest; catalog: ToolCatalog; origins: ChatOrigins; settings: Record<string, unknown> } {
  for (const field of STATEFUL_FIELDS) {
    if (body[field] !== undefined && body[field] !== null)
      throw unsupportedParameter(field, `${field} needs state this route does not keep; send the whole conversation in \`input\``);
  }
  if (body.background === true)
    throw unsupportedParameter('background', 'background: true needs state this route does not keep; send the request in the foreground');
  refuseUncarriedFields(body);
  refuseWrongTypes(body, RESPONSES_SETTING_TYPES);

  const declared = Array.isArray(body.tools) ? [...(body.tools as unknown[])] : [];
  const items = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : body.input;
  if (!Array.isArray(items)) throw invalidRequest('`input` must be a string or an array of items.', 'input');
  // OpenAI refuses an empty `input`; a provider given no message would answer nothing asked.
  if (items.length === 0) throw invalidRequest('`input` must hold at least one item.', 'input');
  // Codex sends the tools of models it does not know in an `additional_tools` item.
  for (const item of items) {
    if (isRecord(item) && item.type === 'additional_tools' && Array.isArray(item.tools)) appendAll(declared, item.tools as unknown[]);
  }
  const { tools, catalog } = toChatTools(declared);
  const inEffect = settingsInEffect(body, items);

  const messages: OpenAIMessage[] = [];
  const origins = new ChatOrigins();
  if (isSet(body.instructions) && typeof body.instructions !== 'string') throw invalidRequest('`instructions` must be a string.', 'instructions');
  if (typeof body.instructions === 'string' && body.instructions !== '') {
    const instructions: OpenAIMessage = { role: 'system', content: body.instructions };
    origins.message(instructions, 'instructions');
    messages.push(instructions);
  }
  const itemMessages = toChatMessages(items, { catalog, fetchesFileUrls: options.fetchesFileUrls, upstream: options.upstream, origins });
  appendAll(messages, toolMessagesAfterTheirCalls(itemMessages));

  const request: ChatCompletionRequest = { model: options.upstreamModel, messages };
  const { toolChoice, tools: offered } = toChatToolChoice(body.tool_choice, tools, catalog);
  if (offered.length > 0) {
    request.tools = offered;
    if (toolChoice !== undefined) request.tool_choice = toolChoice;
    if (typeof body.parallel_tool_calls === 'boolean') request.parallel_tool_calls = body.parallel_tool_calls;
  }
  const maxOutputTokens = body.max_output_tokens;
  // Refused above unless a positive integer.
  if (typeof maxOutputTokens === 'number') request.max_tokens = maxOutputTokens;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  const responseFormat = toResponseFormat(inEffect.body.text, inEffect.textFrom);
  if (responseFormat) request.response_format = responseFormat;
  const effort = isRecord(inEffect.body.reasoning) ? inEffect.body.reasoning.effort : undefined;
  if (typeof effort === 'string') request.reasoning_effort = effort;
  // An error further along the hub (Anthropic's) names the update that set the field.
  origins.setting('reasoning_effort', inEffect.effortFrom);
  origins.setting('response_format', `${inEffect.textFrom}.format`);
  const user = typeof body.safety_identifier === 'string' ? body.safety_identifier : body.user;
  if (typeof user === 'string' && user !== '') request.user = user;
  if (body.stream === true) {
    request.stream = true;
    if (options.requestStreamUsage) request.stream_options = { include_usage: true };
  }
  return { request, catalog, origins, settings: inEffect.body };
}
