import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveConfig } from './config/resolve-config';
import { ProviderRouterError, routerClosedError } from './errors';
import { serveEndpoint } from './exchange/serve-endpoint';
import { createRedactor } from './http/redactor';
import { requestIdHeaders } from './http/header-policy';
import { requestIdOf } from './http/request-id';
import { sendRouterError } from './http/send-error';
import { writeHead } from './http/write-head';
import { entriesAfterCursor } from './models/anthropic-cursor';
import { mergeModels, toAnthropicModelList, type MergedModel } from './models/merge-models';
import { ModelCatalog } from './models/model-catalog';
import type { ConversationLogger, ProviderRouterOptions } from './options';
import { createUpstreamTransport } from './proxy/upstream-transport';
import { ENDPOINTS } from './routing/endpoint';
import { hostRoutesCaseSensitively, matchRoute } from './routing/match-route';
import type { RoutingTable } from './routing/resolve-model';
import { RouterTelemetry } from './telemetry/emitter';
import { ConversationLog } from './telemetry/conversation-log';
import { createConversationFileLog, createDefaultLogger, redactingLogger } from './telemetry/loggers';
import { hostAnswered } from './http/host-answered';

/** The middleware `createProviderRouter()` returns, with its telemetry and model list. */
export interface ProviderRouter {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Subscribe here: `router.telemetry.on('request.end', (e) => ...)`. */
  readonly telemetry: RouterTelemetry;
  /**
   * The merged model list that `GET /models` serves; each call resolves with a copy of its own.
   * @throws ProviderRouterError (`router_closed`, as a rejection) after {@link ProviderRouter.close}.
   */
  listModels(): Promise<MergedModel[]>;
  /**
   * Releases keep-alive sockets, timers and the conversation log file. A request still waiting on
   * its upstream or reading a JSON answer fails with a 502 `router_closed`, a stream still arriving
   * ends with its dialect's error frame, and requests after it are answered 503 `router_closed`.
   */
  close(): Promise<void>;
}

/**
 * Creates the router: Express middleware that serves `POST /chat/completions`, `/completions`,
 * `/embeddings`, `/messages`, `/messages/count_tokens`, `/responses` and `GET /models` relative to
 * where it is mounted, routing each request by `model`. Every setting is read and checked once, here.
 *
 * @throws ProviderRouterError (`invalid_config`) naming every bad variable or option.
 * @example
 * const router = createProviderRouter();
 * app.use('/v1', router);
 * router.telemetry.on('request.end', (e) => stats.record(e));
 */
export function createProviderRouter(options: ProviderRouterOptions = {}): ProviderRouter {
  if (isRequestLike(options)) {
    throw new ProviderRouterError(
      'invalid_config',
      'createProviderRouter was mounted as middleware: write app.use(createProviderRouter()), not app.use(createProviderRouter)',
      500,
    );
  }
  const config = resolveConfig(options);
  const redactor = createRedactor(config.secrets);
  const logger = redactingLogger(config.logger ?? createDefaultLogger(), redactor);
  const telemetry = new RouterTelemetry(logger);
  const transport = createUpstreamTransport();
  const fileLog =
    config.conversationLogger === undefined && config.env.CONVERSATION_LOG_FILE
      ? createConversationFileLog(config.env.CONVERSATION_LOG_FILE, (message, meta) => logger.error(message, meta))
      : undefined;
  const conversationLogger: ConversationLogger | undefined =
    config.conversationLogger === false ? undefined : (config.conversationLogger ?? fileLog?.logger);
  const table: RoutingTable = { providers: config.providers, modelMap: config.modelMap, fallback: config.fallback };
  const catalog = new ModelCatalog(
    [...config.providers.values()],
    { ttlMs: config.modelsTtlMs, timeoutMs: config.modelListTimeoutMs, staticModels: config.staticModels },
    telemetry,
    redactor,
    // A provider whose list fails is the world misbehaving, as an upstream 502 is: it is reported as
    // `models.error`, and reaches a log only when the host gave the router one (stderr stays quiet).
    config.logger ? logger : undefined,
    transport.agents,
  );
  const mergedModels = async (): Promise<MergedModel[]> => {
    // As `GET /models` answers 503: an empty list would look like every provider had none.
    if (transport.closed) throw routerClosedError();
    return mergeModels(await catalog.lists(), table);
  };
  // The entries share their nested values (`pricing`, `meta`) with the cached lists: the host gets
  // a copy of its own, so that rewriting what it got changes neither `GET /models` nor the next call.
  const listModels = async (): Promise<MergedModel[]> => structuredClone(await mergedModels());

  const conversationLog = conversationLogger && new ConversationLog(conversationLogger, redactor, conversationLogger === fileLog?.logger);
  const endpointDeps = { config, table, transport, redactor, telemetry, conversationLog };

  const serveModels = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const anthropic = Boolean(req.headers['anthropic-version']);
    let models: MergedModel[];
    try {
      models = await mergedModels();
      // close() ran while the lists were asked for: the lists it cut short are no providers without
      // models, and a model picker shown an empty list would drop every entry.
      if (transport.closed) throw routerClosedError();
    } catch (error) {
      // Answered in the client's shape, not handed to the host's error handler (an HTML page).
      sendRouterError(res, anthropic ? 'anthropic' : 'openai', error, { requestId: requestIdOf(req, res, redactor) }, redactor);
      return;
    }
    // The host answered while the lists were fetched (its request timeout): the answer is its own.
    if (hostAnswered(res)) return;
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const body = anthropic ? toAnthropicModelList(entriesAfterCursor(models, query)) : { object: 'list', data: models };
    writeHead(res, 200, {
      'content-type': 'application/json; charset=utf-8',
      ...requestIdHeaders(requestIdOf(req, res, redactor), anthropic ? 'anthropic' : 'openai'),
    });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
  };

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const route = matchRoute(req.method, req.url, hostRoutesCaseSensitively(req));
    if (!route) {
      next();
      return;
    }
    if (route.kind === 'not-served') {
      const notServed = new ProviderRouterError('unsupported_endpoint', route.message, 404, 'not_found_error');
      sendRouterError(res, 'openai', notServed, { requestId: requestIdOf(req, res, redactor) }, redactor);
      return;
    }
    // Closed, the router opens no connection and starts no timer: its agents and timers are released.
    if (transport.closed) {
      // An Anthropic client (it sends `anthropic-version`) reads only Anthropic's error shape.
      const dialect = route.kind === 'models' ? (req.headers['anthropic-version'] ? 'anthropic' : 'openai') : ENDPOINTS[route.endpoint].dialect;
      sendRouterError(res, dialect, routerClosedError(), { requestId: requestIdOf(req, res, redactor) }, redactor);
      return;
    }
    const done = route.kind === 'models' ? serveModels(req, res) : serveEndpoint(req, res, next, route.endpoint, route.query, endpointDeps);
    done.catch((error: unknown) => next(error));
  };

  return Object.assign(middleware, {
    telemetry,
    listModels,
    close: async () => {
      catalog.close();
      transport.close();
      // Requests in flight fail on their destroyed sockets within a turn or two of the event loop;
      // their records are written before the log closes.
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      conversationLog?.close();
      await fileLog?.close();
    },
  });
}

function isRequestLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'method' in value && 'headers' in value && 'url' in value;
}
