import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedConfig } from '../config/resolve-config';
import type { Dialect, StreamError } from '../dialects/dialect';
import { dialectModule } from '../dialects/registry';
import type { ErrorDetails } from '../http/error-details';
import type { Redactor } from '../http/redactor';
import type { UpstreamTransport } from '../proxy/upstream-transport';
import type { ProviderAdapter } from '../providers/provider-adapter';
import type { RequestOutcome } from '../telemetry/events';
import type { RequestRecorder } from '../telemetry/request-recorder';
import { readSafely, type ResponseObserver } from '../telemetry/response-summary';
import type { HeaderMap } from '../options';
import { hostAnswered } from '../http/host-answered';
import { writeHead } from '../http/write-head';
import { withoutRetrySignals } from '../http/header-policy';
import { buildClientHeaders, minimalClientHeaders, ScrubHeadersFailure, scrubHeadersFailure, type HeaderContext } from './exchange-headers';
import type { ExchangePlan } from './plan-exchange';
import { closedWhileWaiting } from './upstream-failures';

/** One routed request, ready to go upstream. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  clientDialect: Dialect;
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

/** Whose error an error answer is: the upstream's own, or one the router raises. */
export type ErrorOrigin = 'upstream' | 'router';

/** How an exchange ended, for the recorder. */
export interface ExchangeEnding {
  status: number;
  outcome: RequestOutcome;
  error?: StreamError | undefined;
}

/**
 * The state of one exchange while it runs: the upstream request and response, the observer of the
 * answer, and the one place where the exchange ends ({@link ExchangeContext.finish}).
 */
export class ExchangeContext {
  readonly observer: ResponseObserver<unknown>;
  readonly headers: HeaderContext;
  proxyRequest: ClientRequest | undefined;
  upstreamResponse: IncomingMessage | undefined;
  #settled = false;
  /** The router wrote its answer's head: from then on `res` is the router's to write. */
  #answerBegan = false;
  readonly #onEnd: (() => void)[] = [];

  constructor(
    readonly exchange: Exchange,
    readonly deps: ExchangeDependencies,
  ) {
    this.observer = dialectModule(exchange.plan.upstreamDialect).createSummaryReader();
    this.headers = {
      provider: exchange.provider,
      requestId: exchange.requestId,
      clientDialect: exchange.clientDialect,
      scrubHeaders: deps.config.scrubHeaders,
    };
  }

  /** The exchange has ended: nothing more is written or recorded. */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * The host answered the client itself while the router waited: headers went out that the router
   * did not write (a request-timeout middleware such as connect-timeout, through the host's error
   * handler). The answer is the host's; the router must write nothing more into it.
   */
  get answeredByHost(): boolean {
    return hostAnswered(this.exchange.res, this.#answerBegan);
  }

  /**
   * Ends the exchange as abandoned, with the status the host sent, and stops the upstream request,
   * when the host answered first ({@link ExchangeContext.answeredByHost}). Returns whether it did.
   */
  endIfAnsweredByHost(): boolean {
    if (!this.answeredByHost) return false;
    this.finish({ status: this.exchange.res.statusCode, outcome: 'aborted' });
    return true;
  }

  /** Writes the head of the router's answer. */
  writeHead(status: number, headers: HeaderMap): void {
    this.#answerBegan = true;
    writeHead(this.exchange.res, status, headers);
  }

  /** Runs `cleanup` when the exchange ends (timers, listeners). */
  onEnd(cleanup: () => void): void {
    this.#onEnd.push(cleanup);
  }

  /**
   * Ends the exchange once: runs the cleanups, then `respond` (what the client still gets), then
   * ends the recorder with the answer's summary. Later calls do nothing. When the host answered
   * first, the exchange ends as abandoned with the host's status instead, and the upstream request
   * is stopped: nothing is written into the host's answer (Node would throw, from where nothing
   * catches it).
   */
  finish(ending: ExchangeEnding, respond?: () => void): void {
    if (this.#settled) return;
    if (this.answeredByHost) {
      ending = { status: this.exchange.res.statusCode, outcome: 'aborted' };
      respond = () => this.abortUpstream();
    }
    this.#settled = true;
    for (const cleanup of this.#onEnd) cleanup();
    respond?.();
    const { error, ...rest } = ending;
    if (!this.observer.summary.done) readSafely(() => this.observer.settle?.());
    this.exchange.recorder.end({ ...rest, summary: this.observer.summary, ...(error ? { error } : {}) });
  }

  /** Stops an upstream exchange still in flight; a finished one keeps its keep-alive socket. */
  abortUpstream(): void {
    if (this.upstreamResponse?.complete) return;
    this.upstreamResponse?.destroy();
    this.proxyRequest?.destroy();
  }

  /**
   * The headers of an error answer: the usual ones, or only the router's own when the host's hook
   * fails. The upstream's retry signals go only with its own error.
   */
  #errorHeaders(origin: ErrorOrigin): HeaderMap {
    const upstream = this.upstreamResponse?.headers;
    try {
      return buildClientHeaders(origin === 'upstream' ? upstream : withoutRetrySignals(upstream), 'json', this.headers, this.deps.redactor);
    } catch {
      return minimalClientHeaders(this.headers);
    }
  }

  /**
   * The client's headers for an answer; when the host's hook fails, the exchange is answered with a
   * 500 instead and `undefined` is returned.
   */
  clientHeadersOr500(kind: 'stream' | 'json'): HeaderMap | undefined {
    try {
      return buildClientHeaders(this.upstreamResponse?.headers, kind, this.headers, this.deps.redactor);
    } catch (error) {
      if (!(error instanceof ScrubHeadersFailure)) throw error;
      this.answerError(scrubHeadersFailure(error));
      return undefined;
    }
  }

  /**
   * Answers a failure of the upstream connection: as cut off by the router's own `close()` when it
   * ran (the upstream was reached and is not to blame: the operator must not look at its URL), else
   * as `failure`.
   */
  answerConnectionFailure(failure: () => ErrorDetails): void {
    this.answerError(this.cutByRouter ? closedWhileWaiting(this.exchange.provider) : failure());
  }

  /** The router's own `close()` ran: a connection that fails now was cut by it, not by the upstream. */
  get cutByRouter(): boolean {
    return this.deps.transport.closed;
  }

  /**
   * Answers an error in the client's dialect: a JSON error, or an error frame once a stream has
   * begun. `origin` says whose error it is: the upstream's own (its status and message carried), or
   * the router's (no answer, or one it could not use).
   */
  answerError(details: ErrorDetails, origin: ErrorOrigin = 'router'): void {
    const safe = this.deps.redactor.redactValue(details);
    this.finish({ status: safe.status, outcome: 'error', error: { message: safe.message, type: safe.type } }, () => {
      this.abortUpstream();
      const { res, clientDialect } = this.exchange;
      const client = dialectModule(clientDialect);
      if (res.headersSent) {
        if (!res.writableEnded) res.end(client.stream.encode(client.stream.errorEvent({ message: safe.message, type: safe.type })));
        return;
      }
      this.writeHead(safe.status, this.#errorHeaders(origin));
      res.end(JSON.stringify(client.errorBody(safe)));
    });
  }
}
