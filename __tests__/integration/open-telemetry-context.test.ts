/**
 * The OpenTelemetry bridge under a host that traces its own requests (the usual set-up: HTTP
 * instrumentation makes a SERVER span active for each request): the router's CLIENT span is that
 * span's child, in its trace, on Express 4 and 5, with or without `express.json()` first, streamed
 * or not. Spans started outside the request's context would be orphans in every trace view.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import express from 'express';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry } from '../../lib';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postJson } from '../support/http-client';
import { waitUntil } from '../support/wait';

/** What `@opentelemetry/context-async-hooks` provides, in the few lines the test needs. */
class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

let fakes: Fakes;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  fakes = await startFakes();
});
afterAll(async () => {
  await fakes.close();
  context.disable();
  trace.disable();
});

const USER = [{ role: 'user', content: 'hi' }];

describe.each([
  ['Express 5', 5, false],
  ['Express 4', 4, false],
  ['Express 5, express.json() first', 5, true],
  ['Express 4, express.json() first', 4, true],
] as const)('%s', (_name, expressVersion, jsonFirst) => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost(
      { env: envFor(fakes) },
      {
        expressVersion,
        before: (app) => {
          app.use((_req, res, next) => {
            trace.getTracer('host').startActiveSpan('server', (span) => {
              res.on('finish', () => span.end());
              next();
            });
          });
          if (jsonFirst) app.use(express.json());
        },
      },
    );
    instrumentOpenTelemetry(host.router.telemetry, trace.getTracer('router'));
  });
  afterAll(() => host.close());

  test.each([
    ['chat completions', 'chat/completions', 'gpt-4o-mini', { messages: USER }],
    ['/messages', 'messages', 'anthropic/claude-sonnet-5-5', { max_tokens: 5, messages: USER }],
    ['/responses', 'responses', 'openai/gpt-5.5', { input: 'hi' }],
  ])('%s: the router span is the child of the host span', async (_route, path, model, body) => {
    for (const stream of [false, true]) {
      exporter.reset();
      expect((await postJson(`${host.url}/v1/${path}`, { model, stream, ...body })).status).toBe(200);
      await waitUntil(() => exporter.getFinishedSpans().length === 2, 2000, 'the host span and the router span');
      const spans = exporter.getFinishedSpans();
      const server = spans.find((span) => span.name === 'server');
      const client = spans.find((span) => span.name !== 'server');
      expect(client?.spanContext().traceId).toBe(server?.spanContext().traceId);
      expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    }
  });
});
