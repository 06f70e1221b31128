/**
 * Fake upstreams that play a coding agent's model in each wire format, for running the Codex CLI
 * and Claude Code through the router: asked to run a command (the last user message "Run `echo
 * tool-ran-ok` in the shell."), they call the client's shell tool (Codex's `exec_command` with
 * `{"cmd":"echo tool-ran-ok"}`, or Claude Code's `Bash` with `{"command":...}` when the request
 * offers `Bash`); once the tool's output comes back, they answer "Tool output received: <its last
 * line>"; otherwise they say hello. When the conversation's first prompt holds `THINK_MARK`, each
 * turn opens with reasoning in the dialect's own shape (signed thinking from Anthropic, unsigned
 * from llama-server's Messages endpoint, `reasoning_content` from llama-server's chat, `reasoning`
 * from OpenRouter; OpenAI's chat completions show none). Each still refuses what its API would
 * refuse (the wire modules' checks), so a translation the real API would reject fails here too.
 *
 * They are `fake.handler`s, set per test: the fakes' defaults, which other suites rely on, are
 * left alone. A test may script the turns itself (`AgentScript`: apply_patch, parallel calls, tool
 * rounds), on chat completions and Messages, with the same checks.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type FakeHandler, type RecordedRequest } from './fake-server';
import type { FakeUpstream } from './fake-upstream';
import { ANTHROPIC_AGENT_SIGNATURE, ANTHROPIC_API, LLAMA_SERVER_MESSAGES_API, messagesRequestProblem, sendMessagesInvalid } from './messages-wire';
import {
  commandAskedIn,
  RESPONSES_APIS,
  responsesFrames,
  responsesObject,
  responsesRequestProblem,
  sendResponsesError,
  type ResponsesAnswer,
} from './responses-wire';
import { sendFrames, sendJson } from './upstream-answers';
import { anthropicEvent, chatChunkFrame, chatUsageFrame, DONE_FRAME, type ChunkIdentity } from './wire-frames';
import { asArray, asJson, type Json } from './json-shape';

/** The command the tool scenario asks for, and what it prints. */
export const TOOL_COMMAND = 'echo tool-ran-ok';
export const TOOL_OUTPUT = 'tool-ran-ok';
/** The prompts of the two scenarios. */
export const TEXT_PROMPT = 'Say hello.';
export const TOOL_PROMPT = `Run \`${TOOL_COMMAND}\` in the shell.`;
/** The tool the agent calls: Codex's shell tool. */
export const EXEC_TOOL = 'exec_command';
/** Claude Code's shell tool, called instead when the request offers it. */
export const BASH_TOOL = 'Bash';
/** In a conversation's first prompt, asks the agent to reason before each answer. */
export const THINK_MARK = '(Think first.)';
/** The reasoning the agent shows when asked to think. */
export const AGENT_REASONING = 'The user wants a short answer; I will keep it brief.';

/** A client's shell tool: its name and the arguments that run a command. */
interface ShellTool {
  name: string;
  argumentsFor(command: string): string;
}
const CODEX_SHELL: ShellTool = { name: EXEC_TOOL, argumentsFor: (cmd) => JSON.stringify({ cmd }) };
const CLAUDE_CODE_SHELL: ShellTool = {
  name: BASH_TOOL,
  argumentsFor: (command) => JSON.stringify({ command, description: 'Print a test line' }),
};
/** The shell tool among the tools a request offers: Claude Code's `Bash` when offered, else Codex's. */
const shellToolOf = (toolNames: string[]): ShellTool => (toolNames.includes(BASH_TOOL) ? CLAUDE_CODE_SHELL : CODEX_SHELL);

/** One tool call: the tool's name and its arguments (a JSON text). */
export interface AgentCall {
  name: string;
  arguments: string;
}

/** What the agent does on one turn, after the reasoning it shows first (if any): call tools (in parallel when more than one), or answer. */
export type AgentTurn = ({ kind: 'call'; calls: AgentCall[] } | { kind: 'text'; text: string }) & { reasoning?: string };

