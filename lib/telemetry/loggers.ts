import winston from 'winston';
import type { ConversationLogger, RouterLogger } from '../options';

/** The router's own warnings, to stderr, when the host gives no logger. */
export function createDefaultLogger(): RouterLogger {
  return winston.createLogger({
    level: 'warn',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's typings declare its transports as interfaces; at run time Console extends TransportStream
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

/** One JSON record per line in `file` (`CONVERSATION_LOG_FILE`). */
export function createConversationFileLogger(file: string): ConversationLogger & { close(): void } {
  return winston.createLogger({
    level: 'info',
    format: winston.format.json(),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's typings declare its transports as interfaces; at run time File extends TransportStream
    transports: [new winston.transports.File({ filename: file })],
  });
}
