import type { ServerResponse } from 'node:http';
import { credentialsIn } from '../config/adapter-credentials';
import type { ResolvedConfig } from '../config/resolve-config';
import { ProviderRouterError } from '../errors';
import type { Dialect } from '../dialects/dialect';
import { readJsonBody, type BodyCarrier } from '../http/read-body';
import { discardLimit, discardRestOfBody } from '../http/discard-body';
import { hostAnswered } from '../http/host-answered';
import type { Redactor } from '../http/redactor';
import { requestIdOf } from '../http/request-id';
import { routerErrorHeaders } from './exchange-headers';
import { sendRouterError } from '../http/send-error';
import type { UpstreamTransport } from '../proxy/upstream-transport';
import { decideRoute, notConfigured, type RoutingTable } from '../routing/resolve-model';
import type { ConversationLog } from '../telemetry/conversation-log';
import type { RouterTelemetry } from '../telemetry/emitter';
import { ENDPOINTS, type Endpoint } from '../routing/endpoint';
import { isUsableModel, MAX_MODEL_LENGTH } from '../routing/usable-model';
import { RequestRecorder, type Conversation } from '../telemetry/request-recorder';
import { planExchange, type ExchangePlan } from './plan-exchange';
import { runExchange } from './run-exchange';

/** What serving an endpoint needs, built once at creation. */
export interface EndpointDependencies {
  config: ResolvedConfig;
  table: RoutingTable;
  transport: UpstreamTransport;
  redactor: Redactor;
  telemetry: RouterTelemetry;
  conversationLog: ConversationLog | undefined;
}

/**
 * Serves one request to a model endpoint: reads and checks the body, routes it by `model`, plans
 * the exchange and runs it. Errors before anything goes upstream are answered here, in the
 * client's dialect.
 */
export async function serveEndpoint(
  req: BodyCarrier,
  res: ServerResponse,
  next: () => void,
  endpoint: Endpoint,
  query: string,
  deps: EndpointDependencies,
): Promise<void> {
  const clientDialect: Dialect = ENDPOINTS[endpoint].dialect;
  const { config } = deps;
  const requestId = requestIdOf(req, res, deps.redactor);
  try {
    const body = await readJsonBody(req, config.maxBodyBytes);
    const model = modelOf(body);
    const decision = decideRoute(model, deps.table);
    if (decision.kind === 'next') {
      next();
      return;
    }
    const { provider, upstreamModel } = decision;
    // A host's adapter may read its key from a store on each request: one rotated since the
    // router was created is redacted from this request's answer, events and record too. A
    // built-in's key is fixed, and in `deps.redactor` since creation.
    if (!config.fixedCredentials.has(provider)) {
      const redactor = deps.redactor.withSecrets(credentialsIn(provider));
      deps = redactor === deps.redactor ? deps : { ...deps, redactor };
    }
    // Whether the answer is a stream: `/embeddings` and `count_tokens` answer whole whatever the body says.
    const stream = ENDPOINTS[endpoint].streams && body.stream === true;
    const recorder = new RequestRecorder(
      { provider: provider.id, requestId, model, upstreamModel, endpoint, stream },
      conversationOf(clientDialect, body),
      deps,
    );
    let plan: ExchangePlan;
    try {
      if (!provider.enabled) throw notConfigured(provider);
      plan = planExchange({
        endpoint,
        provider,
        upstreamModel,
        body,
        query,
        requestStreamUsage: config.requestStreamUsage,
      });
    } catch (error) {
      // The host answered while the body was read (its request timeout): the exchange ends as
      // abandoned with the host's status, as runExchange ends it.
      if (hostAnswered(res)) {
        recorder.end({ status: res.statusCode, outcome: 'aborted', summary: undefined });
        return;
      }
      const known = error instanceof ProviderRouterError ? error : routerFailure();
      const headerContext = { provider, requestId, clientDialect, scrubHeaders: config.scrubHeaders };
      sendRouterError(res, clientDialect, known, { requestId, provider: provider.id }, deps.redactor, (headers) =>
        routerErrorHeaders(headers, headerContext, deps.redactor),
      );
      recorder.end({ status: known.status, outcome: 'error', summary: undefined, error: { message: known.message, type: known.type } });
      return;
    }
    try {
      runExchange({ req, res, requestId, clientDialect, provider, plan, recorder }, deps);
    } catch {
      // A fault of the router's own: the client still gets an answer, and request.end its one event.
      if (!res.headersSent) sendRouterError(res, clientDialect, routerFailure(), { requestId, provider: provider.id }, deps.redactor);
      recorder.end({
        status: 500,
        outcome: 'error',
        summary: undefined,
        error: { message: 'The router failed to handle the request', type: 'server_error' },
      });
    }
  } catch (error) {
    // The rest of a body too large is read away so that the 413 reaches a client still sending;
    // one announced beyond what is read away closes its connection instead.
    if (error instanceof ProviderRouterError && error.status === 413 && !discardRestOfBody(req, res, discardLimit(config.maxBodyBytes))) {
      if (!res.headersSent) res.setHeader('connection', 'close');
    }
    sendRouterError(res, clientDialect, error, { requestId }, deps.redactor);
  }
}

function routerFailure(): ProviderRouterError {
  return new ProviderRouterError('upstream_error', 'The router failed to handle the request', 500, 'server_error');
}

function modelOf(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new ProviderRouterError('invalid_model', 'The request needs a "model" string, such as "gpt-4o-mini" or "anthropic/claude-sonnet-5-5"', 400);
  }
  if (!isUsableModel(model)) {
    throw new ProviderRouterError('invalid_model', `"model" must be at most ${MAX_MODEL_LENGTH} characters without control characters`, 400);
  }
  return model;
}

/** What the client sent of the conversation, for the conversation log. */
function conversationOf(dialect: Dialect, body: Record<string, unknown>): Conversation {
  switch (dialect) {
    case 'anthropic':
      return body.system === undefined ? { messages: body.messages } : { messages: body.messages, system: body.system };
    case 'responses': {
      // A string input is one user message.
      const messages = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
      return body.instructions === undefined ? { messages } : { messages, instructions: body.instructions };
    }
    case 'openai':
      return { messages: body.messages ?? body.prompt ?? body.input };
  }
}