/** Claude Code's tool search (2.1.3xx): loads the tools it sends with `defer_loading` by name. */
export const TOOL_SEARCH_TOOL = 'ToolSearch';
/** Asks the agent to load a deferred tool: it calls `TOOL_SEARCH_TOOL` with `select:<name>`. */
export const loadToolPrompt = (name: string): string => `Load the tool \`${name}\`.`;

/** Asks for two commands at once: the agent calls the shell tool twice in one turn. */
export const parallelPrompt = (first: string, second: string): string => `Run \`${first}\` and \`${second}\` in the shell.`;

/** Asks the agent to look at a picture: it calls Claude Code's `Read` tool with `path` (absolute). */
export const picturePrompt = (path: string): string => `Read the picture \`${path}\`.`;
/** Asks the agent to read a file: it calls Claude Code's `Read` tool with `path` (absolute). */
export const readFilePrompt = (path: string): string => `Read the file \`${path}\`.`;
/** Claude Code's file reading tool. */
export const READ_TOOL = 'Read';
/** Asks the agent about a picture attached to the prompt itself (`codex exec --image`). */
export const DESCRIBE_PROMPT = 'Describe the attached picture.';
/** The answer once a tool sent back a picture, or to `DESCRIBE_PROMPT` with one attached. */
export const pictureText = (mediaType: string): string => `I see a picture (${mediaType}).`;

/**
 * A tool's output as the command printed it: newer Claude Code (2.1.3xx) appends `<system-reminder>`
 * blocks (the token budget left) to what it sends the model.
 */
export const withoutReminders = (output: string): string => output.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();

/** The final answer after the tools' outputs came back: each output's last line. */
export const afterToolsText = (outputs: string[]): string =>
  `Tool output received: ${outputs.map((output) => withoutReminders(output).split('\n').pop() ?? '').join(', ')}`;
/** The final answer after the tool output came back. */
export const afterToolText = (output: string): string => afterToolsText([output]);
/** The answer to any other prompt. */
export const helloText = (provider: string): string => `Hello from the fake ${provider}.`;

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

/** What the agent reads of a conversation: its last entry (a tool output, a user's text), the tools offered, and whether it was asked to think. */
interface Conversation {
  /** The outputs of the tools the last turn called, in order. */
  toolOutputs?: string[];
  /** The media type of a picture a tool sent back. */
  picture?: string;
  /** The media type of a picture attached to the user's own last message. */
  attached?: string;
  userText?: string;
  toolNames: string[];
  /** The whole request body, where `THINK_MARK` is looked for. */
  body: Json;
  /** Reason even without `THINK_MARK` (Anthropic, when the request turns thinking on). */
  thinks?: boolean;
}

