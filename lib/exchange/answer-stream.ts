import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { dialectModule } from '../dialects/registry';
import { pumpStream } from '../stream/stream-pump';
import { EncodedTranslation } from '../stream/translated-stream';
import type { ExchangeContext } from './exchange-context';
import { closedMidStream } from './upstream-failures';
import { answerFramesOfText } from './answer-frames';

/** Sends the stream's headers at once, then pumps the upstream's events to the client as they arrive. */
export function answerStream(context: ExchangeContext, response: IncomingMessage, body: Readable, status: number): void {
  const { res, plan, recorder, clientDialect } = context.exchange;
  const { config, redactor } = context.deps;
  if (context.endIfAnsweredByHost()) return;
  const headers = context.clientHeadersOr500('stream');
  if (!headers) return;
  context.writeHead(status, headers);
  // The headers go out in this turn of the event loop: with the first frames when the upstream sent
  // them together with its headers (one write instead of two), else on their own. (`headersSent` is
  // already true after `writeHead`, though nothing has reached the socket.)
  let wroteFrames = false;
  setImmediate(() => {
    if (!wroteFrames && !res.writableEnded && !res.destroyed) res.flushHeaders();
  });
  pumpStream({
    upstream: body,
    res,
    upstreamCodec: dialectModule(plan.upstreamDialect).stream,
    observer: context.observer,
    translation: plan.translation ? new EncodedTranslation(plan.translation.stream(), dialectModule(clientDialect).stream) : undefined,
    editEvent: plan.editEvent,
    wholeAnswer: (text) => answerFramesOfText(plan, text),
    redactor,
    idleTimeoutMs: config.idleTimeoutMs,
    cutByRouter: () => (context.cutByRouter ? closedMidStream(context.exchange.provider) : undefined),
    onFirstOutput: () => recorder.markFirstToken(),
    onFirstReasoning: () => recorder.markFirstReasoning(),
    onFirstWrite: () => (wroteFrames = true),
    onEnd: (ending) => context.finish({ status, outcome: ending.outcome, error: ending.error }),
  });
}
