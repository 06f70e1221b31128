/**
 * Fake upstreams that play a coding agent's model in each wire format, for running the Codex CLI
 * through the router: asked to run a command (the last user message "Run `echo tool-ran-ok` in
 * the shell."), they call `exec_command` with `{"cmd":"echo tool-ran-ok"}`; once the tool's
 * output comes back, they answer "Tool output received: <its last line>"; otherwise they say
 * hello. Each still refuses what its API would refuse (the wire modules' checks), so a
 * translation the real API would reject fails here too.
 *
 * They are `fake.handler`s, set per test: the fakes' defaults, which other suites rely on, are
 * left alone.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type FakeHandler, type RecordedRequest } from '../support/fake-server';
import type { FakeUpstream } from '../support/fake-upstream';
import { ANTHROPIC_API, LLAMA_SERVER_MESSAGES_API, messagesRequestProblem, sendMessagesInvalid } from '../support/messages-wire';
import {
  commandAskedIn,
  RESPONSES_APIS,
  responsesFrames,
  responsesObject,
  responsesRequestProblem,
  sendResponsesError,
  type ResponsesAnswer,
} from '../support/responses-wire';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicEvent, chatChunkFrame, chatUsageFrame, DONE_FRAME, type ChunkIdentity } from '../support/wire-frames';

/** The command the tool scenario asks for, and what it prints. */
export const TOOL_COMMAND = 'echo tool-ran-ok';
export const TOOL_OUTPUT = 'tool-ran-ok';
/** The prompts of the two scenarios. */
export const TEXT_PROMPT = 'Say hello.';
export const TOOL_PROMPT = `Run \`${TOOL_COMMAND}\` in the shell.`;
/** The tool the agent calls: Codex's shell tool. */
export const EXEC_TOOL = 'exec_command';

/** What the agent does on one turn. */
export type AgentTurn = { kind: 'call'; arguments: string } | { kind: 'text'; text: string };

/** The final answer after the tool output came back. */
export const afterToolText = (output: string): string => `Tool output received: ${output.trim().split('\n').pop() ?? ''}`;
/** The answer to any other prompt. */
export const helloText = (provider: string): string => `Hello from the fake ${provider}.`;

type Json = Record<string, unknown>;
const asJson = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The text of a content value: a string, or the `text` of its parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map(asJson)
    .map((part) =>
      typeof part.text === 'string' ? part.text : typeof part.content === 'string' || Array.isArray(part.content) ? textOf(part.content) : '',
    )
    .join('\n');
}

/**
 * The text of a user's content that asks: a string, or its last text part (a translation may
 * merge consecutive user messages into one, as Anthropic's alternating roles need: Codex's
 * `<environment_context>` message and the prompt become two parts of one message).
 */
function askedText(content: unknown): string {
  if (typeof content === 'string') return content;
  const texts = asArray(content)
    .map(asJson)
    .filter((part) => typeof part.text === 'string');
  return String(texts[texts.length - 1]?.text ?? '');
}

/** The turn for a conversation whose last entry is `last`: a tool output, a user's text, or something else. */
function turnFor(last: { toolOutput?: string; userText?: string }, provider: string): AgentTurn {
  if (last.toolOutput !== undefined) return { kind: 'text', text: afterToolText(last.toolOutput) };
  const command = last.userText === undefined ? undefined : commandAskedIn(last.userText);
  if (command !== undefined) return { kind: 'call', arguments: JSON.stringify({ cmd: command }) };
  return { kind: 'text', text: helloText(provider) };
}

// ---------------------------------------------------------------- Responses (OpenAI, OpenRouter)

/** The agent on a fake's Responses API; other paths go to the fake's default answers. */
export function responsesAgent(fake: FakeUpstream): FakeHandler {
  const api = RESPONSES_APIS[fake.kind === 'openrouter' ? 'openrouter' : 'openai'];
  return (request, res) => {
    if (pathOf(request) !== `${api.prefix}/responses` || request.method !== 'POST') return false;
    const problem = responsesRequestProblem(api, request);
    if (problem) {
      sendResponsesError(res, problem.status, problem.message, problem);
      return true;
    }
    const body = request.body!;
    const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input).map(asJson);
    const last = input[input.length - 1] ?? {};
    const turn = turnFor(
      {
        toolOutput: last.type === 'function_call_output' ? textOf(last.output) : undefined,
        userText: last.role === 'user' ? askedText(last.content) : undefined,
      },
      fake.kind,
    );
    const answer: ResponsesAnswer =
      turn.kind === 'call' ? { type: 'function_call', name: EXEC_TOOL, arguments: turn.arguments } : { type: 'text', text: turn.text };
    if (body.stream === true) sendFrames(res, responsesFrames(answer, api.flavour));
    else sendJson(res, 200, responsesObject(answer));
    return true;
  };
}

// ---------------------------------------------------------------- chat completions (llama-server, OpenAI, OpenRouter)

/** The agent on a fake's chat completions endpoint; other paths go to the fake's default answers. */
export function chatAgent(fake: FakeUpstream): FakeHandler {
  return (request, res) => {
    if (!pathOf(request).endsWith('/chat/completions') || request.method !== 'POST') return false;
    const body = request.body ?? {};
    const messages = asArray(body.messages).map(asJson);
    const last = messages[messages.length - 1] ?? {};
    const turn = turnFor(
      { toolOutput: last.role === 'tool' ? textOf(last.content) : undefined, userText: last.role === 'user' ? askedText(last.content) : undefined },
      fake.kind,
    );
    const model = typeof body.model === 'string' ? body.model : 'model';
    if (body.stream === true) sendFrames(res, chatFrames(turn, model, asJson(body.stream_options).include_usage === true));
    else sendJson(res, 200, chatCompletion(turn, model));
    return true;
  };
}

