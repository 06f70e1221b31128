import { isRecord } from '../../is-record';
import { isSet } from '../../is-set';
import type { ChatStreamEvent } from './stream-codec';
import type { ChatCompletionChunk } from './wire';

type Fields = Record<string, unknown>;
type ChunkChoice = ChatCompletionChunk['choices'][number];

/** The message fields that carry reasoning: they go out before the text, as a reasoning model streams them. */
const REASONING_FIELDS = new Set(['reasoning_content', 'reasoning', 'reasoning_details']);

/**
 * The stream an OpenAI-compatible upstream would have sent for `answer`, a whole `chat.completion`
 * it sent instead (some servers and gateways ignore `stream: true`): per choice a role chunk, its
 * reasoning, its text, one chunk per tool call and a finish chunk carrying the choice's other
 * fields (a legacy `text_completion`: one chunk per choice); then the usage chunk when
 * `upstreamBody` asked `stream_options.include_usage` or `translated` (the router reads the stream
 * into another dialect, whose answer always reports usage), and `[DONE]`. Undefined when `answer`
 * is no completion (no `choices` of messages, or of texts).
 */
export function chatAnswerAsChunks(answer: unknown, upstreamBody: Readonly<Fields>, translated = false): ChatStreamEvent[] | undefined {
  if (!isRecord(answer)) return undefined;
  // A legacy completion (`/completions`) streams chunks of its own kind, each choice's `text` whole.
  const legacy = answer.object === 'text_completion';
  if (answer.object !== undefined && answer.object !== 'chat.completion' && !legacy) return undefined;
  const { choices, usage, timings } = answer;
  const isChoice = (choice: unknown): boolean => isRecord(choice) && (legacy ? typeof choice.text === 'string' : isRecord(choice.message));
  if (!Array.isArray(choices) || choices.length === 0 || !choices.every(isChoice)) return undefined;
  // The answer's own fields (`id`, `created`, `model`, `system_fingerprint`, OpenRouter's `provider`) go on every chunk.
  const identity = fieldsBut(answer, ['choices', 'usage', 'timings', 'object']);
  const chunk = (choices: ChunkChoice[], extra: Fields = {}): ChatStreamEvent => ({
    type: 'chunk',
    chunk: { ...identity, object: legacy ? 'text_completion' : 'chat.completion.chunk', choices, ...extra } as ChatCompletionChunk,
  });
  const events: ChatStreamEvent[] = [];
  (choices as Fields[]).forEach((choice, position) => {
    const index = typeof choice.index === 'number' ? choice.index : position;
    if (legacy) {
      events.push(chunk([{ ...choice, index } as unknown as ChunkChoice]));
      return;
    }
    for (const delta of choiceDeltas(choice.message as Fields)) events.push(chunk([{ index, delta, finish_reason: null }]));
    // The rest of the choice (`logprobs`, vLLM's `stop_reason`, OpenRouter's `error`) goes with its finish reason.
    const rest = fieldsBut(choice, ['message', 'index', 'finish_reason']);
    const finishReason = (choice.finish_reason ?? null) as ChunkChoice['finish_reason'];
    events.push(chunk([{ ...rest, index, delta: {}, finish_reason: finishReason }]));
  });
  const streamOptions = upstreamBody.stream_options;
  // A translation has the answer's usage to give even where the router asked a stream for none (`requestStreamUsage: false`).
  const asksUsage = translated || (isRecord(streamOptions) && streamOptions.include_usage === true);
  // llama-server counts its tokens in `timings` on its last chunk as well as in `usage`.
  const last = isSet(timings) ? { timings } : {};
  if (asksUsage && isRecord(usage)) events.push(chunk([], { usage, ...last }));
  else {
    const finish = events.at(-1);
    if (finish?.type === 'chunk') Object.assign(finish.chunk, last);
  }
  events.push({ type: 'done' });
  return events;
}

/** The deltas of one choice's message, in the order a model streams them: role, reasoning, text, each tool call. */
function choiceDeltas(message: Fields): Fields[] {
  const deltas: Fields[] = [{ role: 'assistant', content: '' }];
  const reasoning: Fields = {};
  const text: Fields = {};
  for (const [field, value] of Object.entries(message)) {
    // `content: null` beside tool calls, `refusal: null`: nothing to stream.
    if (field === 'role' || field === 'tool_calls' || !isSet(value) || value === '') continue;
    if (REASONING_FIELDS.has(field)) reasoning[field] = value;
    else text[field] = value;
  }
  if (Object.keys(reasoning).length > 0) deltas.push(reasoning);
  if (Object.keys(text).length > 0) deltas.push(text);
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call, index) => {
      if (isRecord(call)) deltas.push({ tool_calls: [{ ...call, index }] });
    });
  }
  return deltas;
}

/** `fields` without the named ones. */
function fieldsBut(fields: Fields, left: readonly string[]): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([field]) => !left.includes(field)));
}
