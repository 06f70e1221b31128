import { chatStreamCodec } from '../../lib/dialects/chat/stream-codec';
import type { StreamError } from '../../lib/dialects/dialect';
import { createChatToMessagesStream } from '../../lib/dialects/messages/from-chat/stream';
import { messagesStreamCodec } from '../../lib/dialects/messages/stream-codec';
import { createAnthropicToOpenAIStream, type AnthropicToOpenAIStreamOptions } from '../../lib/dialects/messages/to-chat/stream';
import type { SseEvent, StreamCodec } from '../../lib/dialects/stream-codec';
import type { StreamTranslator } from '../../lib/dialects/stream-translator';
import { EncodedTranslation } from '../../lib/stream/translated-stream';
import { sseEvents } from './sse';

/** A stream translation as the pump runs it: SSE events in, the client's SSE text out. */
export interface TextTranslation {
  push(sse: SseEvent): string;
  readonly done: boolean;
  readonly error: StreamError | undefined;
}

/** Decodes each SSE event with `upstream`, translates it, and encodes the result with `client`. */
export function textTranslation<U, C>(translator: StreamTranslator<U, C>, upstream: StreamCodec<U>, client: StreamCodec<C>): TextTranslation {
  const encoded = new EncodedTranslation(translator, client);
  return {
    push: (sse) => encoded.push(upstream.decode(sse)),
    get done() {
      return encoded.done;
    },
    get error() {
      return encoded.error;
    },
  };
}

/** A chat completions stream to a Messages client. */
export function chatToMessagesText(options: { model: string }): TextTranslation {
  return textTranslation(createChatToMessagesStream(options), chatStreamCodec, messagesStreamCodec);
}

/** A Messages stream to a chat completions client. */
export function messagesToChatText(options: AnthropicToOpenAIStreamOptions): TextTranslation {
  return textTranslation(createAnthropicToOpenAIStream(options), messagesStreamCodec, chatStreamCodec);
}

/** Pushes every event (or every event of an SSE text) and returns what each push produced. */
export function replayEach(translation: TextTranslation, upstream: string | readonly SseEvent[]): string[] {
  const events = typeof upstream === 'string' ? sseEvents(upstream) : upstream;
  return events.map((event) => translation.push(event));
}

/** Feeds an upstream SSE text (or its events) through the translation, as the router's pump does; returns the client's text. */
export function replay(translation: TextTranslation, upstream: string | readonly SseEvent[]): string {
  return replayEach(translation, upstream).join('');
}
