import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { answerEncoding, decodeBody } from '../http/content-encoding';
import { readStream } from '../http/read-stream';
import { closedByPeer } from '../http/closed-by-peer';
import { withoutBom } from '../http/without-bom';

/** A model list larger than this is refused. */
const MAX_LIST_BYTES = 32 * 1024 * 1024;

/** The agents requests go through, so that model lists reach every port a request reaches. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * GETs a JSON document with `http.request` over the router's own agents (`fetch()` refuses some
 * ports a llama-server may use, 6000 for one); rejects with a message naming the status, or the
 * network error's cause.
 */
export async function fetchJson(url: string, headers: Record<string, string>, signal: AbortSignal, agents: Agents): Promise<unknown> {
  const { pathname } = new URL(url);
  let response: IncomingMessage;
  try {
    response = await get(url, headers, signal, agents);
  } catch (error) {
    // A kept-alive connection the upstream closed while it sat idle. A GET is safe to send again
    // whenever it failed (a completion request is not: run-exchange's isStaleConnection); once, on
    // a connection of its own, since the pool may hold more that the same sweep closed.
    if (!(error instanceof StaleConnectionError)) throw error;
    response = await get(url, headers, signal, false).catch((again: unknown) => {
      throw again instanceof StaleConnectionError ? again.failure : again;
    });
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    response.resume();
    throw new Error(`GET ${pathname} answered ${status}`);
  }
  const raw = await readStream(decodeBody(response, answerEncoding(response.headers['content-encoding'])), {
    maxBytes: MAX_LIST_BYTES,
    overflow: 'reject',
  });
  try {
    // Read as a request's JSON answer is: a leading byte order mark is no reason to lose the list.
    return JSON.parse(withoutBom(raw.toString('utf8')));
  } catch {
    throw new Error(`GET ${pathname} answered with something that is not JSON`);
  }
}

/** A request failed on a reused connection the upstream had closed: `failure` is its error as reported. */
class StaleConnectionError extends Error {
  constructor(readonly failure: Error) {
    super(failure.message);
  }
}

/** One GET over the router's agents, or (`false`) on a connection of its own. */
function get(url: string, headers: Record<string, string>, signal: AbortSignal, agents: Agents | false): Promise<IncomingMessage> {
  const { pathname } = new URL(url);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const secure = url.startsWith('https:');
    const request = (secure ? https : http).get(url, {
      headers: { ...headers, accept: 'application/json', 'accept-encoding': 'identity' },
      agent: agents === false ? false : secure ? agents.https : agents.http,
      signal,
    });
    request.on('response', resolve);
    request.on('error', (error: NodeJS.ErrnoException) => {
      const failure = new Error(`GET ${pathname} failed: ${error.code ?? error.message}`, { cause: error });
      reject(request.reusedSocket && closedByPeer(error) ? new StaleConnectionError(failure) : failure);
    });
  });
}
