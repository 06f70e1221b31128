import { createHash } from 'node:crypto';
import type { AnthropicMessagesRequest } from '../wire';
import type { ChatCompletionRequest, OpenAIMessage } from '../../chat/wire';
import { toChatMessages } from './turns';
import { loadedToolNames, toChatToolChoice, toChatTools } from './tools';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { systemTextBlocks } from '../block-text';
import { invalidRequest, unsupportedParameter } from '../../../errors';
import { asEffort, effortOfBudget, type Effort } from '../../effort';
import { refuseWrongTypes } from '../../field-types';
import { MESSAGES_SETTING_TYPES } from './field-types';

const BILLING_HEADER_PREFIX = 'x-anthropic-billing-header:';

/** What the translation needs besides the client's body. */
export interface ToChatRequestOptions {
  /** The model id the upstream gets. */
  upstreamModel: string;
  /** The provider fetches a document's URL itself (OpenRouter). @defaultValue false */
  fetchesFileUrls?: boolean | undefined;
  /** The provider takes Anthropic's signed thinking back in `reasoning_details` (OpenRouter). @defaultValue false */
  readsReasoningDetails?: boolean | undefined;
  /** The provider's id: its own `reasoning_details` and call ids the router carried go back to it only. */
  provider?: string | undefined;
  /** Ask for `stream_options.include_usage` in streams (`requestStreamUsage`). @defaultValue true */
  requestStreamUsage?: boolean | undefined;
}

/**
 * Translates an Anthropic Messages request into a chat completion request for an OpenAI-compatible
 * provider (DESIGN section 5 run backwards, section 8). `body` is not modified.
 *
 * Sent: `model` (= `options.upstreamModel`), `messages` (top-level `system` first), `max_tokens`,
 * `stop` (from `stop_sequences`), `temperature`, `top_p`, `top_k` (the adapter of a provider that
 * refuses it leaves it out), `tools`, `tool_choice`, `parallel_tool_calls`, `user` (SHA-256 hex of
 * `metadata.user_id`), and for streams `stream: true` with `stream_options.include_usage` (unless
 * `requestStreamUsage` is false), `thinking` and `output_config.effort` as `reasoning_effort` (the
 * adapter turns it into the provider's own field), `output_config.format` (structured output, the
 * SDK's `messages.parse`; `output_format` in the older beta) as `response_format` `json_schema`.
 * `context_management`, the rest of `output_config`, the top-level `cache_control`, `thread` and
 * fields that only say how Anthropic would serve or bill the request (`service_tier`, `speed`, ...)
 * are not sent; any other field (`mcp_servers`, `inference_geo`, `compaction`, one the router does
 * not know) is refused.
 *
 * @throws ProviderRouterError `invalid_request` (400) for malformed or empty `messages`, a role other
 *   than user/assistant/system, a `tool_result` of no earlier `tool_use`, two tools of one name, a
 *   `tool_choice` naming a tool not offered, a `max_tokens` that is missing or not a positive
 *   integer, or a carried setting of the wrong type or outside Anthropic's range
 *   (`temperature: "1"`, `temperature: 1.5`, `thinking: "enabled"`, `metadata.user_id: 42`);
 *   `unsupported_parameter` (400, `param` naming it) for a field that cannot be carried, or a
 *   `thinking` of a type it does not know.
 */
