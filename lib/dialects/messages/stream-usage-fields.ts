import { isRecord } from '../../is-record';
import type { MessagesStreamEvent } from './stream-codec';

/**
 * Gives a passed-through stream the `usage` objects the Anthropic SDK reads without checking:
 * its `MessageStream` copies `message_delta.usage.output_tokens` into the usage of the message
 * `message_start` began, and throws a `TypeError` on either missing (Anthropic always sends both;
 * some compatible servers leave them out). A missing `message_delta` usage is the output count
 * known so far, so that the final message keeps what `message_start` said; a missing
 * `message_start` usage is zero. Events that have theirs are returned as they are, byte for byte.
 */
export function streamUsageFields(): (event: MessagesStreamEvent) => MessagesStreamEvent {
  let outputTokens = 0;
  return (event) => {
    if (event.type === 'message_start' && isRecord(event.message)) {
      if (isRecord(event.message.usage)) {
        outputTokens = countOf(event.message.usage.output_tokens, outputTokens);
        return event;
      }
      return { ...event, message: { ...event.message, usage: { input_tokens: 0, output_tokens: 0 } } };
    }
    if (event.type !== 'message_delta') return event;
    if (isRecord(event.usage)) {
      outputTokens = countOf(event.usage.output_tokens, outputTokens);
      return event;
    }
    return { ...event, usage: { output_tokens: outputTokens } };
  };
}

function countOf(value: unknown, otherwise: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : otherwise;
}