/** The turn for a conversation whose last entry is a tool output, a user's text, or something else. */
function turnFor(conversation: Conversation, provider: string): AgentTurn {
  const thinks = conversation.thinks === true || JSON.stringify(conversation.body).includes(THINK_MARK);
  const reasoning = thinks ? { reasoning: AGENT_REASONING } : {};
  if (conversation.picture !== undefined) return { kind: 'text', text: pictureText(conversation.picture), ...reasoning };
  if (conversation.toolOutputs?.length) return { kind: 'text', text: afterToolsText(conversation.toolOutputs), ...reasoning };
  const asked = conversation.userText?.replace(THINK_MARK, '').trim();
  if (asked === undefined) return { kind: 'text', text: helloText(provider), ...reasoning };
  if (asked === DESCRIBE_PROMPT && conversation.attached !== undefined)
    return { kind: 'text', text: pictureText(conversation.attached), ...reasoning };
  const readPath = /^Read the (?:picture|file) `([^`]+)`/.exec(asked)?.[1];
  if (readPath !== undefined && conversation.toolNames.includes(READ_TOOL)) {
    return { kind: 'call', calls: [{ name: READ_TOOL, arguments: JSON.stringify({ file_path: readPath }) }], ...reasoning };
  }
  const toLoad = /^Load the tool `([^`]+)`\.$/.exec(asked)?.[1];
  if (toLoad !== undefined && conversation.toolNames.includes(TOOL_SEARCH_TOOL)) {
    return { kind: 'call', calls: [{ name: TOOL_SEARCH_TOOL, arguments: JSON.stringify({ query: `select:${toLoad}` }) }], ...reasoning };
  }
  const tool = shellToolOf(conversation.toolNames);
  const pair = /^Run `([^`]+)` and `([^`]+)` in the shell\.$/.exec(asked);
  const commands = pair ? [pair[1]!, pair[2]!] : [commandAskedIn(asked)].filter((command) => command !== undefined);
  if (commands.length > 0) {
    return { kind: 'call', calls: commands.map((command) => ({ name: tool.name, arguments: tool.argumentsFor(command) })), ...reasoning };
  }
  return { kind: 'text', text: helloText(provider), ...reasoning };
}

/**
 * The conversation's last entry that is not a system or developer message: Claude Code puts a
 * `role:"system"` message after the prompt for models that are not Claude's.
 */
function lastTurnOf(entries: Json[]): Json {
  const turns = entries.filter((entry) => entry.role !== 'system' && entry.role !== 'developer');
  return turns[turns.length - 1] ?? {};
}

/** The media type of a `data:` URL. */
const mediaTypeOf = (url: unknown): string | undefined => /^data:([^;,]+)/.exec(String(url))?.[1];

/** The names of a request's tools: `name` (Messages, Responses) or `function.name` (chat). */
const toolNamesOf = (tools: unknown): string[] =>
  asArray(tools)
    .map(asJson)
    .map((tool) => String(tool.name ?? asJson(tool.function).name));

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
    const last = lastTurnOf(input);
    const turn = turnFor(
      {
        toolOutputs: last.type === 'function_call_output' ? [textOf(last.output)] : undefined,
        userText: last.role === 'user' ? askedText(last.content) : undefined,
        attached: mediaTypeOf(
          asArray(last.content)
            .map(asJson)
            .find((part) => part.type === 'input_image')?.image_url,
        ),
        toolNames: toolNamesOf(body.tools),
        body,
      },
      fake.kind,
    );
    const answer: ResponsesAnswer = turn.kind === 'call' ? { type: 'function_call', ...turn.calls[0]! } : { type: 'text', text: turn.text };
    if (body.stream === true) sendFrames(res, responsesFrames(answer, api.flavour));
    else sendJson(res, 200, responsesObject(answer));
    return true;
  };
}

// ---------------------------------------------------------------- chat completions (llama-server, OpenAI, OpenRouter)

/**
 * A test's own turn for a request (its body), in place of the agent's reading of the conversation;
 * undefined leaves the request to the agent.
 */
export type AgentScript = (body: Json) => AgentTurn | undefined;

