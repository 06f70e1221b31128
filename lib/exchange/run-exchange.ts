import type { ClientRequest, IncomingMessage } from 'node:http';
import type { UpstreamCall } from '../proxy/upstream-transport';
import { answerJson } from './answer-json';
import { answerStream } from './answer-stream';
import { answerUpstreamError } from './answer-upstream-error';
import { peekBody } from './peek-body';
import { stillSending, whenOpen } from './still-sending';
import { ExchangeContext, type Exchange, type ExchangeDependencies } from './exchange-context';
import type { HeaderMap } from '../options';
import { buildUpstreamHeaders, ScrubHeadersFailure, scrubHeadersFailure } from './exchange-headers';
import { answerEncoding, decodeBody } from '../http/content-encoding';
import { closedByPeer } from '../http/closed-by-peer';
import { ProviderRouterError, routerClosedError } from '../errors';
import { invalidUpstream, redirectedUpstream, silentUpstream, unreachableUpstream, upstreamTimeout } from './upstream-failures';

export type { Exchange, ExchangeDependencies };

/**
 * Sends the planned request upstream and answers the client: errors in its dialect, JSON
 * answers passed through or translated, streams pumped as they arrive. The exchange ends exactly
 * once, whatever happens (timeout, upstream failure, client hang-up): see `ExchangeContext.finish`.
 */
export function runExchange(exchange: Exchange, deps: ExchangeDependencies): void {
  const { req, res, provider, plan, recorder } = exchange;
  const { config } = deps;
  const context = new ExchangeContext(exchange, deps);
  // The host answered while the router read the body (its request timeout): nothing is sent upstream.
  if (context.endIfAnsweredByHost()) return;
  // The client left while the host's own middleware ran (its `close` has been and gone): nothing
  // is sent upstream for nobody.
  if (res.destroyed || req.socket.destroyed) {
    context.finish({ status: 499, outcome: 'aborted' });
    return;
  }
  // close() ran while the client's body was still arriving: nothing was sent anywhere, as for a
  // request that came after it, so it is no unreachable upstream.
  if (deps.transport.closed) {
    const closed = routerClosedError();
    context.answerError({ status: closed.status, message: closed.message, type: closed.type, code: closed.code });
    return;
  }
  let upstreamHeaders: HeaderMap;
  try {
    upstreamHeaders = buildUpstreamHeaders(req, plan.forwardHeaders, context.headers, deps.redactor);
  } catch (error) {
    if (error instanceof ScrubHeadersFailure) context.answerError(scrubHeadersFailure(error));
    else if (error instanceof ProviderRouterError)
      context.answerError({ status: error.status, message: error.message, type: error.type, code: error.code });
    else throw error;
    return;
  }

  const headerTimer = setTimeout(() => {
    // PROVIDER_TIMEOUT_MS is a wait for the answer: a large body still going out to a slow upstream
    // has not begun it. Opening the connection (TLS handshake included) is part of that wait.
    if (stillSending(context.proxyRequest, opened, performance.now() - openedAt, config.idleTimeoutMs)) headerTimer.refresh();
    else context.answerError(upstreamTimeout(provider, config.timeoutMs));
  }, config.timeoutMs);
  const onClientClose = (): void => {
    // Finished, the answer is the host's own (the router's own ends the exchange first): the
    // upstream request is stopped at once, as for a client that left.
    if (res.writableFinished) {
      context.endIfAnsweredByHost();
      return;
    }
    context.finish({ status: res.headersSent ? res.statusCode : 499, outcome: 'aborted' }, () => context.abortUpstream());
  };
  res.on('close', onClientClose);
  context.onEnd(() => {
    clearTimeout(headerTimer);
    res.off('close', onClientClose);
  });

  const onResponse = (response: IncomingMessage): void => {
    if (context.settled || context.endIfAnsweredByHost()) {
      response.destroy();
      return;
    }
    context.upstreamResponse = response;
    clearTimeout(headerTimer);
    recorder.markFirstByte();
    const status = response.statusCode ?? 502;
    if (status >= 300 && status < 400) {
      context.answerError(redirectedUpstream(provider, status, response.headers.location));
      return;
    }
    // A success that cannot carry a body is no answer: passed on, it would be a 204 stream.
    if (status === 204 || status === 205) {
      context.answerError(invalidUpstream(provider, `it answered ${status} with no content`));
      return;
    }
    // Asked for identity, some upstreams compress all the same: the router reads every answer.
    const body = decodeBody(response, answerEncoding(response.headers['content-encoding']));
    const isStream = /^text\/event-stream/i.test(response.headers['content-type'] ?? '');
    const asked = plan.asksStream ? 'stream' : 'json';
    if (status >= 400) void answerUpstreamError(context, response, body, status);
    else if (isStream && plan.asksStream) answerStream(context, response, body, status);
    else if (plan.asksStream && mayBeMislabelledStream(response.headers['content-type'])) {
      // Some servers and proxies send streams without their content type, or under a generic one:
      // the first bytes tell a stream from JSON, so that a JSON error still reaches the client with
      // its own status.
      peekBody(body, deps.config.idleTimeoutMs, (start, rest) => {
        if (start.kind === 'failed') {
          // It answered (its headers came): the connection broke, as an answer cut off does, unless
          // the router's own close() broke it.
          context.answerConnectionFailure(() =>
            invalidUpstream(provider, `the connection failed before the answer's first byte (${start.error.message})`),
          );
        } else if (start.kind === 'silent') {
          context.answerError(
            silentUpstream(provider, `it answered and then sent nothing for ${deps.config.idleTimeoutMs} ms (PROVIDER_IDLE_TIMEOUT_MS)`),
          );
        } else if (start.kind === 'empty') {
          // Nothing was sent to the client yet: a 502 says what happened, as for a plain request,
          // where a stream would be a 200 with only an error in it.
          context.answerError(invalidUpstream(provider, 'the answer is empty'));
        } else if (start.kind === 'json') void answerJson(context, response, rest, status, { asked, labelledStream: false });
        else answerStream(context, response, rest, status);
      });
    }
    // A stream the router did not ask for is read as JSON too: some servers label JSON as a stream.
    else void answerJson(context, response, body, status, { asked, labelledStream: isStream });
  };

  const call: Omit<UpstreamCall, 'onError'> = {
    // A hand-written adapter's base URL may end in `/` (as Azure's portal shows it): `//chat/completions` is a 404.
    url: provider.baseUrl.replace(/\/+$/, '') + plan.upstreamPath,
    headers: upstreamHeaders,
    body: Buffer.from(JSON.stringify(plan.upstreamBody)),
    onRequest: (request) => {
      context.proxyRequest = request;
      sentAt = performance.now();
      bytesReadBefore = request.socket?.bytesRead ?? 0;
      opened = false;
      whenOpen(request, () => {
        if (context.proxyRequest !== request) return;
        opened = true;
        openedAt = performance.now();
      });
      if (context.settled) request.destroy();
      // Sent whole, the request waits for its answer: the whole PROVIDER_TIMEOUT_MS from here.
      else
        request.once('finish', () => {
          if (!context.settled && !context.upstreamResponse) headerTimer.refresh();
        });
    },
    onResponse,
  };
  let attempt = 0;
  /** When the latest attempt was written to its connection. */
  let sentAt = 0;
  /** Whether the latest attempt's connection is established (TLS handshake included), and when it was. */
  let opened = false;
  let openedAt = 0;
  /** What the latest attempt's connection had read before it was sent (a reused one read earlier answers). */
  let bytesReadBefore = 0;
  const send = (): void => {
    const thisAttempt = ++attempt;
    deps.transport.send(req, res, {
      ...call,
      onError: (error) => {
        // Once the answer has begun, its own stream reports a failure (httpxy also raises it here).
        if (context.settled || context.upstreamResponse || thisAttempt !== attempt) return;
        // Bytes of an answer arrived before the connection failed (headers cut off): the upstream
        // read the request and is working on it, so it is neither stale nor unreachable.
        const answerBegan = (context.proxyRequest?.socket?.bytesRead ?? 0) > bytesReadBefore;
        // A socket the router's own close() destroyed is no stale one: sent again, it would be a
        // request nobody waits for.
        if (thisAttempt === 1 && !context.cutByRouter && !answerBegan && isStaleConnection(context.proxyRequest, error, performance.now() - sentAt)) {
          context.proxyRequest = undefined;
          send();
          return;
        }
        // Node's HTTP parser failed: something answered, but not in HTTP (a TLS port spoken to in
        // plain HTTP, another service on the port, a broken proxy). Not an unreachable upstream.
        if (error.code?.startsWith('HPE_')) context.answerError(invalidUpstream(provider, `its answer is not valid HTTP (${error.message})`));
        else if (answerBegan)
          context.answerConnectionFailure(() =>
            invalidUpstream(provider, `the connection closed before its answer's headers were complete (${error.code ?? error.message})`),
          );
        // The router's own close() cut the connection: the upstream was reached, and the operator must not look at its URL.
        else context.answerConnectionFailure(() => unreachableUpstream(provider, error.code ?? error.message));
      },
    });
  };
  send();
}

