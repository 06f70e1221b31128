/**
 * A successful answer with reasoning in each upstream dialect, streamed (the recorded fixtures) and
 * whole, and what the router's telemetry and conversation record must read from each: the
 * answered cells of the telemetry suites.
 */
import { sseFrames } from './fixtures';

/** The upstream dialects that answer with reasoning. */
export type ReasoningDialect = 'chat' | 'messages' | 'responses';

/** What `request.end` and the conversation record must report of an answer. */
export interface AnswerReport {
  usage: Record<string, number>;
  /** Only where the upstream prices the request (`usage.cost`). */
  costUsd?: number;
  text: string;
  reasoning: string;
  finishReason: string;
}

/** One dialect's answer with reasoning, and its report. */
export interface ReasonedAnswer {
  /** The streamed answer's frames, reasoning first. */
  frames: () => string[];
  /** The whole answer's JSON body. */
  json: Record<string, unknown>;
  stream: AnswerReport;
  whole: AnswerReport;
}

/** Each dialect's answer with reasoning. OpenRouter's (chat and Responses) carry a price; Anthropic's none. */
export const REASONED_ANSWERS: Record<ReasoningDialect, ReasonedAnswer> = {
  chat: {
    frames: () => sseFrames('openrouter-chat-stream-reasoning.sse'),
    json: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.', reasoning_content: 'Thinking.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, cost: 0.0005, completion_tokens_details: { reasoning_tokens: 4 } },
    },
    stream: {
      usage: { promptTokens: 31, completionTokens: 64, totalTokens: 95, reasoningTokens: 38 },
      costUsd: 0.001053,
      text: 'Packets find their way / through a quiet middleware / keys stay safe at home',
      reasoning: 'The user wants a haiku about routers. Five, seven, five.',
      finishReason: 'stop',
    },
    whole: {
      usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12, reasoningTokens: 4 },
      costUsd: 0.0005,
      text: 'Hi.',
      reasoning: 'Thinking.',
      finishReason: 'stop',
    },
  },
  messages: {
    frames: () => sseFrames('anthropic-messages-stream-thinking.sse'),
    json: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content: [
        { type: 'thinking', thinking: 'Thinking.', signature: 'c2ln' },
        { type: 'text', text: 'Hi.' },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, cache_read_input_tokens: 2, output_tokens: 7 },
    },
    // Anthropic reports no reasoning tokens of their own, and no price.
    stream: {
      usage: { promptTokens: 42, completionTokens: 57, totalTokens: 99 },
      text: '9.9 is larger.',
      reasoning: 'Compare 9.11 and 9.9: 9.9 = 9.90 > 9.11.',
      finishReason: 'end_turn',
    },
    whole: { usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 }, text: 'Hi.', reasoning: 'Thinking.', finishReason: 'end_turn' },
  },
  responses: {
    // OpenRouter's Responses API prices the request in `response.completed`'s usage.
    frames: () =>
      sseFrames('openai-responses-stream-text.sse').map((frame) => frame.replace('"total_tokens":1242}', '"total_tokens":1242,"cost":0.0021}')),
    json: {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'completed',
      model: 'm',
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Thinking.' }] },
        { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hi.', annotations: [] }] },
      ],
      usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12, output_tokens_details: { reasoning_tokens: 4 }, cost: 0.0005 },
    },
    stream: {
      usage: { promptTokens: 1204, completionTokens: 38, totalTokens: 1242, reasoningTokens: 22 },
      costUsd: 0.0021,
      text: 'Hello from gpt-5.5.',
      reasoning: 'List files, then answer.',
      finishReason: 'completed',
    },
    whole: {
      usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12, reasoningTokens: 4 },
      costUsd: 0.0005,
      text: 'Hi.',
      reasoning: 'Thinking.',
      finishReason: 'completed',
    },
  },
};

/** `frames` up to and including the first of the answer's text (after any reasoning). */
export function framesToFirstText(frames: string[]): string[] {
  const index = frames.findIndex((frame) => /"(content|text|delta)":"[A-Z9]/.test(frame) && !/reasoning|thinking/.test(frame));
  if (index === -1) throw new Error('no text frame');
  return frames.slice(0, index + 1);
}
