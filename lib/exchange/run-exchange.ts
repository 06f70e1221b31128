import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedConfig } from '../config/resolve-config';
import { ProviderRouterError } from '../errors';
import { errorBodyFor, parseUpstreamError, type ClientDialect, type ErrorDetails } from '../http/error-body';
import type { Redactor } from '../http/redactor';
import type { UpstreamTransport } from '../proxy/upstream-transport';
import type { ProviderAdapter } from '../providers/provider-adapter';
import { createAnthropicObserver } from '../dialects/messages/summary-reader';
import { createOpenAIObserver } from '../dialects/chat/summary-reader';
import { readSafely, type ResponseObserver } from '../telemetry/response-summary';
import { errorFrame, pumpStream } from '../stream/stream-pump';
import type { RequestRecorder } from '../telemetry/request-recorder';
import { buildClientHeaders, buildUpstreamHeaders, type HeaderContext } from './exchange-headers';
import type { ExchangePlan } from './plan-exchange';

/** One routed request, ready to go upstream. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  clientDialect: ClientDialect;
  provider: ProviderAdapter;
  plan: ExchangePlan;
  recorder: RequestRecorder;
}

/** What every exchange shares, built at creation. */
export interface ExchangeDependencies {
  config: ResolvedConfig;
  transport: UpstreamTransport;
  redactor: Redactor;
}

/** Upstream error bodies are read up to this size for their message. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;
/** Non-streamed answers larger than this are refused (an upstream gone wrong). */
const MAX_JSON_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Sends the planned request upstream and answers the client: errors in its dialect, JSON
 * answers passed through or translated, streams pumped as they arrive. Ends the recorder exactly
 * once, whatever happens (timeout, upstream failure, client hang-up).
 */
export function runExchange(exchange: Exchange, deps: ExchangeDependencies): void {
  const { req, res, provider, plan, recorder } = exchange;
  const { config, redactor } = deps;
  const headerContext: HeaderContext = { provider, requestId: exchange.requestId, scrubHeaders: config.scrubHeaders };
  const observer: ResponseObserver = plan.upstreamDialect === 'anthropic' ? createAnthropicObserver() : createOpenAIObserver();
  let proxyRequest: ClientRequest | undefined;
  let upstreamResponse: IncomingMessage | undefined;
  let settled = false;

  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(headerTimer);
    res.off('close', onClientClose);
    return true;
  };

  /** Stops an upstream exchange still in flight; a finished one keeps its keep-alive socket. */
  const abortUpstream = (): void => {
    if (upstreamResponse?.complete) return;
    upstreamResponse?.destroy();
    proxyRequest?.destroy();
  };

  const answerError = (details: ErrorDetails): void => {
    if (!settle()) return;
    const safe = redactor.redactValue(details);
    abortUpstream();
    if (res.headersSent) {
      if (!res.writableEnded) res.end(errorFrame(exchange.clientDialect, safe.message, safe.type));
    } else {
      res.writeHead(safe.status, buildClientHeaders(upstreamResponse?.headers, 'json', headerContext, redactor));
      res.end(JSON.stringify(errorBodyFor(exchange.clientDialect, safe)));
    }
    recorder.end({ status: safe.status, outcome: 'error', summary: observer.summary, error: { message: safe.message, type: safe.type } });
  };

  const answerRouterError = (error: ProviderRouterError): void =>
    answerError({ status: error.status, message: error.message, type: error.type, code: error.code });

  const onClientClose = (): void => {
    if (res.writableFinished || !settle()) return;
    abortUpstream();
    recorder.end({ status: res.headersSent ? res.statusCode : 499, outcome: 'aborted', summary: observer.summary });
  };

  const headerTimer = setTimeout(() => {
    answerRouterError(
      new ProviderRouterError(
        'upstream_timeout',
        `Provider "${provider.id}" sent no response within ${config.timeoutMs} ms (PROVIDER_TIMEOUT_MS)`,
        504,
        'timeout_error',
      ),
    );
  }, config.timeoutMs);

  const onResponse = (response: IncomingMessage): void => {
    if (settled) {
      response.destroy();
      return;
    }
    upstreamResponse = response;
    clearTimeout(headerTimer);
    recorder.markFirstByte();
    const status = response.statusCode ?? 502;
    if (status >= 400) {
      readBody(response, MAX_ERROR_BODY_BYTES, true, config.idleTimeoutMs).then(
        (raw) => answerUpstreamError(status, raw.toString('utf8')),
        () => answerUpstreamError(status, ''),
      );
      return;
    }
    if (/^text\/event-stream/i.test(response.headers['content-type'] ?? '')) streamAnswer(response, status);
    else
      readBody(response, MAX_JSON_BODY_BYTES, false, config.idleTimeoutMs).then(
        (raw) => jsonAnswer(response, status, raw),
        (error: unknown) =>
          answerRouterError(
            error instanceof SilentUpstreamError ? silentUpstream(provider, error.message) : invalidUpstream(provider, (error as Error).message),
          ),
      );
  };

  const answerUpstreamError = (status: number, text: string): void => {
    if (settled) return;
    // Messages passthrough keeps the upstream's own error body: Claude Code decides on retries from its wording.
    if (exchange.clientDialect === 'anthropic' && plan.translation === undefined && isAnthropicError(text)) {
      if (!settle()) return;
      res.writeHead(status, buildClientHeaders(upstreamResponse?.headers, 'json', headerContext, redactor));
      res.end(redactor.redact(text));
      const details = parseUpstreamError(status, text);
      recorder.end({ status, outcome: 'error', summary: observer.summary, error: { message: details.message, type: details.type } });
      return;
    }
    answerError(parseUpstreamError(status, text));
  };

  const jsonAnswer = (response: IncomingMessage, status: number, raw: Buffer): void => {
    if (settled) return;
    const received = raw.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(received);
    } catch {
      answerRouterError(invalidUpstream(provider, 'the answer is not valid JSON'));
      return;
    }
    readSafely(() => observer.body(parsed));
    let text: string;
    try {
      text = plan.translation ? JSON.stringify(plan.translation.json(parsed)) : received;
    } catch (error) {
      answerRouterError(invalidUpstream(provider, `the answer could not be translated: ${(error as Error).message}`));
      return;
    }
    if (!settle()) return;
    res.writeHead(status, buildClientHeaders(response.headers, 'json', headerContext, redactor));
    res.end(redactor.containsSecret(text) ? redactor.redact(text) : text);
    recorder.end({ status, outcome: 'ok', summary: observer.summary });
  };

  const streamAnswer = (response: IncomingMessage, status: number): void => {
    res.writeHead(status, buildClientHeaders(response.headers, 'stream', headerContext, redactor));
    res.flushHeaders();
    pumpStream({
      upstream: response,
      res,
      clientDialect: exchange.clientDialect,
      observer,
      translator: plan.translation?.stream(),
      redactor,
      idleTimeoutMs: config.idleTimeoutMs,
      onFirstOutput: () => recorder.markFirstToken(),
      onEnd: (ending) => {
        if (!settle()) return;
        recorder.end({ status, outcome: ending.outcome, summary: observer.summary, error: ending.error });
      },
    });
  };

  res.on('close', onClientClose);
  const body = Buffer.from(JSON.stringify(plan.upstreamBody));
  deps.transport.send(req, res, {
    url: provider.baseUrl + plan.upstreamPath,
    headers: buildUpstreamHeaders(req, plan.forwardHeaders, headerContext),
    body,
    onRequest: (request) => {
      proxyRequest = request;
      if (settled) request.destroy();
    },
    onResponse,
    onError: (error) => {
      if (settled) return;
      const reason = error.code ?? error.message;
      answerRouterError(
        new ProviderRouterError('upstream_unreachable', `Provider "${provider.id}" could not be reached (${reason})`, 502, 'upstream_error'),
      );
    },
  });
}

