import type { PassthroughEdits, PassthroughRequest } from '../passthrough';
import type { MessagesStreamEvent } from './stream-codec';

/**
 * Messages answers carry `model` as the client asked for it (`anthropic/claude-sonnet-5-5`, not
 * Anthropic's own name): Claude Code drops signed thinking from replayed turns whose model differs
 * from the one it asks for now. Only `message_start` is rewritten; every other frame goes on as sent.
 */
export function messagesPassthrough(request: PassthroughRequest): PassthroughEdits<MessagesStreamEvent> {
  const model = request.clientBody.model;
  // Even a model sent upstream as asked may come back under another name (`claude-sonnet-4-5` as
  // `claude-sonnet-4-5-20250929`, a llama-server model as its file path). An answer that already
  // carries the client's name is left as it is, byte for byte.
  if (request.endpoint !== 'messages' || typeof model !== 'string') return {};
  return {
    editEvent: (event) =>
      event.type === 'message_start' && event.message && event.message.model !== model ? { ...event, message: { ...event.message, model } } : event,
    editJson: (answer) =>
      typeof answer === 'object' &&
      answer !== null &&
      typeof (answer as { model?: unknown }).model === 'string' &&
      (answer as { model: string }).model !== model
        ? { ...answer, model }
        : answer,
  };
}
