import type { StreamError } from '../dialects/dialect';
import type { StreamCodec, StreamContext } from '../dialects/stream-codec';
import type { StreamTranslator } from '../dialects/stream-translator';

const KEEP_ALIVE_COMMENT = ': keep-alive\n\n';

/**
 * A translator whose events are written as the client dialect's frames. It stops at the client
 * stream's end or error event: nothing is written after either.
 */
export class EncodedTranslation<In, Out> {
  #done = false;
  #error: StreamError | undefined;
  /** The first and last events the client got, for the router's own error frame. */
  readonly sent: StreamContext<Out> = { first: undefined, last: undefined, count: 0 };

  constructor(
    private readonly translator: StreamTranslator<In, Out>,
    /** How the client's frames are written. */
    readonly client: StreamCodec<Out>,
  ) {}

  /** The client's stream got its terminator. */
  get done(): boolean {
    return this.#done;
  }

  /** The client's stream got an error event, with this error. */
  get error(): StreamError | undefined {
    return this.#error;
  }

  /**
   * What tells the client the upstream is still working when it sent only a keep-alive: an SSE
   * comment, which every client's parser skips (DESIGN section 5 allows one for Anthropic's
   * `ping`) but the proxies between the host and the client see, where silence gets a live
   * answer cut.
   */
  keepAlive(): string {
    return this.#done || this.#error ? '' : KEEP_ALIVE_COMMENT;
  }

  /** The frames for one upstream event, serialized. */
  push(event: In): string {
    if (this.#done || this.#error) return '';
    let text = '';
    for (const out of this.translator.push(event)) {
      this.sent.first ??= out;
      this.sent.last = out;
      this.sent.count++;
      text += this.client.encode(out);
      this.#error = this.client.errorOf(out);
      if (this.#error) break;
      if (this.client.isEnd(out)) {
        this.#done = true;
        break;
      }
    }
    return text;
  }
}