/** The agent on a fake's chat completions endpoint; other paths go to the fake's default answers. */
export function chatAgent(fake: FakeUpstream, script?: AgentScript): FakeHandler {
  return (request, res) => {
    if (!pathOf(request).endsWith('/chat/completions') || request.method !== 'POST') return false;
    const body = request.body ?? {};
    const messages = asArray(body.messages).map(asJson);
    const model = typeof body.model === 'string' ? body.model : 'model';
    // OpenAI's chat completions show no reasoning; llama-server calls it reasoning_content, OpenRouter
    // reasoning, and relays the signature of an Anthropic model's thinking in reasoning_details.
    const relaysAnthropic = fake.kind === 'openrouter' && model.startsWith('anthropic/');
    const effort = asJson(body.reasoning).effort;
    // Anthropic's models think whenever the request asks for reasoning.
    const turn = script?.(body) ?? chatTurnFor(body, fake.kind, relaysAnthropic && effort !== undefined && effort !== 'none');
    const shape: ChatReasoning | undefined =
      fake.kind === 'openai'
        ? undefined
        : fake.kind === 'openrouter'
          ? { field: 'reasoning', relaysAnthropic }
          : { field: 'reasoning_content', relaysAnthropic };
    // llama-server takes any function name; OpenAI refuses one it would not take, and so do the models behind OpenRouter.
    const nameProblem = fake.kind === 'local' ? undefined : functionNameProblem(body);
    const problem = relaysAnthropic ? relayedThinkingProblem(body, messages) : undefined;
    if (nameProblem) sendJson(res, 400, { error: { message: nameProblem, type: 'invalid_request_error', param: null, code: 'invalid_value' } });
    else if (problem) sendJson(res, 400, { error: { code: 400, message: problem, metadata: { provider_name: 'Anthropic' } } });
    else if (body.stream === true) sendFrames(res, chatFrames(turn, model, asJson(body.stream_options).include_usage === true, shape));
    else sendJson(res, 200, chatCompletion(turn, model, shape));
    return true;
  };
}

/**
 * The agent's turn for a chat completions request to `provider`: a call of the offered shell (or
 * `Read`, tool search) tool when the last user message asks for one, the answer from the tools'
 * outputs when the last messages are tool messages, else hello. With `thinks`, it reasons first even
 * without `THINK_MARK`.
 */
export function chatTurnFor(body: Json, provider: string, thinks = false): AgentTurn {
  const messages = asArray(body.messages).map(asJson);
  const last = lastTurnOf(messages);
  // A tool's picture comes as a user message of image parts right after the tool messages.
  const afterTool = messages[messages.indexOf(last) - 1]?.role === 'tool';
  const image = asArray(last.content)
    .map(asJson)
    .find((part) => part.type === 'image_url');
  const picture = afterTool && image ? mediaTypeOf(asJson(image.image_url).url) : undefined;
  return turnFor(
    {
      picture,
      attached: !afterTool && image ? mediaTypeOf(asJson(image.image_url).url) : undefined,
      toolOutputs: last.role === 'tool' ? trailingToolOutputs(messages) : undefined,
      userText: last.role === 'user' && !picture ? askedText(last.content) : undefined,
      toolNames: toolNamesOf(body.tools),
      body,
      thinks,
    },
    provider,
  );
}

/** How a chat upstream shows reasoning: the field of its text, and whether it relays Anthropic's signature. */
interface ChatReasoning {
  field: 'reasoning' | 'reasoning_content';
  relaysAnthropic: boolean;
}

/** The function names OpenAI takes: letters, digits, `_` and `-`, at most 64. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** What OpenAI says to a request with a function name it does not take (too long, or with other characters). */
function functionNameProblem(body: Json): string | undefined {
  for (const [i, tool] of asArray(body.tools).map(asJson).entries()) {
    const name = String(asJson(tool.function).name);
    if (FUNCTION_NAME.test(name)) continue;
    return name.length > 64
      ? `Invalid 'tools[${i}].function.name': string too long. Expected a string with maximum length 64, but got a string with length ${name.length} instead.`
      : `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`;
  }
  return undefined;
}

/**
 * What Anthropic says, through OpenRouter, to a tool loop with reasoning on whose calling turn lost
 * its signed thinking: OpenRouter rebuilds Anthropic's blocks from `reasoning_details` only.
 */
function relayedThinkingProblem(body: Json, messages: Json[]): string | undefined {
  const effort = asJson(body.reasoning).effort;
  if (effort === undefined || effort === 'none') return undefined;
  const caller = messages.findLast((message) => message.role === 'assistant');
  if (caller?.tool_calls === undefined || lastTurnOf(messages).role !== 'tool') return undefined;
  const signed = asArray(caller.reasoning_details)
    .map(asJson)
    .some((detail) => detail.type === 'reasoning.text' && detail.signature === ANTHROPIC_AGENT_SIGNATURE);
  return signed
    ? undefined
    : 'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.';
}

