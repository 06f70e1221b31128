import type { OpenAIMessage, OpenAIToolCall } from '../../chat/wire';
import type { AnthropicContentBlock, AnthropicMessageParam, AnthropicTextBlock, AnthropicToolResultBlock, AnthropicToolUseBlock } from '../wire';
import { invalidRequest, unsupportedParameter } from '../../../errors';
import { thinkingBlocksOf } from '../to-chat/reasoning-details';
import { cacheControlOf, markLastBlock } from './cache-control';
import { toAnthropicContentBlocks, toSystemBlocks } from './content';
import { HistoryToolUseIds } from './ids';
import { toAnthropicSystem } from './system';
import { appendAll } from '../../../append-all';

/** The conversation part of a Messages request: top-level `system` and alternating turns. */
export interface AnthropicConversation {
  /** The system and developer messages joined (as text blocks when one carries `cache_control`), or undefined when there were none. */
  system: string | AnthropicTextBlock[] | undefined;
  messages: AnthropicMessageParam[];
}

interface Turn {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

/**
 * Converts OpenAI chat messages into Anthropic's `system` and `messages`. System and developer
 * messages, wherever they are, are joined into `system`; tool results become user turns; and
 * consecutive turns of the same role are merged, since Anthropic requires the roles to alternate.
 * `cache_control` on a part, or on a message (its last block), is carried to the block it marks.
 * A call id that an earlier call of the history has too gets one of its own, and so does its
 * result ({@link HistoryToolUseIds}).
 * @throws ProviderRouterError (`invalid_request`) when `messages` is not a non-empty array, a
 *   message has an unknown role, a tool message answers no earlier assistant message's tool call,
 *   or a message cannot be expressed for Anthropic.
 */
export function toAnthropicConversation(messages: unknown): AnthropicConversation {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidRequest('messages must be a non-empty array', 'messages');
  }
  const systemMessages: AnthropicTextBlock[][] = [];
  const turns: Turn[] = [];
  /** The ids of the tool calls of the assistant messages read so far: a tool message answers one. */
  const called = new Set<unknown>();
  const toolUseIds = new HistoryToolUseIds();
  messages.forEach((message: unknown, i) => {
    const where = `messages[${i}]`;
    if (typeof message !== 'object' || message === null) throw invalidRequest(`${where} must be an object`, where);
    const msg = message as OpenAIMessage;
    const marker = cacheControlOf(msg, where);
    switch (msg.role) {
      case 'system':
      case 'developer':
        systemMessages.push(markLastBlock(toSystemBlocks(msg.content, where), marker));
        return;
      case 'user':
        appendTurn(turns, { role: 'user', content: markLastBlock(toAnthropicContentBlocks(msg.content, where), marker) });
        return;
      case 'assistant':
        appendTurn(turns, { role: 'assistant', content: markLastBlock(toAssistantBlocks(msg, where, toolUseIds), marker) });
        for (const call of msg.tool_calls ?? []) called.add(call.id);
        return;
      case 'tool': {
        const block = toToolResultBlock(msg, where, toolUseIds);
        if (marker !== undefined) block.cache_control = marker;
        // OpenAI and Anthropic both refuse a result of no call; Anthropic's 400 would name its own fields.
        if (!called.has(msg.tool_call_id)) {
          throw invalidRequest(
            `${where}.tool_call_id ${JSON.stringify(msg.tool_call_id)} answers no tool call of an earlier assistant message; send the call with its result`,
            `${where}.tool_call_id`,
          );
        }
        appendTurn(turns, { role: 'user', content: [block] });
        return;
      }
      default:
        throw invalidRequest(`${where}.role '${String(msg.role)}' is not supported (system, developer, user, assistant or tool)`, `${where}.role`);
    }
  });
  if (turns.length === 0) {
    throw invalidRequest('messages must contain at least one user or assistant message with content', 'messages');
  }
  return {
    system: toAnthropicSystem(systemMessages),
    messages: turns.map(toMessageParam),
  };
}

// Empty turns are skipped before merging, so that the turns around them still merge.
function appendTurn(turns: Turn[], turn: Turn): void {
  if (turn.content.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role === turn.role) {
    appendAll(last.content, turn.content);
  } else {
    turns.push(turn);
  }
}

