import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '../../chat/wire';
import type { AnthropicMessagesRequest } from '../wire';
import { invalidRequest, unsupportedParameter } from '../../../errors';
import { asEffort, effortOfBudget, type Effort } from '../../effort';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { callsToolsWithoutThinking } from '../tool-turn-thinking';
import { toAnthropicConversation } from './messages';
import { narrowedToAllowedTools, toAnthropicToolChoice, toAnthropicTools } from './tools';
import { refuseWrongTypes } from '../../field-types';
import { CHAT_SETTING_TYPES } from './field-types';
import { cacheControlOf } from './cache-control';

/** What the translation needs besides the client's body. */
export interface ToAnthropicRequestOptions {
  /** The model id to send Anthropic (routing has already resolved it). */
  upstreamModel: string;
}

/**
 * Translates an OpenAI chat completions request body into an Anthropic Messages request body.
 * `reasoning_effort` (or OpenRouter's `reasoning` object) becomes adaptive thinking with
 * `output_config.effort` (`minimal` as `low`, `none` as no thinking; the adapter may turn it into a
 * budget), and assistant `reasoning_details` holding Anthropic's blocks become those thinking
 * blocks again.
 * Thinking is left off when the tool choice forces a call (Anthropic refuses the two together).
 * `response_format` json_schema becomes `output_config.format` (json_object is refused).
 * `tool_choice` `allowed_tools` sends only the tools it allows. `safety_identifier`, else `user`,
 * becomes `metadata.user_id` (its SHA-256 hex digest when it holds an email address).
 * `cache_control` (on the request, a message, a content part or a tool, as OpenRouter takes it)
 * goes on where Anthropic reads it. Fields Anthropic does not accept
 * (`n`, penalties, `seed`, `logprobs`, `stream_options`, ...) are left out, refused only when of
 * the wrong type or outside OpenAI's range; fields that carry content or ask for what Anthropic
 * cannot do (deprecated `functions`, audio output, web search, moderation) are refused. A tool
 * message that answers no earlier call, two tools of one name and a named `tool_choice` of no
 * offered tool are refused too (Anthropic would, in its own terms). `max_tokens` is left out when
 * the client gave none: the provider's adapter adds its default. `body` is not modified.
 * @throws ProviderRouterError (`invalid_request`, 400) when the body cannot be translated: no
 *   messages, an unknown role, tool call arguments that are not JSON, an unusable image URL, a
 *   stop sequence of only whitespace, a `reasoning_effort` that is no effort, a setting of the wrong
 *   type or outside OpenAI's range (`temperature: "hot"`, `top_p: 1.5`; `param` naming it);
 *   (`unsupported_parameter`, 400, `param` naming it) for a field that cannot be carried.
 * @see https://docs.anthropic.com/en/api/openai-sdk for Anthropic's own reading of these fields
 */
export function toAnthropicRequest(body: ChatCompletionRequest, options: ToAnthropicRequestOptions): AnthropicMessagesRequest {
  refuseUncarriedFeatures(body);
  refuseWrongTypes(body, CHAT_SETTING_TYPES);
  const { system, messages } = toAnthropicConversation(body.messages);
  const request: AnthropicMessagesRequest = { model: options.upstreamModel, messages };
  const maxTokens = maxTokensOf(body);
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (system !== undefined) request.system = system;
  Object.assign(request, samplingParameters(body));

  const stopSequences = toStopSequences(body.stop);
  if (stopSequences.length > 0) request.stop_sequences = stopSequences;

  const offered = narrowedToAllowedTools(Array.isArray(body.tools) ? body.tools : [], body.tool_choice);
  // tool_choice without tools is an error at Anthropic; with no tools there is nothing to choose.
  if (offered.tools.length > 0) {
    request.tools = toAnthropicTools(offered.tools);
    const toolChoice = toAnthropicToolChoice(offered.toolChoice, body.parallel_tool_calls);
    if (toolChoice?.type === 'tool' && !request.tools.some((tool) => tool.name === toolChoice.name)) {
      throw invalidRequest(
        `tool_choice names the function \`${toolChoice.name}\`, which is not among the request's tools; add it to \`tools\``,
        'tool_choice',
      );
    }
    if (toolChoice !== undefined) request.tool_choice = toolChoice;
  } else {
    // Checked with nothing to choose from too: a choice OpenAI does not define is refused there.
    const toolChoice = toAnthropicToolChoice(offered.toolChoice, undefined);
    if (toolChoice?.type === 'any' || toolChoice?.type === 'tool') {
      throw invalidRequest(
        'tool_choice asks for a tool call, and the request offers no tool to call: add `tools`, or leave tool_choice out',
        'tool_choice',
      );
    }
  }

  const format = outputFormat(body.response_format);
  const effort = effortOf(body.reasoning_effort) ?? effortOfReasoningObject(body.reasoning);
  // Anthropic refuses a tool loop whose thinking went missing: without blocks to restore, none is
  // asked for. It refuses thinking with a tool choice that forces a call, too.
  const lastAssistant = request.messages.findLast((message) => message.role === 'assistant');
  const forcesToolCall = request.tool_choice?.type === 'any' || request.tool_choice?.type === 'tool';
  const thinks = effort !== undefined && effort !== 'none' && !forcesToolCall && !callsToolsWithoutThinking(lastAssistant);
  if (thinks) request.thinking = { type: 'adaptive', display: 'summarized' };
  if (format || thinks)
    request.output_config = { ...(format ? { format } : {}), ...(thinks ? { effort: effort === 'minimal' ? 'low' : effort } : {}) };
  // `safety_identifier` is what OpenAI asks for now in place of `user`.
  const endUser = [body.safety_identifier, body.user].find((id): id is string => typeof id === 'string' && id !== '');
  if (endUser !== undefined) request.metadata = { user_id: anthropicUserId(endUser) };
  // OpenRouter's top-level marker is Anthropic's automatic caching: a breakpoint on the last block.
  const marker = cacheControlOf(body);
  if (marker !== undefined) request.cache_control = marker;
  if (body.stream === true) request.stream = true;
  return request;
}

