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

/** What a scripted Anthropic stream says, block by block: thinking, then text, then tool calls. */
export interface AnthropicStreamScript {
  model: string;
  reasoning?: string;
  /** The thinking block's `signature_delta`; none when empty. */
  signature?: string;
  text?: string;
  calls?: ReadonlyArray<{ id: string; name: string; args: string }>;
  stopReason: string;
  /** `message_start`'s usage. */
  startUsage: Record<string, number>;
  /** `message_delta`'s usage. */
  endUsage: Record<string, number>;
}

/**
 * The frames of an Anthropic Messages stream for `script`: each block started, given its deltas
 * (each text cut into `pieces`) and stopped before the next, as the Messages API streams them.
 */
export function anthropicStreamFrames(script: AnthropicStreamScript, pieces: (text: string) => string[] = (text) => [text]): string[] {
  const frames = [
    anthropicEvent('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: script.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: script.startUsage,
      },
    }),
  ];
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Array<Record<string, unknown>>): void => {
    frames.push(anthropicEvent('content_block_start', { index, content_block: start }));
    for (const delta of deltas) frames.push(anthropicEvent('content_block_delta', { index, delta }));
    frames.push(anthropicEvent('content_block_stop', { index }));
    index++;
  };
  if (script.reasoning) {
    const deltas: Array<Record<string, unknown>> = pieces(script.reasoning).map((thinking) => ({ type: 'thinking_delta', thinking }));
    if (script.signature) deltas.push({ type: 'signature_delta', signature: script.signature });
    block({ type: 'thinking', thinking: '', signature: '' }, deltas);
  }
  if (script.text)
    block(
      { type: 'text', text: '' },
      pieces(script.text).map((text) => ({ type: 'text_delta', text })),
    );
  for (const call of script.calls ?? [])
    block(
      { type: 'tool_use', id: call.id, name: call.name, input: {} },
      pieces(call.args).map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    );
  frames.push(
    anthropicEvent('message_delta', { delta: { stop_reason: script.stopReason, stop_sequence: null }, usage: script.endUsage }),
    anthropicEvent('message_stop'),
  );
  return frames;
}
