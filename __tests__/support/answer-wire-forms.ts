/**
 * An abstract answer (`abstract-answers.ts`) in its provider's two wire forms: the JSON answer
 * to a request without `stream`, and the SSE stream chunked as that provider chunks it (OpenAI,
 * OpenRouter and llama-server chat completions; Anthropic Messages).
 */
import { pieces, type Answer, type Call, type Stop } from './abstract-answers';
import { anthropicEvent, anthropicMessage, chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from './wire-frames';

/** How one OpenAI-compatible provider writes answers. */
export interface ChatShape {
  /** Where reasoning text goes: nowhere (OpenAI), `reasoning` (OpenRouter), `reasoning_content` (llama-server, DeepSeek). */
  field: 'none' | 'reasoning' | 'reasoning_content';
  /** OpenRouter's `reasoning_details` beside the text (with the signature and redacted pieces). */
  details: boolean;
  /** Whether it may chunk tool calls, empty content and the finish reason otherwise than OpenAI does. */
  varied: boolean;
  /** Whether its usage carries the price (`cost`, OpenRouter). */
  priced: boolean;
  /** The first chunk's delta. */
  roleDelta: Record<string, unknown>;
  /** Every chunk says `usage: null` when usage was asked for (OpenAI). */
  nullUsage: boolean;
}

export const OPENAI_SHAPE: ChatShape = {
  field: 'none',
  details: false,
  varied: false,
  priced: false,
  roleDelta: { role: 'assistant', content: '', refusal: null },
  nullUsage: true,
};
export const OPENROUTER_SHAPE: ChatShape = {
  field: 'reasoning',
  details: true,
  varied: true,
  priced: true,
  roleDelta: { role: 'assistant', content: '' },
  nullUsage: false,
};
export const LLAMA_SHAPE: ChatShape = {
  field: 'reasoning_content',
  details: false,
  varied: true,
  priced: false,
  roleDelta: { role: 'assistant', content: null },
  nullUsage: false,
};

const CHAT_FINISH: Record<Stop, string> = {
  stop: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  length: 'length',
  context_window: 'length',
  tool: 'tool_calls',
  filter: 'content_filter',
};
const DETAIL_FORMAT = 'anthropic-claude-v1';

function chatUsage(answer: Answer, shape: ChatShape): Record<string, unknown> {
  const { input, output, cached, reasoning } = answer.usage;
  const usage: Record<string, unknown> = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
  if (answer.usageDetails || !shape.varied) {
    // OpenRouter counts the tokens written to the provider's cache beside those read.
    usage.prompt_tokens_details = shape.priced ? { cached_tokens: cached, cache_write_tokens: answer.usage.cacheWrite } : { cached_tokens: cached };
    usage.completion_tokens_details = { reasoning_tokens: reasoning };
  }
  if (shape.priced) usage.cost = answer.cost;
  return usage;
}

export function chatJson(answer: Answer, shape: ChatShape): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: answer.text || (shape.varied && answer.emptyContent ? '' : null) };
  if (shape.field !== 'none' && answer.reasoning) message[shape.field] = answer.reasoning;
  if (shape.details) {
    const details: Array<Record<string, unknown>> = [];
    if (answer.reasoning)
      details.push({ type: 'reasoning.text', text: answer.reasoning, signature: answer.signature, format: DETAIL_FORMAT, index: 0 });
    if (answer.redacted) details.push({ type: 'reasoning.encrypted', data: answer.redacted, format: DETAIL_FORMAT, index: details.length });
    if (details.length > 0) message.reasoning_details = details;
  }
  if (answer.refusal) message.refusal = answer.refusal;
  const calls = chatCalls(answer, shape);
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({
      ...(call.id ? { id: call.id } : {}),
      type: 'function',
      function: { name: call.name, arguments: call.args },
    }));
  }
  const completion: Record<string, unknown> = { ...chatCompletion(message, CHAT_FINISH[answer.stop]), usage: chatUsage(answer, shape) };
  if (shape.varied && answer.secondChoice) {
    (completion.choices as unknown[]).push({ index: 1, message: { role: 'assistant', content: answer.secondChoice }, finish_reason: 'stop' });
  }
  return completion;
}

/** The calls as this provider writes them: their ids in its style, the last one's arguments cut off at `length`. */
function chatCalls(answer: Answer, shape: ChatShape): Call[] {
  if (!shape.varied) return answer.calls;
  return answer.calls.map((call, index) => {
    const id = answer.callIdStyle === 'kimi' ? `functions.${call.name}:${index}` : answer.callIdStyle === 'none' ? '' : call.id;
    const cut = answer.cutArguments && answer.stop === 'length' && index === answer.calls.length - 1 && call.args.length > 4;
    return { ...call, id, args: cut ? call.args.slice(0, Math.floor(call.args.length / 2)) : call.args };
  });
}