/**
 * An email address anywhere in an id. It starts where a run of characters other than whitespace
 * and `@` starts: tried from every character, the search backtracked over the whole run each
 * time, quadratic in a long id any client can send (100,000 characters held the event loop 7 s).
 */
const EMAIL = /(?<![^\s@])[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * The end user's id as Anthropic takes it in `metadata.user_id`: as it is, or its SHA-256 hex
 * digest when it holds an email address, which OpenAI takes in `user` and Anthropic refuses with a
 * 400 for the whole request ("user_id appears to contain an email address"). The digest is still
 * one id per user.
 */
function anthropicUserId(id: string): string {
  return EMAIL.test(id) ? createHash('sha256').update(id).digest('hex') : id;
}

/**
 * The effort the client asked for, none when it asked for none (absent, or `null`).
 * @throws ProviderRouterError (`invalid_request`, `param: "reasoning_effort"`) for a value that is
 *   no effort (`"High"`, `"extreme"`): OpenAI refuses it, and left out, the answer would come
 *   without the thinking the client asked for.
 */
function effortOf(value: unknown): Effort | undefined {
  if (value === undefined || value === null) return undefined;
  const effort = asEffort(value);
  if (effort !== undefined) return effort;
  throw invalidRequest(
    `reasoning_effort ${JSON.stringify(value)} is not an effort the router can send Anthropic: send none, minimal, low, medium, high, xhigh or max`,
    'reasoning_effort',
  );
}

/**
 * The effort of OpenRouter's chat `reasoning` object, which clients written for OpenRouter send in
 * place of `reasoning_effort` (that one wins when both are given): `effort`, else `max_tokens` as a
 * thinking budget (DESIGN section 10's budget rule), else `enabled` (true as OpenRouter's default,
 * medium; false as none). `exclude` only hides the reasoning from the answer, and is left out.
 * @throws ProviderRouterError (`invalid_request`, `param` naming the field) for a `reasoning` that
 *   is not an object, an `effort` that is no effort, a `max_tokens` that is not a positive integer.
 */
function effortOfReasoningObject(reasoning: unknown): Effort | undefined {
  if (reasoning === undefined || reasoning === null) return undefined;
  if (!isRecord(reasoning)) throw invalidRequest('`reasoning` must be an object, as OpenRouter takes it (`{"effort": "high"}`).', 'reasoning');
  if (isSet(reasoning.effort)) {
    const effort = asEffort(reasoning.effort);
    if (effort === undefined) {
      throw invalidRequest(
        `reasoning.effort ${JSON.stringify(reasoning.effort)} is not an effort the router can send Anthropic: send none, minimal, low, medium, high, xhigh or max`,
        'reasoning.effort',
      );
    }
    return effort;
  }
  if (isSet(reasoning.max_tokens)) {
    if (!Number.isInteger(reasoning.max_tokens) || (reasoning.max_tokens as number) < 1) {
      throw invalidRequest('reasoning.max_tokens must be a positive integer.', 'reasoning.max_tokens');
    }
    return effortOfBudget(reasoning.max_tokens as number);
  }
  if (reasoning.enabled === true) return 'medium';
  if (reasoning.enabled === false) return 'none';
  return undefined;
}

/**
 * Chat fields that carry content or ask for what Anthropic cannot do: leaving one out would answer
 * 200 for something the provider never saw (DESIGN section 9). Fields that only tune or meter the
 * answer (`n`, penalties, `seed`, `logprobs`, `prediction`, ...) are left out instead.
 */
const UNCARRIED_FEATURES: readonly [field: string, isAsked: (value: unknown) => boolean, reason: string][] = [
  ['functions', (value) => Array.isArray(value) && value.length > 0, 'deprecated function calling is not translated; send `tools`'],
  // `"auto"` or `"none"` name no function: only a named one asks for something.
  ['function_call', (value) => typeof value === 'object' && value !== null, 'deprecated function calling is not translated; send `tool_choice`'],
  ['audio', isSet, 'Anthropic answers in text only'],
  ['modalities', (value) => Array.isArray(value) && value.some((modality) => modality !== 'text'), 'Anthropic answers in text only'],
  ['web_search_options', isSet, "OpenAI's built-in web search runs at OpenAI only; offer a search function in `tools`"],
  // A `block` policy stops flagged input or output: left out, the answer would come unchecked.
  ['moderation', isSet, "OpenAI's moderation of the input and output runs at OpenAI only; check the text with a moderation endpoint of your own"],
];

/** @throws ProviderRouterError 400 `unsupported_parameter`, `param` naming the field. */
function refuseUncarriedFeatures(body: ChatCompletionRequest): void {
  for (const [field, isAsked, reason] of UNCARRIED_FEATURES) {
    if (!isAsked(body[field])) continue;
    throw unsupportedParameter(
      field,
      `\`${field}\` cannot be sent to Anthropic (${reason}); send the request without it, or use a model of a provider that takes it.`,
    );
  }
}

/**
 * `max_completion_tokens`, else `max_tokens`: OpenAI deprecated `max_tokens` for it, and the
 * `openai` adapter lets it win too, so a client sending both gets the same limit at either provider.
 */
function maxTokensOf(body: ChatCompletionRequest): number | undefined {
  const field = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const given = body[field];
  if (given === undefined || given === null) return undefined;
  if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
    throw invalidRequest('max_tokens / max_completion_tokens must be a positive integer', field);
  }
  return given;
}

