/**
 * The models behind a fake OpenRouter, each answering and checking as the real one does through
 * OpenRouter's chat completions, for running Claude Code's tool loop on them:
 *
 * - Gemini 3 sends its thought signature as a `reasoning_details` entry of type
 *   `reasoning.encrypted` (`format: "google-gemini-v1"`, `id`: the call's id), with its call (or its
 *   text) or in a chunk after it, and refuses a turn whose function call lost it (Google's 400).
 * - DeepSeek (thinking mode) refuses a conversation where an assistant message with calls lost its
 *   `reasoning_content` (OpenRouter passes that field on to it).
 * - Kimi numbers its calls `functions.Bash:0` in every answer, and refuses a tool message whose
 *   `tool_call_id` no call of the turn before has.
 * - OpenAI's models send their encrypted reasoning (`openai-responses-v1`), which OpenRouter wants
 *   back; OpenAI refuses nothing without it, so the fake does not either (a test checks it came).
 *
 * They play the agent of `agent-upstreams.ts` (`chatTurnFor`): a `Bash` call when asked to run a
 * command, then the answer from its output. `openRouterModelAgent` is a fake's `handler`.
 */
import { createHash } from 'node:crypto';
import { pathOf, type FakeHandler } from './fake-server';
import { chatTurnFor, type AgentTurn } from './agent-upstreams';
import { sendFrames, sendJson } from './upstream-answers';
import { chatChunkFrame, chatUsageFrame, DONE_FRAME, type ChunkIdentity } from './wire-frames';
import { asArray, asJson, type Json } from './json-shape';

/** Where a model's thought signature or encrypted reasoning comes in a stream: in the chunk of the answer's text or calls, or in one of its own after it. */
export type DetailPlacement = 'with-answer' | 'after-answer';

/** A model behind OpenRouter: how it answers a turn, and what it refuses. */
export interface OpenRouterModel {
  /** The model's id on OpenRouter (`google/gemini-3-pro-preview`). */
  id: string;
  /** The reasoning it shows before each answer, if any. */
  reasoning: string | undefined;
  /** The id of the `n`th call (from 0) of an answer. */
  callId(name: string, n: number): string;
  /** The `reasoning_details` entry of a piece of the reasoning (its text, streamed or whole), if the model sends one. */
  reasoningDetail(piece: string): Json | undefined;
  /** The `reasoning_details` entries that come with an answer's text or calls, or after them. */
  trailingDetails(turn: AgentTurn, callIds: string[]): Json[];
  /** What the provider says to a request it refuses (through OpenRouter: `error.message`, `metadata.provider_name`), or undefined. */
  problem(messages: Json[]): { message: string; provider: string } | undefined;
}

/** The reasoning every model below shows. */
const MODEL_REASONING = 'I should run the command the user gave, then report what it printed.';

/** Gemini's thought signature for a call (`text` for an answer without calls): opaque to the client, bound to the call here so that a fake can check it. */
const geminiSignature = (callId: string): string => `CiQB${createHash('sha256').update(`gemini-thought:${callId}`).digest('base64').slice(0, 40)}`;

/** OpenAI's encrypted reasoning for an answer whose first call is `callId` (`text` for an answer without calls). */
const openAIEncryptedReasoning = (callId: string): string =>
  `gAAAAAB${createHash('sha256').update(`openai-reasoning:${callId}`).digest('base64url')}`;

