import type { PassthroughEdits, PassthroughRequest } from '../passthrough';
import type { MessagesStreamEvent } from './stream-codec';
import { streamUsageFields } from './stream-usage-fields';

/**
 * Messages answers carry `model` as the client asked for it (`anthropic/claude-sonnet-5-5`, not
 * Anthropic's own name): Claude Code drops signed thinking from replayed turns whose model differs
 * from the one it asks for now. Only `message_start` is rewritten; every other frame goes on as sent,
 * but one of no type at all, which is left out, and one missing a `usage` the SDK reads
 * (`streamUsageFields`).
 */
export function messagesPassthrough(request: PassthroughRequest): PassthroughEdits<MessagesStreamEvent> {
  const model = request.clientBody.model;
  // Even a model sent upstream as asked may come back under another name (`claude-sonnet-4-5` as
  // `claude-sonnet-4-5-20250929`, a llama-server model as its file path). An answer that already
  // carries the client's name is left as it is, byte for byte.
  if (request.endpoint !== 'messages' || typeof model !== 'string') return {};
  const withUsage = streamUsageFields();
  return {
    editEvent: (received) => {
      // A frame with neither a type nor an event name (llama-server's slot details) is one the SDK
      // ignores; written again, it would go out as `event: undefined`.
      if (typeof received.type !== 'string') return null;
      const event = withUsage(received);
      return event.type === 'message_start' && event.message && event.message.model !== model
        ? { ...event, message: { ...event.message, model } }
        : event;
    },
    editJson: (answer) =>
      typeof answer === 'object' &&
      answer !== null &&
      typeof (answer as { model?: unknown }).model === 'string' &&
      (answer as { model: string }).model !== model
        ? { ...answer, model }
        : answer,
  };
}
