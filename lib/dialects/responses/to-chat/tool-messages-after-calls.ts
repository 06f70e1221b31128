import type { OpenAIMessage } from '../../chat/wire';
import { appendAll } from '../../../append-all';

/**
 * Pairs each tool message with its call by `call_id` (the latest call of that id before it): a
 * tool message that does not already follow the assistant turn holding its call (a user or developer message came between the call and its
 * output in the client's `input`) moves up to that turn, after the tool messages already there.
 * Chat completions refuses a tool message that does not follow its call's assistant message.
 * Every other message keeps its place; `messages` is not modified.
 */
export function toolMessagesAfterTheirCalls(messages: OpenAIMessage[]): OpenAIMessage[] {
  /** The latest assistant turn so far holding a call of each id: an id may come again in a later turn. */
  const turnOfCall = new Map<string, OpenAIMessage>();
  const movedTo = new Map<OpenAIMessage, OpenAIMessage[]>();
  const moved = new Set<OpenAIMessage>();
  /** The assistant turn whose tool messages are being read, while nothing else came between. */
  let turn: OpenAIMessage | undefined;
  for (const message of messages) {
    if (message.role === 'assistant') for (const call of message.tool_calls ?? []) turnOfCall.set(call.id, message);
    if (message.role !== 'tool') {
      turn = message.role === 'assistant' ? message : undefined;
      continue;
    }
    const callTurn = typeof message.tool_call_id === 'string' ? turnOfCall.get(message.tool_call_id) : undefined;
    if (callTurn === undefined || callTurn === turn) continue;
    moved.add(message);
    const movedHere = movedTo.get(callTurn);
    // Added in place, not copied: thousands of outputs may move to one turn.
    if (movedHere) movedHere.push(message);
    else movedTo.set(callTurn, [message]);
  }
  if (moved.size === 0) return messages;

  const paired: OpenAIMessage[] = [];
  /** The moved tool messages of the last assistant turn, placed once its own tool messages end. */
  let pending: OpenAIMessage[] = [];
  for (const message of messages) {
    if (moved.has(message)) continue;
    if (message.role !== 'tool') {
      appendAll(paired, pending);
      pending = [];
    }
    paired.push(message);
    if (message.role === 'assistant') pending = movedTo.get(message) ?? [];
  }
  appendAll(paired, pending);
  return paired;
}