export function toChatCompletionRequest(body: AnthropicMessagesRequest, options: ToChatRequestOptions): ChatCompletionRequest {
  if (!isRecord(body)) throw invalidRequest('The request body must be a JSON object.');
  refuseUncarriedFields(body);
  refuseWrongTypes(body, MESSAGES_SETTING_TYPES);
  const maxTokens: unknown = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens <= 0) {
    throw invalidRequest('`max_tokens` is required and must be a positive integer.');
  }

  const tools = toChatTools(body.tools, loadedToolNames(body.messages, body.tool_choice));
  const messages: OpenAIMessage[] = [];
  const system = systemText(body.system);
  if (system !== '') messages.push({ role: 'system', content: system });
  messages.push(
    ...toChatMessages(body.messages, {
      fetchesFileUrls: options.fetchesFileUrls === true,
      readsReasoningDetails: options.readsReasoningDetails === true,
      upstream: options.provider === undefined ? undefined : { provider: options.provider, model: options.upstreamModel },
      tools: new Map(tools?.map((tool) => [tool.function.name, tool.function])),
    }),
  );

  const request: ChatCompletionRequest = { model: options.upstreamModel, messages, max_tokens: maxTokens };

  const stop = stopSequences(body.stop_sequences);
  if (stop) request.stop = stop;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (typeof body.top_k === 'number') request.top_k = body.top_k;

  if (tools) {
    const named = isRecord(body.tool_choice) && body.tool_choice.type === 'tool' ? body.tool_choice.name : undefined;
    // Anthropic refuses a choice of a tool the request does not offer; a provider might answer without it.
    if (typeof named === 'string' && !tools.some((tool) => tool.function.name === named)) {
      throw invalidRequest(`\`tool_choice\` names the tool \`${named}\`, which is not among the request's \`tools\`: add it, or name one of them.`);
    }
    request.tools = tools;
    // OpenAI rejects `tool_choice` and `parallel_tool_calls` when no tools are sent.
    Object.assign(request, toChatToolChoice(body.tool_choice));
  } else {
    // Checked with no tools too: a choice of a type Anthropic does not define is refused there.
    const { tool_choice: toolChoice } = toChatToolChoice(body.tool_choice);
    if (toolChoice === 'required' || isRecord(toolChoice)) {
      throw invalidRequest('`tool_choice` asks for a tool call, and the request offers no tool to call: add `tools`, or leave `tool_choice` out.');
    }
  }

  const effort = effortOf(body);
  if (effort !== undefined) request.reasoning_effort = effort;
  // `output_format` is the structured-outputs beta's name for what is now `output_config.format`.
  const format = responseFormatOf(
    isRecord(body.output_config) && isSet(body.output_config.format) ? body.output_config : { format: body.output_format },
  );
  if (format) request.response_format = format;

  const userId = isRecord(body.metadata) ? body.metadata.user_id : undefined;
  // Claude Code puts a device id here: the provider gets a stable pseudonym, never the id itself.
  if (typeof userId === 'string' && userId !== '') request.user = createHash('sha256').update(userId).digest('hex');

  if (body.stream === true) {
    request.stream = true;
    if (options.requestStreamUsage !== false) request.stream_options = { include_usage: true };
  }
  return request;
}

/** The Messages API fields the translation reads. */
const READ = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
]);

/**
 * Fields left out, none of which changes what the model is given: `context_management` and the
 * top-level `cache_control` (DESIGN section 8); what only says how Anthropic would serve or bill
 * the request (`service_tier`, `speed`, `diagnostics`, `fallbacks`, `fallback_credit_token`,
 * `billing_policy`; `container`, which only its code execution tools use, and those are refused);
 * and the Anthropic SDK's `thread` when it opens one (a request that continues one was refused
 * before, since only Anthropic keeps threads: this one holds the whole conversation).
 */
const LEFT_OUT = new Set([
  'context_management',
  'cache_control',
  'service_tier',
  'speed',
  'diagnostics',
  'fallbacks',
  'fallback_credit_token',
  'billing_policy',
  'container',
  'thread',
]);

/**
 * Fields the Messages API defines that ask for what a chat provider cannot do, when they ask for
 * something: why, or undefined when the value asks nothing (`mcp_servers: []`).
 */
const UNCARRIED = new Map<string, (value: unknown) => string | undefined>([
  [
    'mcp_servers',
    (value) =>
      Array.isArray(value) && value.length === 0 ? undefined : "the MCP connector runs at Anthropic only; offer the servers' tools in `tools`",
  ],
  // `global`, the default, asks for nothing.
  ['inference_geo', (value) => (value === 'global' ? undefined : 'a chat completions provider makes no promise where it runs the model')],
  ['compaction', () => 'compaction summarises the conversation at Anthropic; send the conversation as it should be read'],
]);