function silentUpstream(provider: ProviderAdapter, reason: string): ProviderRouterError {
  return new ProviderRouterError('upstream_timeout', `Provider "${provider.id}" stalled: ${reason}`, 504, 'timeout_error');
}

function invalidUpstream(provider: ProviderAdapter, reason: string): ProviderRouterError {
  return new ProviderRouterError('upstream_invalid_response', `Provider "${provider.id}" answered badly: ${reason}`, 502, 'upstream_error');
}

function isAnthropicError(text: string): boolean {
  try {
    const body = JSON.parse(text) as { type?: unknown; error?: { type?: unknown } };
    return body.type === 'error' && typeof body.error?.type === 'string';
  } catch {
    return false;
  }
}

/** The upstream went silent while sending a non-streamed answer. */
class SilentUpstreamError extends Error {}

/**
 * Reads a body up to `limit` bytes; past it, rejects (or, with `truncate`, resolves what it has).
 * Rejects with {@link SilentUpstreamError} after `idleMs` without a byte.
 */
function readBody(stream: IncomingMessage, limit: number, truncate: boolean, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idleTimer = setTimeout(() => {
      stream.destroy();
      reject(new SilentUpstreamError(`it sent nothing for ${idleMs} ms (PROVIDER_IDLE_TIMEOUT_MS) in the middle of its answer`));
    }, idleMs);
    stream.on('data', (chunk: Buffer) => {
      idleTimer.refresh();
      size += chunk.length;
      if (size > limit) {
        clearTimeout(idleTimer);
        stream.destroy();
        if (truncate) resolve(Buffer.concat(chunks));
        else reject(new Error(`the answer is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      clearTimeout(idleTimer);
      const single = chunks.length === 1 ? chunks[0] : undefined;
      resolve(single ?? Buffer.concat(chunks));
    });
    stream.on('error', (error) => {
      clearTimeout(idleTimer);
      reject(error);
    });
    stream.on('close', () => {
      clearTimeout(idleTimer);
      if (!stream.complete) reject(new Error('the upstream closed the connection before the answer was complete'));
    });
  });
}