/** The contents of the tool messages after the last assistant message, in order. */
function trailingToolOutputs(messages: Json[]): string[] {
  const lastAssistant = messages.findLastIndex((message) => message.role === 'assistant');
  return messages
    .slice(lastAssistant + 1)
    .filter((message) => message.role === 'tool')
    .map((message) => textOf(message.content));
}

const chatCallId = (i: number): string => `call_exec_${i + 1}`;
const USAGE = { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 };

/** A `reasoning_details` entry as OpenRouter relays Anthropic's thinking. */
const relayedDetail = (fields: Json): Json => ({ type: 'reasoning.text', ...fields, format: 'anthropic-claude-v1', index: 0 });

function chatFrames(turn: AgentTurn, model: string, includeUsage: boolean, shape: ChatReasoning | undefined): string[] {
  const identity: ChunkIdentity = { id: 'chatcmpl-agent-1', created: 1795781041, model };
  const reasoning =
    turn.reasoning !== undefined && shape !== undefined
      ? [
          ...halves(turn.reasoning).map((piece) =>
            chatChunkFrame(identity, {
              role: 'assistant',
              content: null,
              [shape.field]: piece,
              ...(shape.relaysAnthropic ? { reasoning_details: [relayedDetail({ text: piece })] } : {}),
            }),
          ),
          ...(shape.relaysAnthropic
            ? [chatChunkFrame(identity, { reasoning_details: [relayedDetail({ signature: ANTHROPIC_AGENT_SIGNATURE })] })]
            : []),
        ]
      : [];
  // Parallel calls one after the other, by index, as OpenAI streams them.
  const frames =
    turn.kind === 'call'
      ? [
          ...turn.calls.flatMap((call, index) => [
            chatChunkFrame(identity, {
              ...(index === 0 ? { role: 'assistant', content: null } : {}),
              tool_calls: [{ index, id: chatCallId(index), type: 'function', function: { name: call.name, arguments: '' } }],
            }),
            ...halves(call.arguments).map((piece) => chatChunkFrame(identity, { tool_calls: [{ index, function: { arguments: piece } }] })),
          ]),
          chatChunkFrame(identity, {}, 'tool_calls'),
        ]
      : [
          chatChunkFrame(identity, { role: 'assistant', content: '' }),
          ...halves(turn.text).map((piece) => chatChunkFrame(identity, { content: piece })),
          chatChunkFrame(identity, {}, 'stop'),
        ];
  return [...reasoning, ...frames, ...(includeUsage ? [chatUsageFrame(identity, USAGE)] : []), DONE_FRAME];
}

function chatCompletion(turn: AgentTurn, model: string, shape: ChatReasoning | undefined): Json {
  const reasoning =
    turn.reasoning !== undefined && shape !== undefined
      ? {
          [shape.field]: turn.reasoning,
          ...(shape.relaysAnthropic ? { reasoning_details: [relayedDetail({ text: turn.reasoning, signature: ANTHROPIC_AGENT_SIGNATURE })] } : {}),
        }
      : {};
  const message =
    turn.kind === 'call'
      ? {
          role: 'assistant',
          content: null,
          tool_calls: turn.calls.map((call, index) => ({ id: chatCallId(index), type: 'function', function: call })),
          ...reasoning,
        }
      : { role: 'assistant', content: turn.text, ...reasoning };
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
export function messagesAgent(fake: FakeUpstream, script?: AgentScript): FakeHandler {
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
    const last = lastTurnOf(messages);
    const blocks = asArray(last.content).map(asJson);
    const toolResults = last.role === 'user' ? blocks.filter((block) => block.type === 'tool_result') : [];
    const toolResult = toolResults[0];
    const image = asArray(toolResult?.content)
      .map(asJson)
      .find((block) => block.type === 'image');
    const ownImage = blocks.find((block) => block.type === 'image');
    const turn =
      script?.(body) ??
      turnFor(
        {
          picture: image ? String(asJson(image.source).media_type) : undefined,
          attached: ownImage ? String(asJson(ownImage.source).media_type) : undefined,
          toolOutputs: toolResults.map((result) => textOf(result.content)),
          userText: last.role === 'user' && !toolResult ? askedText(last.content) : undefined,
          toolNames: toolNamesOf(body.tools),
          body,
          // Anthropic's models think whenever the request turns thinking on.
          thinks: fake.kind === 'anthropic' && ['enabled', 'adaptive'].includes(String(asJson(body.thinking).type)),
        },
        fake.kind,
      );
    const model = String(body.model);
    // Anthropic signs its thinking; llama-server's Messages endpoint sends an empty signature.
    const signature = fake.kind === 'anthropic' ? ANTHROPIC_AGENT_SIGNATURE : '';
    if (body.stream === true) sendFrames(res, messagesFrames(turn, model, signature));
    else sendJson(res, 200, message(turn, model, signature));
    return true;
  };
}