/** The tool-call deltas of a chat stream, chunked as `answer.callChunking` says. */
function toolCallDeltas(answer: Answer, shape: ChatShape, next: () => number): Array<Record<string, unknown>> {
  const calls = chatCalls(answer, shape);
  const chunking = shape.varied ? answer.callChunking : 'sequential';
  const idOf = (call: Call): Record<string, unknown> => (call.id ? { id: call.id } : {});
  if (chunking === 'one-chunk' && calls.length > 0) {
    return [
      { tool_calls: calls.map((call, index) => ({ index, ...idOf(call), type: 'function', function: { name: call.name, arguments: call.args } })) },
    ];
  }
  const heads = calls.map((call, index) => ({
    tool_calls: [
      shape.varied && answer.bareHeads
        ? { index, ...idOf(call), function: { name: call.name } }
        : { index, ...idOf(call), type: 'function', function: { name: call.name, arguments: '' } },
    ],
  }));
  const tails = calls.map((call, index) =>
    (call.args ? pieces(next, call.args) : []).map((piece) => ({ tool_calls: [{ index, function: { arguments: piece } }] })),
  );
  if (chunking === 'sequential') return calls.flatMap((_, index) => [heads[index]!, ...tails[index]!]);
  // Interleaved: every call announced, then the argument pieces taken in turn.
  const deltas: Array<Record<string, unknown>> = [...heads];
  for (let round = 0; tails.some((tail) => tail.length > round); round++) for (const tail of tails) if (tail[round]) deltas.push(tail[round]!);
  return deltas;
}

/**
 * The stream as OpenAI-compatible providers write it: a role chunk, reasoning deltas (with
 * OpenRouter's details, the signature on a piece of its own), content (or refusal) deltas, the
 * tool calls, the finish reason, and the usage chunk (`choices: []`) when the request asked for it.
 */
export function chatFrames(answer: Answer, shape: ChatShape, next: () => number, includeUsage: boolean): string[] {
  const identity = { id: 'chatcmpl-diff', created: 1, model: 'm' };
  const deltas: Array<Record<string, unknown>> = [];
  if (shape.field !== 'none') {
    for (const piece of answer.reasoning ? pieces(next, answer.reasoning) : []) {
      const details = shape.details ? { reasoning_details: [{ type: 'reasoning.text', text: piece, format: DETAIL_FORMAT, index: 0 }] } : {};
      deltas.push({ [shape.field]: piece, ...details });
    }
  }
  if (shape.details && answer.reasoning) {
    deltas.push({
      [shape.field]: null,
      reasoning_details: [{ type: 'reasoning.text', signature: answer.signature, format: DETAIL_FORMAT, index: 0 }],
    });
  }
  if (shape.details && answer.redacted) {
    const index = answer.reasoning ? 1 : 0;
    deltas.push({ [shape.field]: null, reasoning_details: [{ type: 'reasoning.encrypted', data: answer.redacted, format: DETAIL_FORMAT, index }] });
  }
  const textPieces = answer.text ? pieces(next, answer.text) : [];
  const late =
    shape.varied && answer.textAfterCalls && answer.calls.length > 0 && textPieces.length > 1 ? textPieces.splice(textPieces.length - 1) : [];
  for (const piece of textPieces) deltas.push({ content: piece });
  for (const piece of answer.refusal ? pieces(next, answer.refusal) : []) deltas.push({ refusal: piece });
  deltas.push(...toolCallDeltas(answer, shape, next));
  for (const piece of late) deltas.push({ content: piece });
  const finish = CHAT_FINISH[answer.stop];
  const onLast = shape.varied && answer.finishOnLastDelta && deltas.length > 0;
  // OpenRouter repeats `role` and an empty `content` beside reasoning and calls.
  const padded = shape.varied && answer.emptyContent ? deltas.map((delta) => ({ role: 'assistant', content: '', ...delta })) : [...deltas];
  const usageOnFinish = shape.varied && answer.usageOnFinish;
  const nullUsage = shape.nullUsage && includeUsage ? { usage: null } : {};
  // OpenAI's first chunk carries the first call when the answer opens with one.
  const first = !shape.varied && answer.calls.length > 0 && !answer.text && !answer.refusal ? padded.shift() : undefined;
  const frames = [chatChunkFrame(identity, { ...shape.roleDelta, ...(first ? { ...first, content: null } : {}) }, null, { extra: nullUsage })];
  const secondChoice = shape.varied && answer.secondChoice ? pieces(next, answer.secondChoice) : [];
  padded.forEach((delta, i) => {
    const last = i === padded.length - 1;
    const extra = { extra: onLast && last && usageOnFinish ? { usage: chatUsage(answer, shape) } : nullUsage };
    frames.push(chatChunkFrame(identity, delta, onLast && last ? finish : null, extra));
    // Choice 1's pieces interleaved with choice 0's.
    const other = secondChoice[i];
    if (other !== undefined) frames.push(chatChunkFrame(identity, { content: other }, null, { choice: { index: 1 } }));
  });
  if (!onLast) frames.push(chatChunkFrame(identity, {}, finish, { extra: usageOnFinish ? { usage: chatUsage(answer, shape) } : nullUsage }));
  if (includeUsage && !usageOnFinish) frames.push(chatUsageFrame(identity, chatUsage(answer, shape)));
  frames.push(DONE_FRAME);
  return frames;
}

