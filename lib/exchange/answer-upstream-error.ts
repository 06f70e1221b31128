import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { dialectModule } from '../dialects/registry';
import { parseUpstreamError } from '../http/error-details';
import { readStream } from '../http/read-stream';
import { WholeErrorBodyWatcher } from '../http/whole-error-body';
import type { ExchangeContext } from './exchange-context';

/** Upstream error bodies are read up to this size for their message. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/**
 * Answers an upstream's 4xx/5xx with its status and message: in the client's dialect, or, on
 * passthrough where the dialect keeps them, as the upstream wrote it (redacted).
 */
export async function answerUpstreamError(context: ExchangeContext, response: IncomingMessage, body: Readable, status: number): Promise<void> {
  let text = '';
  const watcher = new WholeErrorBodyWatcher();
  try {
    const raw = await readStream(body, {
      maxBytes: MAX_ERROR_BODY_BYTES,
      overflow: 'truncate',
      idleMs: context.deps.config.idleTimeoutMs,
      enough: (received) => watcher.add(received),
    });
    text = raw.toString('utf8');
  } catch {
    // The status alone is the answer.
  }
  if (context.settled) return;
  const { res, plan, clientDialect } = context.exchange;
  const { redactor } = context.deps;
  // Redacted before it is parsed: a message that is the body itself is cut, and a key cut at its
  // end would no longer be found.
  const details = parseUpstreamError(status, redactor.redact(text));
  if (plan.translation === undefined && dialectModule(clientDialect).keepsUpstreamErrorBody(text)) {
    const headers = context.clientHeadersOr500('json');
    if (!headers) return;
    context.finish({ status, outcome: 'error', error: redactor.redactValue({ message: details.message, type: details.type }) }, () => {
      context.writeHead(status, headers);
      res.end(redactor.redact(text));
    });
    return;
  }
  context.answerError(details, 'upstream');
}
