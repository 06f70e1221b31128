import type { ChatCompletionRequest } from '../../chat/wire';
import type { AnthropicMessagesRequest } from '../wire';
import { invalidRequest } from '../../../errors';
import { asEffort } from '../../effort';
import { callsToolsWithoutThinking } from '../tool-turn-thinking';
import { toAnthropicConversation } from './messages';
import { toAnthropicToolChoice, toAnthropicTools } from './tools';

/** What the translation needs besides the client's body. */
export interface ToAnthropicRequestOptions {
  /** The model id to send Anthropic (routing has already resolved it). */
  upstreamModel: string;
}

/**
 * Translates an OpenAI chat completions request body into an Anthropic Messages request body.
 * `reasoning_effort` becomes adaptive thinking with `output_config.effort` (`minimal` as `low`,
 * `none` as no thinking; the adapter may turn it into a budget), and assistant `reasoning_details`
 * holding Anthropic's blocks become those thinking blocks again.
 * `response_format` json_schema becomes `output_config.format` (json_object is refused). Fields
 * Anthropic does not accept (`n`, penalties, `seed`, `logprobs`, `stream_options`, ...) are left out. `max_tokens` is left out when the client gave none: the
 * provider's adapter adds its default. `body` is not modified.
 * @throws ProviderRouterError (`invalid_request`, 400) when the body cannot be translated: no
 *   messages, an unknown role, tool call arguments that are not JSON, an unusable image URL.
 * @see https://docs.anthropic.com/en/api/openai-sdk for Anthropic's own reading of these fields
 */
export function toAnthropicRequest(body: ChatCompletionRequest, options: ToAnthropicRequestOptions): AnthropicMessagesRequest {
  const { system, messages } = toAnthropicConversation(body.messages);
  const request: AnthropicMessagesRequest = { model: options.upstreamModel, messages };
  const maxTokens = maxTokensOf(body);
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (system !== undefined) request.system = system;
  Object.assign(request, samplingParameters(body));

  const stopSequences = toStopSequences(body.stop);
  if (stopSequences.length > 0) request.stop_sequences = stopSequences;

  // tool_choice without tools is an error at Anthropic; with no tools there is nothing to choose.
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    request.tools = toAnthropicTools(body.tools);
    const toolChoice = toAnthropicToolChoice(body.tool_choice, body.parallel_tool_calls);
    if (toolChoice !== undefined) request.tool_choice = toolChoice;
  }

  const format = outputFormat(body.response_format);
  const effort = asEffort(body.reasoning_effort);
  // Anthropic refuses a tool loop whose thinking went missing: without blocks to restore, none is asked for.
  const lastAssistant = request.messages.findLast((message) => message.role === 'assistant');
  const thinks = effort !== undefined && effort !== 'none' && !callsToolsWithoutThinking(lastAssistant);
  if (thinks) request.thinking = { type: 'adaptive', display: 'summarized' };
  if (format || thinks)
    request.output_config = { ...(format ? { format } : {}), ...(thinks ? { effort: effort === 'minimal' ? 'low' : effort } : {}) };
  if (typeof body.user === 'string' && body.user !== '') request.metadata = { user_id: body.user };
  if (body.stream === true) request.stream = true;
  return request;
}

function maxTokensOf(body: ChatCompletionRequest): number | undefined {
  const given = body.max_tokens ?? body.max_completion_tokens;
  if (given === undefined || given === null) return undefined;
  if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
    throw invalidRequest('max_tokens / max_completion_tokens must be a positive integer');
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
      throw invalidRequest('response_format json_schema needs `json_schema.schema`');
    return { type: 'json_schema', schema: jsonSchema.schema };
  }
  if (type === 'json_object') {
    throw invalidRequest('response_format json_object has no Anthropic equivalent: Anthropic needs a schema; send response_format json_schema');
  }
  return undefined;
}

function toStopSequences(stop: ChatCompletionRequest['stop']): string[] {
  if (typeof stop === 'string') return stop === '' ? [] : [stop];
  if (!Array.isArray(stop)) return [];
  return stop.filter((s): s is string => typeof s === 'string' && s !== '');
}