const CHAT_CALL_ID = 'call_exec_1';
const USAGE = { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 };

function chatFrames(turn: AgentTurn, model: string, includeUsage: boolean): string[] {
  const identity: ChunkIdentity = { id: 'chatcmpl-agent-1', created: 1795781041, model };
  const frames =
    turn.kind === 'call'
      ? [
          chatChunkFrame(identity, {
            role: 'assistant',
            content: null,
            tool_calls: [{ index: 0, id: CHAT_CALL_ID, type: 'function', function: { name: EXEC_TOOL, arguments: '' } }],
          }),
          ...halves(turn.arguments).map((piece) => chatChunkFrame(identity, { tool_calls: [{ index: 0, function: { arguments: piece } }] })),
          chatChunkFrame(identity, {}, 'tool_calls'),
        ]
      : [
          chatChunkFrame(identity, { role: 'assistant', content: '' }),
          ...halves(turn.text).map((piece) => chatChunkFrame(identity, { content: piece })),
          chatChunkFrame(identity, {}, 'stop'),
        ];
  return [...frames, ...(includeUsage ? [chatUsageFrame(identity, USAGE)] : []), DONE_FRAME];
}

function chatCompletion(turn: AgentTurn, model: string): Json {
  const message =
    turn.kind === 'call'
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: CHAT_CALL_ID, type: 'function', function: { name: EXEC_TOOL, arguments: turn.arguments } }],
        }
      : { role: 'assistant', content: turn.text };
  return {
    id: 'chatcmpl-agent-1',
    object: 'chat.completion',
    created: 1795781041,
    model,
    choices: [{ index: 0, message, finish_reason: turn.kind === 'call' ? 'tool_calls' : 'stop' }],
    usage: USAGE,
  };
}

// ---------------------------------------------------------------- Anthropic Messages

/** The agent on a fake's Messages API (its checks kept: Anthropic's, or llama-server's); other paths go to the fake's default answers. */
export function messagesAgent(fake: FakeUpstream): FakeHandler {
  const api = fake.kind === 'anthropic' ? ANTHROPIC_API : LLAMA_SERVER_MESSAGES_API;
  return (request: RecordedRequest, res: ServerResponse) => {
    if (pathOf(request) !== '/v1/messages' || request.method !== 'POST') return false;
    const problem = messagesRequestProblem(api, request);
    if (problem) {
      sendMessagesInvalid(res, problem);
      return true;
    }
    const body = request.body!;
    const messages = asArray(body.messages).map(asJson);
    const last = messages[messages.length - 1] ?? {};
    const blocks = asArray(last.content).map(asJson);
    const toolResult = last.role === 'user' ? blocks.find((block) => block.type === 'tool_result') : undefined;
    const turn = turnFor(
      {
        toolOutput: toolResult ? textOf(toolResult.content) : undefined,
        userText: last.role === 'user' && !toolResult ? askedText(last.content) : undefined,
      },
      fake.kind,
    );
    const model = String(body.model);
    if (body.stream === true) sendFrames(res, messagesFrames(turn, model));
    else sendJson(res, 200, message(turn, model));
    return true;
  };
}

const TOOL_USE_ID = 'toolu_exec_1';

function messagesFrames(turn: AgentTurn, model: string): string[] {
  const start = anthropicEvent('message_start', {
    message: {
      id: 'msg_agent_1',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 120, output_tokens: 1 },
    },
  });
  const block =
    turn.kind === 'call'
      ? [
          anthropicEvent('content_block_start', { index: 0, content_block: { type: 'tool_use', id: TOOL_USE_ID, name: EXEC_TOOL, input: {} } }),
          ...halves(turn.arguments).map((piece) =>
            anthropicEvent('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } }),
          ),
        ]
      : [
          anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          ...halves(turn.text).map((piece) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } })),
        ];
  return [
    start,
    ...block,
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('message_delta', {
      delta: { stop_reason: turn.kind === 'call' ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: 12 },
    }),
    anthropicEvent('message_stop'),
  ];
}

function message(turn: AgentTurn, model: string): Json {
  return {
    id: 'msg_agent_1',
    type: 'message',
    role: 'assistant',
    model,
    content:
      turn.kind === 'call'
        ? [{ type: 'tool_use', id: TOOL_USE_ID, name: EXEC_TOOL, input: JSON.parse(turn.arguments) as unknown }]
        : [{ type: 'text', text: turn.text }],
    stop_reason: turn.kind === 'call' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 120, output_tokens: 12 },
  };
}

/** `text` in two pieces, as a model streams it. */
function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

/** The agent for a fake, by the wire format its provider speaks to the router. */
export function agentFor(fake: FakeUpstream): FakeHandler {
  if (fake.kind === 'anthropic') return messagesAgent(fake);
  if (fake.kind === 'local') {
    // llama-server: chat completions, and Messages on /v1/messages.
    const messages = messagesAgent(fake);
    const chat = chatAgent(fake);
    return (request, res, req) => messages(request, res, req) !== false || chat(request, res, req);
  }
  const responses = responsesAgent(fake);
  const chat = chatAgent(fake);
  // OpenAI and OpenRouter: the Responses API natively, chat completions too (a router may bridge).
  return (request, res, req) => responses(request, res, req) !== false || chat(request, res, req);
}
