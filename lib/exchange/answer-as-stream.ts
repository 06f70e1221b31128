import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { answerStream } from './answer-stream';
import { answerFrames } from './answer-frames';
import type { ExchangeContext } from './exchange-context';

/**
 * Answers a streamed request that the upstream answered with a whole JSON answer (some servers and
 * gateways ignore `stream: true`) with the stream it would have sent: the answer's events, in the
 * upstream's dialect, go down the stream path (translation, passthrough edits, telemetry, the
 * conversation log, redaction) as if they had come from the upstream.
 *
 * @returns false, with nothing sent, when `answer` is no answer of the upstream's dialect.
 */
export function answerAsStream(context: ExchangeContext, response: IncomingMessage, answer: unknown, status: number): boolean {
  const frames = answerFrames(context.exchange.plan, answer);
  if (frames === undefined) return false;
  answerStream(context, response, Readable.from([Buffer.from(frames)]), status);
  return true;
}
