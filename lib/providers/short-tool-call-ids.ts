import { createHash } from 'node:crypto';
import { isRecord } from '../is-record';

/**
 * The longest `tool_calls[].id` OpenAI's chat completions take in a conversation: a longer one is a
 * 400 (`string_above_max_length`). Ids from elsewhere can be longer: the router's own ids that
 * carry another provider's (up to 64 characters), and other gateways' and SDKs' ids.
 */
export const OPENAI_MAX_TOOL_CALL_ID_LENGTH = 40;

/**
 * `messages` with every tool call id longer than `max` characters, in the assistant turns'
 * `tool_calls` and the tool results' `tool_call_id`, replaced by a short id made from it: the same
 * for a call and its result, the same in every turn, and two ids never one. Shorter ids are left as
 * they are, and messages without long ids are the same objects; nothing the caller holds is changed.
 */
export function withShortToolCallIds(messages: unknown, max: number): unknown {
  if (!Array.isArray(messages)) return messages;
  return messages.map((message: unknown) => {
    if (!isRecord(message)) return message;
    if (typeof message.tool_call_id === 'string' && message.tool_call_id.length > max) {
      return { ...message, tool_call_id: shortToolCallId(message.tool_call_id) };
    }
    if (!Array.isArray(message.tool_calls) || !message.tool_calls.some((call) => isLong(call, max))) return message;
    const calls = message.tool_calls.map((call: unknown) => (isLong(call, max) ? { ...call, id: shortToolCallId(call.id) } : call));
    return { ...message, tool_calls: calls };
  });
}

function isLong(call: unknown, max: number): call is Record<string, unknown> & { id: string } {
  return isRecord(call) && typeof call.id === 'string' && call.id.length > max;
}

/** `call_` and 24 characters of the id's SHA-256 digest: 29 characters, the length of OpenAI's own. */
function shortToolCallId(id: string): string {
  return `call_${createHash('sha256').update(id).digest('base64url').slice(0, 24)}`;
}