// ---------------------------------------------------------------- Messages wire forms

const ANTHROPIC_STOP: Record<Stop, string> = {
  stop: 'end_turn',
  stop_sequence: 'stop_sequence',
  pause_turn: 'pause_turn',
  length: 'max_tokens',
  context_window: 'model_context_window_exceeded',
  tool: 'tool_use',
  filter: 'refusal',
};

function anthropicInputUsage(answer: Answer): Record<string, number> {
  return { input_tokens: answer.usage.input, cache_read_input_tokens: answer.usage.cached, cache_creation_input_tokens: answer.usage.cacheWrite };
}

const SEARCH_RESULT = { type: 'web_search_result', url: 'https://example.com/a', title: 'A', encrypted_content: 'ZW5j', page_age: null };
const CITATION = { type: 'web_search_result_location', url: 'https://example.com/a', title: 'A', encrypted_index: 'aWR4', cited_text: 'a' };

/** The answer's content blocks, whole, in the order Anthropic writes them. */
function anthropicBlocks(answer: Answer): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (answer.redacted) blocks.push({ type: 'redacted_thinking', data: answer.redacted });
  if (answer.reasoning) blocks.push({ type: 'thinking', thinking: answer.reasoning, signature: answer.signature });
  if (answer.serverSearch) {
    blocks.push({ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: answer.serverSearch } });
    blocks.push({ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [SEARCH_RESULT] });
  }
  if (answer.text) blocks.push({ type: 'text', text: answer.text, ...(answer.serverSearch ? { citations: [CITATION] } : {}) });
  if (answer.moreText) blocks.push({ type: 'text', text: answer.moreText });
  if (answer.emptyTextBlock) blocks.push({ type: 'text', text: '' });
  if (answer.lateReasoning) blocks.push({ type: 'thinking', thinking: answer.lateReasoning, signature: `${answer.signature}b` });
  for (const call of answer.calls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.args ? JSON.parse(call.args) : {} });
  return blocks;
}

export function anthropicJson(answer: Answer): Record<string, unknown> {
  const usage = { ...anthropicInputUsage(answer), output_tokens: answer.usage.output };
  const message = anthropicMessage('claude-diff', anthropicBlocks(answer), ANTHROPIC_STOP[answer.stop], usage);
  if (answer.stop === 'stop_sequence') message.stop_sequence = '###';
  return message;
}

/** One block's start, deltas and stop, as the Messages API streams it. */
function anthropicBlockFrames(block: Record<string, unknown>, index: number, answer: Answer, next: () => number): string[] {
  const deltas: Array<Record<string, unknown>> = [];
  let start = block;
  if (block.type === 'thinking') {
    start = { type: 'thinking', thinking: '', signature: '' };
    deltas.push(...pieces(next, block.thinking as string).map((thinking) => ({ type: 'thinking_delta', thinking })));
    deltas.push({ type: 'signature_delta', signature: block.signature });
  } else if (block.type === 'text') {
    start = { type: 'text', text: '' };
    if (block.citations) deltas.push({ type: 'citations_delta', citation: CITATION });
    if (block.text) deltas.push(...pieces(next, block.text as string).map((text) => ({ type: 'text_delta', text })));
  } else if (block.type === 'server_tool_use') {
    start = { ...block, input: {} };
    deltas.push(...pieces(next, JSON.stringify(block.input)).map((partial_json) => ({ type: 'input_json_delta', partial_json })));
  } else if (block.type === 'tool_use') {
    start = { ...block, input: {} };
    const args = answer.calls.find((call) => call.id === block.id)!.args;
    const json = args === '{}' ? '' : args;
    if (json) deltas.push(...pieces(next, json).map((partial_json) => ({ type: 'input_json_delta', partial_json })));
    else if (answer.emptyInputDelta) deltas.push({ type: 'input_json_delta', partial_json: '' });
  }
  return [
    anthropicEvent('content_block_start', { index, content_block: start }),
    ...deltas.map((delta) => anthropicEvent('content_block_delta', { index, delta })),
    anthropicEvent('content_block_stop', { index }),
  ];
}

/** The stream as the Messages API writes it. */
export function anthropicFrames(answer: Answer, next: () => number): string[] {
  const start = {
    message: { ...anthropicMessage('claude-diff', [], null, { ...anthropicInputUsage(answer), output_tokens: 1 }) },
  };
  const endUsage = answer.deltaRepeatsInput
    ? { ...anthropicInputUsage(answer), output_tokens: answer.usage.output }
    : { output_tokens: answer.usage.output };
  const stopSequence = answer.stop === 'stop_sequence' ? '###' : null;
  return [
    anthropicEvent('message_start', start),
    ...(answer.emptyTextBlock ? [anthropicEvent('ping')] : []),
    ...anthropicBlocks(answer).flatMap((block, index) => anthropicBlockFrames(block, index, answer, next)),
    anthropicEvent('message_delta', { delta: { stop_reason: ANTHROPIC_STOP[answer.stop], stop_sequence: stopSequence }, usage: endUsage }),
    anthropicEvent('message_stop'),
  ];
}