/** The assistant messages with calls of the conversation's current turn: after the last message a user typed (not a tool's picture). */
function currentTurnCalls(messages: Json[]): Json[] {
  const start = messages.findLastIndex((m, i) => m.role === 'user' && messages[i - 1]?.role !== 'tool');
  return messages.slice(start + 1).filter((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0);
}

const callIdsOf = (message: Json): string[] => asArray(message.tool_calls).map((call) => String(asJson(call).id));

let nextCall = 0;
/** A random-looking id, unique in the test run. */
const uniqueSuffix = (): string => createHash('sha256').update(`call ${nextCall++}`).digest('hex').slice(0, 20);

const GEMINI_FORMAT = 'google-gemini-v1';
const OPENAI_FORMAT = 'openai-responses-v1';

export const GEMINI_3: OpenRouterModel = {
  id: 'google/gemini-3-pro-preview',
  reasoning: MODEL_REASONING,
  callId: (name) => `tool_${name}_${uniqueSuffix()}`,
  reasoningDetail: (piece) => ({ type: 'reasoning.text', text: piece, format: GEMINI_FORMAT, index: 0 }),
  // With the first call (its id), else with the text.
  trailingDetails: (turn, callIds) => [
    {
      type: 'reasoning.encrypted',
      data: geminiSignature(callIds[0] ?? 'text'),
      ...(callIds[0] ? { id: callIds[0] } : {}),
      format: GEMINI_FORMAT,
      index: 1,
    },
  ],
  problem(messages) {
    // The first function call of each step of the current turn needs its signature back.
    for (const [step, message] of currentTurnCalls(messages).entries()) {
      const first = callIdsOf(message)[0]!;
      const signed = asArray(message.reasoning_details)
        .map(asJson)
        .some((d) => d.type === 'reasoning.encrypted' && d.format === GEMINI_FORMAT && d.id === first && d.data === geminiSignature(first));
      if (!signed) {
        return {
          provider: 'Google AI Studio',
          message:
            'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing ' +
            `thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(asJson(asJson(asArray(message.tool_calls)[0]).function).name)}\` , position ${step + 2}. ` +
            'Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
        };
      }
    }
    return undefined;
  },
};

export const DEEPSEEK_V4: OpenRouterModel = {
  id: 'deepseek/deepseek-v4-pro',
  reasoning: MODEL_REASONING,
  callId: () => `call_00_${uniqueSuffix()}`,
  reasoningDetail: (piece) => ({ type: 'reasoning.text', text: piece, format: 'unknown', index: 0 }),
  trailingDetails: () => [],
  problem(messages) {
    // In thinking mode every assistant message with calls needs its reasoning_content back (OpenRouter
    // passes the field on; its reasoning_details alone do not do).
    for (const message of messages) {
      if (message.role !== 'assistant' || !Array.isArray(message.tool_calls) || message.tool_calls.length === 0) continue;
      if (typeof message.reasoning_content !== 'string' || message.reasoning_content === '') {
        return { provider: 'DeepSeek', message: 'The `reasoning_content` in the thinking mode must be passed back to the API.' };
      }
    }
    return undefined;
  },
};

export const KIMI_K2: OpenRouterModel = {
  id: 'moonshotai/kimi-k2',
  reasoning: undefined,
  callId: (name, n) => `functions.${name}:${n}`,
  reasoningDetail: () => undefined,
  trailingDetails: () => [],
  problem(messages) {
    // Every tool message answers a call of the assistant message before it.
    let calls: string[] = [];
    for (const message of messages) {
      if (message.role === 'assistant') calls = callIdsOf(message);
      else if (message.role === 'tool' && !calls.includes(String(message.tool_call_id))) {
        return { provider: 'Moonshot AI', message: `Invalid request: tool_call_id ${String(message.tool_call_id)} is not found` };
      }
    }
    return undefined;
  },
};

export const GPT_5_5: OpenRouterModel = {
  id: 'openai/gpt-5.5',
  reasoning: MODEL_REASONING,
  callId: () => `call_${uniqueSuffix()}`,
  reasoningDetail: (piece) => ({ type: 'reasoning.summary', summary: piece, format: OPENAI_FORMAT, index: 0 }),
  trailingDetails: (_turn, callIds) => {
    const item = callIds[0] ?? 'text';
    return [{ type: 'reasoning.encrypted', data: openAIEncryptedReasoning(item), id: `rs_${item}`, format: OPENAI_FORMAT, index: 1 }];
  },
  problem: () => undefined,
};

/** How the fake answers: streams (with the trailing details placed as given), and whether it cuts streams off so that the client asks again without. */
export interface ModelAgentOptions {
  placement?: DetailPlacement;
  /** Every streamed request is cut off after its first chunk: Claude Code then asks again without `stream`. */
  cutStreams?: boolean;
}

/** The fake OpenRouter's chat completions endpoint answered by `model`; other paths go to the fake's default answers. */
export function openRouterModelAgent(model: OpenRouterModel, options: ModelAgentOptions = {}): FakeHandler {
  return (request, res) => {
    if (pathOf(request) !== '/api/v1/chat/completions' || request.method !== 'POST') return false;
    const body = request.body ?? {};
    const problem = model.problem(asArray(body.messages).map(asJson));
    if (problem) {
      sendJson(res, 400, { error: { code: 400, message: problem.message, metadata: { provider_name: problem.provider } } });
      return true;
    }
    const turn = chatTurnFor(body, 'openrouter');
    const callIds = turn.kind === 'call' ? turn.calls.map((call, n) => model.callId(call.name, n)) : [];
    const identity: ChunkIdentity = { id: `gen-${uniqueSuffix()}`, created: 1795781041, model: model.id };
    if (body.stream !== true) {
      sendJson(res, 200, completion(model, turn, callIds, identity));
      return true;
    }
    const frames = chunks(model, turn, callIds, identity, options.placement ?? 'with-answer');
    if (!options.cutStreams) {
      sendFrames(res, [...frames, chatUsageFrame(identity, USAGE), DONE_FRAME]);
      return true;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(frames[0]);
    setTimeout(() => res.destroy(), 50);
    return true;
  };
}

const USAGE = { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 };

/** A streamed answer's chunks, without usage and `[DONE]`: reasoning, then text or calls, then the finish. */
function chunks(model: OpenRouterModel, turn: AgentTurn, callIds: string[], identity: ChunkIdentity, placement: DetailPlacement): string[] {
  const trailing = model.trailingDetails(turn, callIds);
  // The reasoning in two pieces, each with its reasoning_details piece (one index: the client joins them).
  const frames = halves(model.reasoning ?? '').map((piece) => {
    const detail = model.reasoningDetail(piece);
    return chatChunkFrame(identity, { role: 'assistant', content: '', reasoning: piece, ...(detail ? { reasoning_details: [detail] } : {}) });
  });
  // The text whole, or each call whole, in one chunk, as Gemini and Kimi send them; the trailing details with it or after it.
  const answer =
    turn.kind === 'text'
      ? { role: 'assistant', content: turn.text }
      : {
          role: 'assistant',
          content: null,
          tool_calls: turn.calls.map((call, index) => ({ index, id: callIds[index], type: 'function', function: call })),
        };
  if (placement === 'with-answer') {
    frames.push(chatChunkFrame(identity, { ...answer, ...(trailing.length ? { reasoning_details: trailing } : {}) }));
  } else {
    frames.push(chatChunkFrame(identity, answer));
    if (trailing.length) frames.push(chatChunkFrame(identity, { reasoning_details: trailing }));
  }
  frames.push(chatChunkFrame(identity, {}, turn.kind === 'call' ? 'tool_calls' : 'stop'));
  return frames;
}

function completion(model: OpenRouterModel, turn: AgentTurn, callIds: string[], identity: ChunkIdentity): Json {
  const detail = model.reasoning === undefined ? undefined : model.reasoningDetail(model.reasoning);
  const details = [...(detail ? [detail] : []), ...model.trailingDetails(turn, callIds)];
  const reasoning = {
    ...(model.reasoning === undefined ? {} : { reasoning: model.reasoning }),
    ...(details.length > 0 ? { reasoning_details: details } : {}),
  };
  const message =
    turn.kind === 'call'
      ? {
          role: 'assistant',
          content: '',
          tool_calls: turn.calls.map((call, index) => ({ id: callIds[index], type: 'function', function: call })),
          ...reasoning,
        }
      : { role: 'assistant', content: turn.text, ...reasoning };
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: model.id,
    choices: [{ index: 0, message, finish_reason: turn.kind === 'call' ? 'tool_calls' : 'stop' }],
    usage: USAGE,
  };
}

/** `text` in two pieces, as a model streams it (none when empty). */
function halves(text: string): string[] {
  if (text === '') return [];
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

/**
 * The `reasoning_details` of `model`'s answer whose calls have `callIds`, whole (streamed pieces
 * joined): what OpenRouter wants back with that turn, unchanged.
 */
export function answeredDetails(model: OpenRouterModel, callIds: string[]): Json[] {
  const detail = model.reasoning === undefined ? undefined : model.reasoningDetail(model.reasoning);
  const calls = callIds.map(() => ({ name: '', arguments: '{}' }));
  return [...(detail ? [detail] : []), ...model.trailingDetails({ kind: 'call', calls }, callIds)];
}