const toolUseId = (i: number): string => `toolu_exec_${i + 1}`;

function messagesFrames(turn: AgentTurn, model: string, signature: string): string[] {
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
  const thinking =
    turn.reasoning === undefined
      ? []
      : [
          anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
          ...halves(turn.reasoning).map((piece) =>
            anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: piece } }),
          ),
          ...(signature ? [anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature } })] : []),
          anthropicEvent('content_block_stop', { index: 0 }),
        ];
  const first = thinking.length > 0 ? 1 : 0;
  const blocks =
    turn.kind === 'call'
      ? turn.calls.flatMap((call, i) => {
          const index = first + i;
          return [
            anthropicEvent('content_block_start', { index, content_block: { type: 'tool_use', id: toolUseId(i), name: call.name, input: {} } }),
            ...halves(call.arguments).map((piece) =>
              anthropicEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
            ),
            anthropicEvent('content_block_stop', { index }),
          ];
        })
      : [
          anthropicEvent('content_block_start', { index: first, content_block: { type: 'text', text: '' } }),
          ...halves(turn.text).map((piece) => anthropicEvent('content_block_delta', { index: first, delta: { type: 'text_delta', text: piece } })),
          anthropicEvent('content_block_stop', { index: first }),
        ];
  return [
    start,
    ...thinking,
    ...blocks,
    anthropicEvent('message_delta', {
      delta: { stop_reason: turn.kind === 'call' ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: 12 },
    }),
    anthropicEvent('message_stop'),
  ];
}

function message(turn: AgentTurn, model: string, signature: string): Json {
  const thinking = turn.reasoning === undefined ? [] : [{ type: 'thinking', thinking: turn.reasoning, signature }];
  return {
    id: 'msg_agent_1',
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...thinking,
      ...(turn.kind === 'call'
        ? turn.calls.map((call, i) => ({ type: 'tool_use', id: toolUseId(i), name: call.name, input: JSON.parse(call.arguments) as unknown }))
        : [{ type: 'text', text: turn.text }]),
    ],
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

/**
 * The agent for a fake, by the wire format its provider speaks to the router; `script` gives the
 * turns a test wants instead (chat completions and Messages only).
 */
export function agentFor(fake: FakeUpstream, script?: AgentScript): FakeHandler {
  if (fake.kind === 'anthropic') return messagesAgent(fake, script);
  if (fake.kind === 'local') {
    // llama-server: chat completions, and Messages on /v1/messages.
    const messages = messagesAgent(fake, script);
    const chat = chatAgent(fake, script);
    return (request, res, req) => messages(request, res, req) !== false || chat(request, res, req);
  }
  const responses = responsesAgent(fake);
  const chat = chatAgent(fake, script);
  // OpenAI and OpenRouter: the Responses API natively, chat completions too (a router may bridge).
  return (request, res, req) => responses(request, res, req) !== false || chat(request, res, req);
}
