import { randomUUID } from 'node:crypto';
import { isRecord } from '../../../is-record';

/**
 * The `input` object of a `tool_use` block from an OpenAI tool call's `arguments` string:
 * the parsed object, or `{}` when the string is empty, not JSON, or not a JSON object
 * (Anthropic's `input` is always an object).
 */
export function parseToolInput(args: string | undefined | null): Record<string, unknown> {
  if (!args) return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** An Anthropic message id for an upstream id: kept when it already starts with `msg_`. */
export function toAnthropicMessageId(upstreamId: string): string {
  return upstreamId.startsWith('msg_') ? upstreamId : `msg_${upstreamId}`;
}

/**
 * A `toolu_` id for a tool call an upstream sent without one; the client echoes it back as the
 * `tool_use_id` of its result, so it must be unique.
 */
export function generatedToolUseId(): string {
  return `toolu_${randomUUID().replace(/-/g, '')}`;
}

/** A `msg_` id for a message whose upstream gave none. */
export function generatedMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}
