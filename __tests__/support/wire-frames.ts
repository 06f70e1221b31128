/** SSE frames of the two wire formats, written as the providers write them, for scripted streams. */

/** The last frame of a chat completions stream. */
export const DONE_FRAME = 'data: [DONE]\n\n';

/** What every chunk of one chat completions stream shares. */
export interface ChunkIdentity {
  id: string;
  created: number;
  model: string;
}

/** One `data:` frame carrying `payload` as JSON. */
export function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/**
 * A `chat.completion.chunk` frame with one choice. `logprobs: null` is written in the choice when
 * asked for (OpenAI writes it, llama-server and OpenRouter may not); `choice` adds fields to the
 * choice (OpenRouter's `error`); `extra` goes after `choices`.
 */
export function chatChunkFrame(
  identity: ChunkIdentity,
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  options: { logprobs?: boolean; choice?: Record<string, unknown>; extra?: Record<string, unknown> } = {},
): string {
  const choice = options.logprobs
    ? { index: 0, delta, logprobs: null, finish_reason: finishReason, ...options.choice }
    : { index: 0, delta, finish_reason: finishReason, ...options.choice };
  return dataFrame({
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: [choice],
    ...options.extra,
  });
}

/**
 * A non-streamed `chat.completion` whose choice 0 holds `message` and ends with `finishReason`;
 * `choice` adds fields to that choice (OpenRouter's `error` for a generation that failed part-way).
 */
export function chatCompletion(
  message: Record<string, unknown>,
  finishReason: string | null,
  choice: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message, finish_reason: finishReason, ...choice }],
  };
}

/** A non-streamed Anthropic `message` (id `msg_1`) of `content` blocks from `model`, stopped for `stopReason`, with `usage`. */
export function anthropicMessage(
  model: string,
  content: Array<Record<string, unknown>>,
  stopReason: string | null,
  usage: Record<string, number>,
): Record<string, unknown> {
  return { id: 'msg_1', type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage };
}

/** The usage chunk (`choices: []`) that ends a chat completions stream asked for `include_usage`. */
export function chatUsageFrame(identity: ChunkIdentity, usage: Record<string, unknown>): string {
  return dataFrame({ id: identity.id, object: 'chat.completion.chunk', created: identity.created, model: identity.model, choices: [], usage });
}

/** One Anthropic SSE frame, with its `event:` line, as the Messages API writes it. */
export function anthropicEvent(type: string, payload: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** A Messages stream's `message_start`: the first frame of an answer that has not said anything yet. */
export function messageStartFrame(id = 'msg_1', model = 'm'): string {
  return anthropicEvent('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } },
  });
}