// A turn that is a single text keeps the plain-string form the request would have had anyway,
// unless a cache marker needs the block.
function toMessageParam(turn: Turn): AnthropicMessageParam {
  const only = turn.content.length === 1 ? turn.content[0] : undefined;
  if (only?.type === 'text' && only.cache_control === undefined) return { role: turn.role, content: only.text };
  return { role: turn.role, content: toolResultsFirst(turn.content) };
}

/**
 * Anthropic refuses a user turn in which anything comes before a tool result: a chat user message
 * sent between (or before) the tool messages of one assistant turn, merged into the same turn,
 * follows the results. Their own order is kept.
 */
function toolResultsFirst(content: AnthropicContentBlock[]): AnthropicContentBlock[] {
  const results = content.filter((block) => block.type === 'tool_result');
  if (results.length === 0 || results.length === content.length) return content;
  return [...results, ...content.filter((block) => block.type !== 'tool_result')];
}

/** Assistant message fields with no Anthropic equivalent: left out, the model's earlier turn would be lost. */
const UNCARRIED_ASSISTANT_FIELDS: readonly [field: string, hint: string][] = [
  ['function_call', 'deprecated function calling is not translated; replay the call as `tool_calls`'],
  ['audio', 'an earlier spoken answer; Anthropic takes text only, send its transcript as `content`'],
];

function toAssistantBlocks(msg: OpenAIMessage, where: string, toolUseIds: HistoryToolUseIds): AnthropicContentBlock[] {
  for (const [field, hint] of UNCARRIED_ASSISTANT_FIELDS) {
    if (msg[field] === undefined || msg[field] === null) continue;
    const param = `${where}.${field}`;
    throw unsupportedParameter(param, `\`${param}\` cannot be sent to Anthropic (${hint}).`);
  }
  // Anthropic's own thinking blocks, sent back exactly as they came (a tool loop needs them).
  const blocks: AnthropicContentBlock[] = [...thinkingBlocksOf(msg.reasoning_details), ...toAnthropicContentBlocks(msg.content, where, true)];
  // A turn the model refused is what it said: its refusal is the turn's text.
  const refusal: unknown = msg.refusal;
  if (typeof refusal === 'string' && refusal !== '' && !blocks.some((block) => block.type === 'text')) blocks.push({ type: 'text', text: refusal });
  const toolCalls: unknown = msg.tool_calls;
  if (toolCalls === undefined || toolCalls === null) return blocks;
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${where}.tool_calls must be an array`);
  toolCalls.forEach((call: unknown, j) => blocks.push(toToolUseBlock(call, `${where}.tool_calls[${j}]`, toolUseIds)));
  return blocks;
}

function toToolUseBlock(call: unknown, where: string, toolUseIds: HistoryToolUseIds): AnthropicToolUseBlock {
  const fn = (call as Partial<OpenAIToolCall> | null)?.function;
  const id = (call as Partial<OpenAIToolCall> | null)?.id;
  if (typeof id !== 'string' || typeof fn?.name !== 'string') {
    throw invalidRequest(`${where} must have an id and a function name`);
  }
  return { type: 'tool_use', id: toolUseIds.call(id), name: fn.name, input: parseArguments(fn.arguments, where) };
}

function parseArguments(args: unknown, where: string): Record<string, unknown> {
  // Some clients replay a call without arguments as an empty string; it means no arguments.
  if (args === undefined || args === null || args === '') return {};
  if (typeof args !== 'string') throw invalidRequest(`${where}.function.arguments must be a JSON string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw invalidRequest(`${where}.function.arguments is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest(`${where}.function.arguments must be a JSON object (Anthropic's tool input is an object)`);
  }
  return parsed as Record<string, unknown>;
}

function toToolResultBlock(msg: OpenAIMessage, where: string, toolUseIds: HistoryToolUseIds): AnthropicToolResultBlock {
  if (typeof msg.tool_call_id !== 'string' || msg.tool_call_id === '') {
    throw invalidRequest(`${where}.tool_call_id must be the id of the tool call it answers`);
  }
  const content = msg.content;
  return {
    type: 'tool_result',
    tool_use_id: toolUseIds.result(msg.tool_call_id),
    content: typeof content === 'string' || content === undefined || content === null ? (content ?? '') : toAnthropicContentBlocks(content, where),
  };
}
