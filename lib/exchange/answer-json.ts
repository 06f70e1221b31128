import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { readStream, type StreamReadError } from '../http/read-stream';
import { quoteText } from '../http/quote-text';
import { withoutBom } from '../http/without-bom';
import { readSafely } from '../telemetry/response-summary';
import type { ExchangeContext } from './exchange-context';
import type { ProviderAdapter } from '../providers/provider-adapter';
import { parseUpstreamError, type ErrorDetails } from '../http/error-details';
import { invalidUpstream, silentUpstream } from './upstream-failures';
import { FailedAnswerError } from '../dialects/chat/answer-message';
import { dialectModule } from '../dialects/registry';
import { observeStreamText } from './observe-stream-text';
import { answerAsStream } from './answer-as-stream';
import type { Redactor } from '../http/redactor';

/** Non-streamed answers larger than this are refused (an upstream gone wrong). */
const MAX_JSON_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Reads a non-streamed answer whole, decodes it once for telemetry and the translation, and
 * answers the client: as it is on passthrough, translated otherwise.
 */
export async function answerJson(
  context: ExchangeContext,
  response: IncomingMessage,
  body: Readable,
  status: number,
  shape: AnswerShape = { asked: 'json', labelledStream: false },
): Promise<void> {
  const { provider, plan, res } = context.exchange;
  const { config, redactor } = context.deps;
  let raw: Buffer;
  try {
    raw = await readStream(body, { maxBytes: MAX_JSON_BODY_BYTES, overflow: 'reject', idleMs: config.idleTimeoutMs });
  } catch (error) {
    const failure = error as StreamReadError;
    if (failure.reason === 'too_large') context.answerError(invalidUpstream(provider, `the answer is ${failure.message}`));
    else context.answerConnectionFailure(() => readFailure(provider, failure, config.idleTimeoutMs));
    return;
  }
  if (context.settled) return;
  const received = withoutBom(raw.toString('utf8'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(received);
  } catch {
    if (shape.labelledStream) observeStreamText(received, dialectModule(plan.upstreamDialect), context.observer);
    context.answerError(invalidUpstream(provider, notJson(received, shape, redactor)));
    return;
  }
  const failure = errorInsteadOfAnswer(parsed, redactor);
  if (failure) {
    context.answerError(failure, 'upstream');
    return;
  }
  // The client asked for a stream and gets one: the upstream's answer as it would have streamed it.
  if (shape.asked === 'stream' && answerAsStream(context, response, parsed, status)) return;
  // Read before it may be refused: an answer the client cannot use was still generated, and its
  // usage and price are what the host is billed.
  readSafely(() => context.observer.body(parsed));
  if (shape.asked === 'stream') {
    // Sent on as JSON, it would reach a streaming client as a stream with nothing in it.
    context.answerError(invalidUpstream(provider, 'it answered a streamed request with JSON that is neither a stream nor an answer'));
    return;
  }
  let text: string;
  try {
    if (plan.translation) text = JSON.stringify(plan.translation.json(parsed));
    else {
      const edited = plan.editJson ? plan.editJson(parsed) : parsed;
      text = edited === parsed ? received : JSON.stringify(edited);
    }
  } catch (error) {
    // An error on the choice is the provider's own (its status, its retry headers); a finish reason alone is the router's reading.
    if (error instanceof FailedAnswerError)
      context.answerError(failedAnswer(provider, error, redactor), error.upstreamError === undefined ? 'router' : 'upstream');
    else context.answerError(invalidUpstream(provider, `the answer could not be translated: ${(error as Error).message}`));
    return;
  }
  const headers = context.clientHeadersOr500('json');
  if (!headers) return;
  // Passed on as it is, an answer the provider says failed still counts as an error, as it does streamed.
  const reported = plan.translation ? undefined : dialectModule(plan.upstreamDialect).reportedFailure(parsed);
  const ending = reported ? { status, outcome: 'error' as const, error: redactor.redactValue(reported) } : { status, outcome: 'ok' as const };
  context.finish(ending, () => {
    context.writeHead(status, headers);
    res.end(redactor.containsSecret(text) ? redactor.redact(text) : text);
  });
}

/**
 * Why an answer that is no JSON cannot be used, quoting it (a proxy's page, a truncated answer):
 * the client and the operator see what came instead.
 */
function notJson(received: string, shape: AnswerShape, redactor: Redactor): string {
  if (shape.labelledStream) return 'it answered a request without `stream` with a stream';
  // Redacted before it is cut: a key the cut went through could no longer be found.
  const quoted = quoteText(redactor.redact(received));
  return quoted === '' ? 'the answer is empty' : `the answer is not valid JSON: ${quoted}`;
}

/** What the router asked the upstream for, and how the answer was labelled. */
export interface AnswerShape {
  asked: 'stream' | 'json';
  /** The answer came as `text/event-stream`. */
  labelledStream: boolean;
}

/**
 * An answer the provider reports as failed: the error on its choice is read as an error sent
 * instead of an answer (its own status when its `code` is a 4xx/5xx), else a 502 naming the failure.
 */
function failedAnswer(provider: ProviderAdapter, failure: FailedAnswerError, redactor: Redactor): ErrorDetails {
  const fromChoice = failure.upstreamError === undefined ? undefined : errorInsteadOfAnswer({ error: failure.upstreamError }, redactor);
  if (fromChoice) return { ...fromChoice, message: failure.message };
  return invalidUpstream(provider, `it reported that the answer failed: ${failure.message}`);
}

/**
 * A 200 whose body is an error and no answer (OpenRouter sends one when a generation fails after
 * it started): the error's own status when its `code` is a 4xx/5xx, else 502.
 */
function errorInsteadOfAnswer(body: unknown, redactor: Redactor): ErrorDetails | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const fields = body as Record<string, unknown>;
  if (fields.error === undefined || fields.error === null || 'choices' in fields || 'content' in fields || 'output' in fields) return undefined;
  const code = typeof fields.error === 'object' ? Number((fields.error as { code?: unknown }).code) : NaN;
  const status = Number.isInteger(code) && code >= 400 && code <= 599 ? code : 502;
  // Redacted before it is parsed: an error without a message is quoted whole, and cut.
  return parseUpstreamError(status, redactor.redact(JSON.stringify(fields)));
}

/** What a failure to read an answer whole that the router's `close()` did not cause says. */
function readFailure(provider: ProviderAdapter, failure: StreamReadError, idleTimeoutMs: number): ErrorDetails {
  if (failure.reason === 'idle') {
    return silentUpstream(provider, `it sent nothing for ${idleTimeoutMs} ms (PROVIDER_IDLE_TIMEOUT_MS) in the middle of its answer`);
  }
  // Node reports a body cut short (fewer bytes than its Content-Length, a chunked body without its
  // last chunk) as an `ECONNRESET` error saying only "aborted".
  if (failure.reason === 'closed' || failure.code === 'ECONNRESET') {
    return invalidUpstream(provider, 'the upstream closed the connection before the answer was complete');
  }
  return invalidUpstream(provider, failure.message);
}