/**
 * Refuses a field the translation neither reads nor may leave out (DESIGN section 9: no 200 for a
 * request whose content the provider never saw), and one it does not know: Anthropic refuses a
 * field it does not define too. A field set to `null` is not set.
 * @throws ProviderRouterError 400 `unsupported_parameter`, `param` naming the field.
 */
function refuseUncarriedFields(body: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(body)) {
    if (!isSet(value) || READ.has(field) || LEFT_OUT.has(field)) continue;
    // A Map, not an object: a body's `__proto__` key must not find Object.prototype.
    const uncarried = UNCARRIED.get(field);
    const reason = uncarried ? uncarried(value) : 'it is not a Messages API field the router knows how to carry';
    if (reason === undefined) continue;
    throw unsupportedParameter(
      field,
      `\`${field}\` cannot be sent to this provider (${reason}); send the request without it, or use an anthropic/ model.`,
    );
  }
}

/** The top-level `system` as one text, leaving out Claude Code's per-prompt billing line. */
function systemText(system: unknown): string {
  if (system === undefined || system === null) return '';
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) throw invalidRequest('`system` must be a string or an array of text blocks.');
  // The billing line changes on every prompt: sent first, it would defeat the provider's prefix cache.
  return systemTextBlocks(system, 'system')
    .map((block) => block.text)
    .filter((text) => !text.trimStart().startsWith(BILLING_HEADER_PREFIX))
    .join('\n\n');
}

/**
 * The effort a Messages request asks for: from a thinking budget, from adaptive thinking's
 * `output_config.effort` (medium when absent; `between_tools` thinking, which thinks between tool
 * calls, likewise: a chat provider has no finer knob), `none` when thinking is disabled; nothing
 * when the request says nothing of thinking. The provider's adapter decides the field that carries it.
 * @throws ProviderRouterError `unsupported_parameter` (`param: "thinking"`) for a type the router
 *   does not know: sent without it, the model would not think as asked.
 */
function effortOf(body: AnthropicMessagesRequest): Effort | undefined {
  const thinking = isRecord(body.thinking) ? body.thinking : undefined;
  if (!thinking) return undefined;
  switch (thinking.type) {
    case 'disabled':
      return 'none';
    case 'enabled':
      return typeof thinking.budget_tokens === 'number' ? effortOfBudget(thinking.budget_tokens) : 'medium';
    case 'adaptive':
    case 'between_tools':
      return asEffort(isRecord(body.output_config) ? body.output_config.effort : undefined) ?? 'medium';
    default:
      throw unsupportedParameter(
        'thinking',
        `\`thinking.type\` ${(JSON.stringify(thinking.type) as string | undefined) ?? 'missing'} cannot be sent to this provider (the router carries enabled, adaptive, between_tools and disabled); send one of those, or use an anthropic/ model.`,
      );
  }
}

function stopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((s): s is string => typeof s === 'string')) {
    throw invalidRequest('`stop_sequences` must be an array of strings.');
  }
  return value.length > 0 ? [...value] : undefined;
}

/**
 * Anthropic's structured output, `output_config.format: {type: "json_schema", schema}`, as chat
 * completions' `response_format` (section 5 run backwards). Not `strict`: OpenAI's strict mode
 * refuses schemas Anthropic takes (one without `additionalProperties: false`).
 *
 * @throws ProviderRouterError `invalid_request` for a format of another type, which chat has no
 *   equivalent of.
 */
function responseFormatOf(config: unknown): Record<string, unknown> | undefined {
  if (!isRecord(config) || config.format === undefined || config.format === null) return undefined;
  const format = config.format;
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) {
    throw invalidRequest(
      '`output_config.format` must be {type: "json_schema", schema}: the only structured output a chat provider can be asked for.',
    );
  }
  return { type: 'json_schema', json_schema: { name: 'output', schema: format.schema } };
}
