import http, { ServerResponse, type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createProxyMiddleware, type Plugin } from 'http-proxy-middleware';
import type { HeaderMap } from '../options';

/** One request to an upstream, fully decided by the router before it is sent. */
export interface UpstreamCall {
  /** The full upstream URL. */
  url: string;
  /** Every header the upstream receives (lower-case names); nothing of the client's is added. */
  headers: HeaderMap;
  body: Buffer;
  /** The request is on its way: the place to start a timer or keep a handle for aborting. */
  onRequest(proxyRequest: ClientRequest): void;
  onResponse(upstreamResponse: IncomingMessage): void;
  /** The upstream could not be reached, or the request failed before a response arrived. */
  onError(error: NodeJS.ErrnoException): void;
}

/** The client's request carries the latest call, for the proxy's `router` (its target). */
type CarrierRequest = IncomingMessage & { [CALL]?: UpstreamCall };
/** The response handed to the proxy carries its own call: a call sent again gets events of its own attempt only. */
type CarrierResponse = ServerResponse & { [CALL]?: UpstreamCall };

const CALL = Symbol('express-provider-router.upstreamCall');

/** Sends requests upstream through http-proxy-middleware over keep-alive agents. */
export interface UpstreamTransport {
  send(req: IncomingMessage, res: ServerResponse, call: UpstreamCall): void;
  /** The keep-alive agents requests go through, for the router's other upstream requests (model lists). */
  readonly agents: { http: http.Agent; https: https.Agent };
  /** Destroys the keep-alive sockets, in use or idle; nothing is sent after it. */
  close(): void;
  /** `close()` was called: a request that failed with it is not sent again. */
  readonly closed: boolean;
}

/**
 * Creates the transport: one http-proxy-middleware instance per protocol, each with a keep-alive
 * agent (without one every request opens a connection: about half the throughput, measured).
 */
export function createUpstreamTransport(): UpstreamTransport {
  // maxSockets stays unlimited: httpxy emits `proxyReq` on the socket event, and the body
  // must be written there before the already-ended client request ends the upstream one.
  const httpAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const httpsAgent = new https.Agent({ keepAlive: true, scheduling: 'lifo' });
  const proxies = {
    'http:': createProxy(httpAgent),
    'https:': createProxy(httpsAgent),
  };
  let closed = false;
  return {
    agents: { http: httpAgent, https: httpsAgent },
    get closed() {
      return closed;
    },
    send(req, res, call) {
      if (closed) {
        // A request that reached the transport as close() ran: nothing more goes upstream.
        const error: NodeJS.ErrnoException = Object.assign(new Error('the router is closed'), { code: 'ERR_ROUTER_CLOSED' });
        process.nextTick(() => call.onError(error));
        return;
      }
      const carrier = req as CarrierRequest;
      carrier[CALL] = call;
      // The router has read the body; an `Expect` header would stop httpxy from emitting
      // `proxyReq`, where the body is written.
      delete carrier.headers.expect;
      const proxy = call.url.startsWith('https:') ? proxies['https:'] : proxies['http:'];
      // httpxy destroys the response it is given when an upstream answer closes early, which would
      // leave no way to send the client an error frame or a 502; the router answers on `res` itself,
      // so the proxy gets a response that goes nowhere.
      const standIn: CarrierResponse = new ServerResponse(req);
      standIn[CALL] = call;
      void proxy(req, standIn, (error?: unknown) => call.onError(toErrno(error)));
    },
    close() {
      closed = true;
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function createProxy(agent: http.Agent) {
  const targets = new ProxyTargets();
  return createProxyMiddleware({
    router: (req) => {
      const call = (req as CarrierRequest)[CALL];
      // send() attaches the call before it hands a request to a proxy.
      if (!call) throw new Error('express-provider-router: a request reached the upstream proxy without its call');
      return targets.for(call.url);
    },
    ignorePath: true,
    changeOrigin: true,
    selfHandleResponse: true,
    agent,
    ejectPlugins: true,
    plugins: [routerCallPlugin],
  });
}

/** Hands every proxy event to the call the router attached to the request. */
const routerCallPlugin: Plugin = (proxyServer) => {
  proxyServer.on('proxyReq', (proxyRequest, _req, res) => {
    const call = (res as CarrierResponse)[CALL];
    if (!call) return;
    // httpxy copied every client header; the upstream gets only what the router decided.
    for (const name of proxyRequest.getHeaderNames()) {
      if (name !== 'host') proxyRequest.removeHeader(name);
    }
    for (const [name, value] of Object.entries(call.headers)) proxyRequest.setHeader(name, value);
    proxyRequest.setHeader('content-length', call.body.length);
    proxyRequest.write(call.body);
    call.onRequest(proxyRequest);
  });
  proxyServer.on('proxyRes', (upstreamResponse, _req, res) => {
    (res as CarrierResponse)[CALL]?.onResponse(upstreamResponse);
  });
  proxyServer.on('error', (error, _req, res) => {
    (res as CarrierResponse)[CALL]?.onError(error);
  });
  // Raised instead of `error` when the client is already gone; the router's abort handling has
  // it covered.
  proxyServer.on('econnreset', () => undefined);
};

/** The parts of a target httpxy reads; `pathname` carries the query too (the client's path is ignored). */
interface ProxyTarget {
  protocol: string;
  hostname: string;
  port: string;
  pathname: string;
}

/**
 * Upstream URLs parsed once: httpxy parses a target given as a string on every request. The
 * URLs are a provider's base URL and an endpoint path, plus a client's query on passthrough, so
 * the cache is bounded and starts over when full.
 */
class ProxyTargets {
  static readonly #LIMIT = 256;
  readonly #parsed = new Map<string, ProxyTarget>();

  for(url: string): ProxyTarget {
    let target = this.#parsed.get(url);
    if (!target) {
      if (this.#parsed.size >= ProxyTargets.#LIMIT) this.#parsed.clear();
      const parsed = new URL(url);
      target = {
        protocol: parsed.protocol,
        // http.request wants an IPv6 address without its brackets; httpxy brackets it again for `Host`.
        hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: parsed.port,
        pathname: parsed.pathname + parsed.search,
      };
      this.#parsed.set(url, target);
    }
    return target;
  }
}

function toErrno(error: unknown): NodeJS.ErrnoException {
  return error instanceof Error ? error : new Error(String(error));
}