type SamplingParameters = Pick<AnthropicMessagesRequest, 'temperature' | 'top_p' | 'top_k'>;

function samplingParameters(body: ChatCompletionRequest): SamplingParameters {
  const params: SamplingParameters = {};
  const { temperature, top_p: topP } = body;
  // Anthropic's range is 0..1 where OpenAI's is 0..2: clamping keeps low values meaning the same.
  if (typeof temperature === 'number') params.temperature = Math.min(temperature, 1);
  // Newer models reject temperature and top_p together.
  else if (typeof topP === 'number') params.top_p = topP;
  // Not an OpenAI field, but clients written for llama.cpp or OpenRouter send it and Anthropic takes it.
  const topK = body.top_k;
  if (typeof topK === 'number') params.top_k = topK;
  return params;
}

/**
 * `response_format` as Anthropic's structured output: a JSON schema becomes
 * `output_config.format`; `json_object` has no Anthropic equivalent (it takes no schema-less JSON).
 */
function outputFormat(format: unknown): Record<string, unknown> | undefined {
  if (typeof format !== 'object' || format === null) return undefined;
  const { type, json_schema: jsonSchema } = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (type === 'json_schema') {
    if (typeof jsonSchema?.schema !== 'object' || jsonSchema.schema === null)
      throw invalidRequest('response_format json_schema needs `json_schema.schema`', 'response_format');
    return { type: 'json_schema', schema: jsonSchema.schema };
  }
  if (type === 'json_object') {
    throw invalidRequest(
      'response_format json_object has no Anthropic equivalent: Anthropic needs a schema; send response_format json_schema',
      'response_format',
    );
  }
  if (type !== 'text') throw invalidRequest('response_format `type` must be text, json_object or json_schema', 'response_format');
  return undefined;
}

/**
 * `stop` as Anthropic's `stop_sequences`, empty strings left out (they stop nothing).
 * @throws ProviderRouterError (`invalid_request`, `param: "stop"`) for a sequence of only whitespace
 *   (`"\n"`): Anthropic refuses it, and leaving it out would let the answer run past where the
 *   client asked it to stop.
 */
function toStopSequences(stop: ChatCompletionRequest['stop']): string[] {
  const given = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  const sequences = given.filter((s): s is string => typeof s === 'string' && s !== '');
  const blank = sequences.find((s) => s.trim() === '');
  if (blank !== undefined) {
    throw invalidRequest(
      `stop ${JSON.stringify(blank)} is only whitespace, which Anthropic does not take as a stop sequence; send stop sequences with a visible character, or stop the text yourself`,
      'stop',
    );
  }
  return sequences;
}