/**
 * An answer with no content type, or a generic one (`text/plain`, `application/octet-stream`, even
 * `application/json`): some servers and proxies send their streams so, and SSE clients read them
 * all the same. A page (`text/html`) is no stream.
 */
function mayBeMislabelledStream(contentType: string | undefined): boolean {
  return contentType === undefined || contentType === '' || /^(text\/plain|application\/octet-stream|application\/json)\b/i.test(contentType);
}

/**
 * How soon after the request was written a closed connection's failure must come for the request
 * to be sent again: a connection the upstream had already closed answers within a round trip (up
 * to a few hundred ms to a provider across an ocean, plus the host's own event-loop lag), while an
 * upstream that read the request and then failed took longer, and may have begun to work.
 */
const STALE_FAILURE_WINDOW_MS = 1000;

/**
 * A kept-alive connection the upstream closed while it sat idle fails the next request sent on it,
 * before any answer: a race every pooled HTTP client meets (servers close idle connections after a
 * few seconds, often without a `Keep-Alive: timeout` header to say when). Such a request is sent
 * once more on a new connection, as Node's documentation advises for `request.reusedSocket`; a
 * request that fails on a new connection, or later than a round trip after it was written (the
 * upstream may have received it: a second generation nobody asked for), is not.
 */
function isStaleConnection(request: ClientRequest | undefined, error: NodeJS.ErrnoException, sinceWrittenMs: number): boolean {
  return request?.reusedSocket === true && closedByPeer(error) && sinceWrittenMs < STALE_FAILURE_WINDOW_MS;
}
