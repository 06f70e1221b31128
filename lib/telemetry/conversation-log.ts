import type { Redactor } from '../http/redactor';
import { isThenable } from '../is-thenable';
import type { ConversationLogger } from '../options';

/**
 * Where a record's JSON travels to the router's own file log, so that it is serialised once: the
 * serialisation that looked for secrets is the line written (see `loggers.ts`).
 */
export const SERIALIZED_RECORD = Symbol('express-provider-router.serializedRecord');

/** A record waiting for its turn, with the redactor of its request. */
interface QueuedRecord {
  record: Record<string, unknown>;
  redactor: Redactor;
}

/**
 * Writes conversation records off the response's path: the records of one event-loop turn are
 * handed to the logger together, after the responses of that turn went out, so a slow transport
 * never delays a client. Each record is serialised once to look for secrets; only a record that
 * holds one is copied with its secrets redacted. A logger that throws loses its record, never the
 * router.
 */
export class ConversationLog {
  #queue: QueuedRecord[] = [];
  #scheduled = false;
  #closed = false;

  constructor(
    private readonly logger: ConversationLogger,
    private readonly redactor: Redactor,
    /** The logger is the router's own file log, which reuses the serialisation. */
    private readonly passesSerialized: boolean,
  ) {}

  /** Queues `record`, to be redacted by `redactor` (the request's own: it may know a key learnt since creation). */
  write(record: Record<string, unknown>, redactor: Redactor = this.redactor): void {
    // After close() the logger may be gone (the file log is closed): winston would print the
    // record, prompts and all, to the host's stderr.
    if (this.#closed) return;
    this.#queue.push({ record, redactor });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Writes what is queued now, and nothing after: the router is closing its logger. */
  close(): void {
    this.#flush();
    this.#closed = true;
  }

  #flush(): void {
    const records = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    for (const { record, redactor } of records) {
      try {
        const line = JSON.stringify(record);
        let written: unknown;
        if (redactor.containsSecret(line)) written = this.logger.info('conversation', redactor.redactValue(record));
        else {
          if (this.passesSerialized) (record as Record<PropertyKey, unknown>)[SERIALIZED_RECORD] = line;
          written = this.logger.info('conversation', record);
        }
        // A host's logger may be async: its rejection is as harmless as a throw.
        if (isThenable(written)) written.then(undefined, () => undefined);
      } catch {
        // A broken log transport must not take the router down.
      }
    }
  }
}
