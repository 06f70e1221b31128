import { createParser } from 'eventsource-parser';
import type { DialectModule } from '../dialects/registry';
import { readSafely, type ResponseObserver } from '../telemetry/response-summary';

/**
 * Feeds a whole event stream, received where a JSON answer was asked for, to the answer's observer:
 * the router refuses it, but the usage and price it reports were spent.
 */
export function observeStreamText(text: string, dialect: DialectModule<unknown>, observer: ResponseObserver<unknown>): void {
  const parser = createParser({
    onEvent: (sse) => readSafely(() => observer.event(dialect.stream.decode({ event: sse.event, data: sse.data }))),
  });
  parser.feed(text);
  parser.reset({ consume: true });
}
