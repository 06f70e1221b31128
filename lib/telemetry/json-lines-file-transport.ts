import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import TransportStream from 'winston-transport';

/** Where winston formats leave the finished line (`triple-beam`'s MESSAGE). */
export const MESSAGE = Symbol.for('message');

/**
 * A winston transport that appends each formatted record as one line of a file, gathering the
 * records of one event-loop turn into a single write. winston's own File transport costs about
 * four times as much CPU per record (one stream write and its bookkeeping each), which a router
 * serving thousands of requests a second pays on every request.
 */
export class JsonLinesFileTransport extends TransportStream {
  readonly #file: WriteStream;
  readonly #closed: Promise<void>;
  #pending: string[] = [];
  #flushScheduled = false;
  #failed = false;

  /**
   * @param filename created with its directory when missing, appended to when present.
   * @param onError told once when the file cannot be opened or written; later records are dropped.
   */
  constructor(filename: string, onError: (error: Error) => void) {
    super({ level: 'info' });
    mkdirSync(dirname(filename), { recursive: true });
    this.#file = createWriteStream(filename, { flags: 'a' });
    this.#closed = new Promise((resolve) => this.#file.once('close', resolve));
    this.#file.on('error', (error) => {
      if (this.#failed) return;
      this.#failed = true;
      this.#pending = [];
      onError(error);
    });
  }

  override log(info: Record<PropertyKey, unknown>, next: () => void): void {
    const line = info[MESSAGE];
    if (!this.#failed && typeof line === 'string') {
      this.#pending.push(line);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    }
    next();
  }

  /** Writes what is pending and closes the file; winston calls it when the logger is closed. */
  override close(): void {
    this.#flush();
    if (!this.#file.writableEnded) this.#file.end();
  }

  /** Resolves when the file is closed, every record written. */
  whenClosed(): Promise<void> {
    return this.#closed;
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0 || this.#failed || this.#file.writableEnded) return;
    const text = `${this.#pending.join('\n')}\n`;
    this.#pending = [];
    this.#file.write(text);
  }
}
