import type { IncomingMessage } from 'node:http';
import { readStream, type StreamReadError } from '../http/read-stream';
import { readSafely } from '../telemetry/response-summary';
import { buildClientHeaders } from './exchange-headers';
import type { ExchangeContext } from './exchange-context';
import { invalidUpstream, silentUpstream } from './upstream-failures';

/** Non-streamed answers larger than this are refused (an upstream gone wrong). */
const MAX_JSON_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Reads a non-streamed answer whole, decodes it once for telemetry and the translation, and
 * answers the client: as it is on passthrough, translated otherwise.
 */
export async function answerJson(context: ExchangeContext, response: IncomingMessage, status: number): Promise<void> {
  const { provider, plan, res } = context.exchange;
  const { config, redactor } = context.deps;
  let raw: Buffer;
  try {
    raw = await readStream(response, { maxBytes: MAX_JSON_BODY_BYTES, overflow: 'reject', idleMs: config.idleTimeoutMs });
  } catch (error) {
    const failure = error as StreamReadError;
    if (failure.reason === 'idle') {
      context.answerError(
        silentUpstream(provider, `it sent nothing for ${config.idleTimeoutMs} ms (PROVIDER_IDLE_TIMEOUT_MS) in the middle of its answer`),
      );
    } else if (failure.reason === 'too_large') {
      context.answerError(invalidUpstream(provider, `the answer is ${failure.message}`));
    } else if (failure.reason === 'closed') {
      context.answerError(invalidUpstream(provider, 'the upstream closed the connection before the answer was complete'));
    } else {
      context.answerError(invalidUpstream(provider, failure.message));
    }
    return;
  }
  if (context.settled) return;
  const received = raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(received);
  } catch {
    context.answerError(invalidUpstream(provider, 'the answer is not valid JSON'));
    return;
  }
  readSafely(() => context.observer.body(parsed));
  let text: string;
  try {
    text = plan.translation ? JSON.stringify(plan.translation.json(parsed)) : received;
  } catch (error) {
    context.answerError(invalidUpstream(provider, `the answer could not be translated: ${(error as Error).message}`));
    return;
  }
  context.finish({ status, outcome: 'ok' }, () => {
    res.writeHead(status, buildClientHeaders(response.headers, 'json', context.headers, redactor));
    res.end(redactor.containsSecret(text) ? redactor.redact(text) : text);
  });
}
