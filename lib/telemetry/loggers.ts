import winston from 'winston';
import { ProviderRouterError } from '../errors';
import { isThenable } from '../is-thenable';
import type { Redactor } from '../http/redactor';
import type { ConversationLogger, RouterLogger } from '../options';
import { SERIALIZED_RECORD } from './conversation-log';
import { JsonLinesFileTransport, MESSAGE } from './json-lines-file-transport';

/**
 * `logger` with every key redacted from what the router hands it: a message or detail may quote
 * an upstream's or a listener's words, and a key must not reach a host's log. A host logger that
 * throws (or rejects) is ignored: the router logs from inside a response or a model list, and a
 * log that is down must not fail either.
 */
export function redactingLogger(logger: RouterLogger, redactor: Redactor): RouterLogger {
  return {
    warn: (message, meta) => callSafely(() => logger.warn(redactor.redact(message), meta && redactor.redactValue(meta))),
    error: (message, meta) => callSafely(() => logger.error(redactor.redact(message), meta && redactor.redactValue(meta))),
  };
}

/** Runs a host logger's call; what it throws or rejects with has nowhere else to go, and is dropped. */
function callSafely(log: () => unknown): void {
  try {
    const result = log();
    if (isThenable(result)) result.then(undefined, () => undefined);
  } catch {
    // The host's logger failed; there is no other log to report that to.
  }
}

/** The router's own warnings, to stderr, when the host gives no logger. */
export function createDefaultLogger(): RouterLogger {
  return winston.createLogger({
    level: 'warn',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's typings declare its transports as interfaces; at run time Console extends TransportStream
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

/** The conversation log of `CONVERSATION_LOG_FILE`, and how to close it. */
export interface ConversationFileLog {
  logger: ConversationLogger;
  /** Writes what is pending and closes the file. */
  close(): Promise<void>;
}

/**
 * Records are plain data parsed from JSON, so `JSON.stringify` is enough; winston's `json()`
 * format builds a new serializer and sorts the keys of every record. A record the conversation
 * log already serialised (to look for secrets) is not serialised again: winston's `info` is the
 * record's fields, then `level` and `message`.
 */
const jsonLine = winston.format((info) => {
  const fields = info as Record<PropertyKey, unknown>;
  const serialized = fields[SERIALIZED_RECORD];
  fields[MESSAGE] =
    typeof serialized === 'string' && serialized.length > 2
      ? `${serialized.slice(0, -1)},"level":${JSON.stringify(info.level)},"message":${JSON.stringify(info.message)}}`
      : JSON.stringify(info);
  return info;
});

/**
 * One JSON record per line in `file` (`CONVERSATION_LOG_FILE`), written through winston.
 *
 * @throws ProviderRouterError (`invalid_config`) when the file's directory cannot be created.
 */
export function createConversationFileLog(file: string, reportError: RouterLogger['error']): ConversationFileLog {
  let transport: JsonLinesFileTransport;
  try {
    transport = new JsonLinesFileTransport(file, (error) => {
      reportError('express-provider-router: the conversation log cannot be written; its records are dropped', { file, error: error.message });
    });
  } catch (error) {
    throw new ProviderRouterError('invalid_config', `CONVERSATION_LOG_FILE: ${file} cannot be created (${(error as Error).message})`, 500);
  }
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's typings import winston-transport as a namespace; the class is the same at run time
  const logger = winston.createLogger({ level: 'info', format: jsonLine(), transports: [transport] });
  return {
    logger,
    close: async () => {
      // Closing the logger unpipes its transport, which flushes and closes the file.
      logger.close();
      await transport.whenClosed();
    },
  };
}
