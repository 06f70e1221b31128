/**
 * DESIGN sections 1 to 6, checked where the suites held a sentence for some routes only: the
 * `fallback: 'next'` body hand-over, `provider_not_configured` and client hang-up on `/completions`,
 * `/embeddings` and `/messages/count_tokens`; `*` anywhere in a map pattern; one error naming every
 * bad variable at once; options in code winning over valid env twins, seen from outside. Real
 * Express hosts (4 and 5 where it matters), fakes in each provider's wire format, and the real
 * `openai` and `@anthropic-ai/sdk` clients.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createProviderRouter, ProviderRouterError, type RequestEndEvent, type ScrubHeadersContext } from '../../lib';
import { beforeRouter } from '../support/first-host/first-host.cjs';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, silentLogger, startHost, type Host } from '../support/host';
import { postInFlight, postJson, rawRequest } from '../support/http-client';
import { KEYS } from '../support/keys';
import { observe } from '../support/observe';
import { unusedPort } from '../support/ports';
import { rejectionOf, thrownBy } from '../support/rejection';
import { responsesFrames } from '../support/responses-wire';
import { chatBody } from '../support/request-bodies';
import { sendJson } from '../support/upstream-answers';
import { sleep, waitUntil, within } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof import('express');

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream;
const fakes = (): FakeUpstream[] => [openai, openrouter, local, anthropic];
const received = () => fakes().flatMap((fake) => fake.requests);

beforeAll(async () => {
  [openai, openrouter, local, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic');
});
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(() => Promise.all(fakes().map((fake) => fake.close())));

const allFakes = (): Record<string, string> => envFor({ openai, openrouter, local, anthropic });
const HELLO = [{ role: 'user' as const, content: 'hi' }];

/** Runs `check` against a host started for it, and closes the host whatever happens. */
async function withHost(
  options: Parameters<typeof startHost>[0],
  check: (host: Host) => Promise<void>,
  hostOptions?: Parameters<typeof startHost>[1],
) {
  const host = await startHost(options, hostOptions);
  try {
    await check(host);
  } finally {
    await host.close();
  }
}

describe.each([4, 5] as const)("Express %i, fallback 'next' (section 1): the other routes hand the body over, marked as parsed", (expressVersion) => {
  // contract-matrix checks /chat/completions, /messages and /responses.
  test.each([
    ['/completions', { model: 'qwen', prompt: 'hi' }],
    ['/embeddings', { model: 'qwen', input: 'hi' }],
    ['/messages/count_tokens', { model: 'qwen', messages: HELLO }],
  ])('%s: the host sees the body the router read, and a later express.json() does not wait for it', async (route, body) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = (expressVersion === 4 ? require('express4') : require('express')) as typeof import('express');
    await withHost(
      { env: allFakes(), fallback: 'next' },
      async (host) => {
        const res = await within(postJson(`${host.url}/v1${route}`, body), 3_000, `the host's answer on ${route}`);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toEqual({ servedBy: 'host', path: route, body });
        expect(received()).toHaveLength(0);
      },
      {
        expressVersion,
        after: (app) => {
          app.use(express.json());
          app.use('/v1', (req, res) => void res.json({ servedBy: 'host', path: req.path, body: req.body as unknown }));
        },
      },
    );
  });
});

describe.each([4, 5] as const)('Express %i: every other path calls next() untouched (section 1), its body still unread', (expressVersion) => {
  // contract-matrix checks that such paths reach the host; here the host reads the body itself.
  const MULTIPART = '--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b--\r\n';
  test.each([
    ['POST', '/v1/files', MULTIPART, 'multipart/form-data; boundary=b'],
    ['POST', '/v1/audio/transcriptions', '{"model":"gpt-4o-transcribe"}', 'application/json'],
    ['POST', '/v1/messages/batches', '{"requests":[{"params":{"model":"claude-x"}}]}', 'application/json'],
    ['POST', '/v1/embeddings/extra', '{"model":"gpt-4o"}', 'application/json'],
    ['GET', '/v1/models/gpt-4o', undefined, undefined],
    ['GET', '/v1/messages', undefined, undefined],
    ['GET', '/v1/messages/count_tokens', undefined, undefined],
  ])('%s %s reaches the host with its body and headers as sent', async (method, path, body, contentType) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = (expressVersion === 4 ? require('express4') : require('express')) as typeof import('express');
    await withHost(
      { env: allFakes() },
      async (host) => {
        const res = await within(
          rawRequest({ url: host.url + path, method, headers: contentType ? { 'content-type': contentType } : {}, ...(body ? { body } : {}) }),
          3_000,
          'the host answer',
        );
        expect(res.status).toBe(299);
        expect(res.headers['x-request-id']).toBeUndefined();
        expect(JSON.parse(res.text)).toEqual({ url: path, body: body ?? '', contentType: contentType ?? null });
        expect(received()).toHaveLength(0);
      },
      {
        expressVersion,
        after: (app) => {
          app.use(express.raw({ type: () => true }));
          app.use((req, res) =>
            res.status(299).json({
              url: req.originalUrl,
              body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '',
              contentType: req.headers['content-type'] ?? null,
            }),
          );
        },
      },
    );
  });
});

describe('a prefix or map rule naming a provider with no key (section 1): 400 naming the variable, nothing sent, on the other routes', () => {
  let host: Host;
  beforeAll(async () => {
    // Every fake is reachable; openai, openrouter and anthropic have no key.
    host = await startHost({
      env: {
        LOCAL_BASE_URL: local.baseUrl,
        OPENAI_BASE_URL: openai.baseUrl,
        OPENROUTER_BASE_URL: openrouter.baseUrl,
        ANTHROPIC_BASE_URL: anthropic.baseUrl,
        PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini,cl-*=anthropic,router-*=openrouter',
      },
    });
  });
  afterAll(() => host.close());

  const chat = (): OpenAI => new OpenAI({ apiKey: 'host-user-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const messages = (): Anthropic => new Anthropic({ apiKey: 'host-user-token', baseURL: host.url, maxRetries: 0 });

  test.each([
    ['/completions, prefix', 'OPENAI_API_KEY', 'openai/gpt-4o', (model: string) => chat().completions.create({ model, prompt: 'hi' })],
    ['/completions, map', 'OPENAI_API_KEY', 'fast', (model: string) => chat().completions.create({ model, prompt: 'hi' })],
    ['/embeddings, prefix', 'OPENROUTER_API_KEY', 'openrouter/x/y', (model: string) => chat().embeddings.create({ model, input: 'hi' })],
    ['/embeddings, map', 'OPENROUTER_API_KEY', 'router-embed', (model: string) => chat().embeddings.create({ model, input: 'hi' })],
    ['/responses, map', 'ANTHROPIC_API_KEY', 'cl-sonnet', (model: string) => chat().responses.create({ model, input: 'hi' })],
    [
      '/chat/completions streamed, map',
      'OPENAI_API_KEY',
      'fast',
      (model: string) => chat().chat.completions.create({ model, messages: HELLO, stream: true }),
    ],
  ])('%s (the openai SDK): a 400 with code provider_not_configured naming %s (model %s)', async (_name, variable, model, call) => {
    const error = await rejectionOf(call(model), OpenAI.APIError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('provider_not_configured');
    expect(error.message).toContain(variable);
    expect(received()).toHaveLength(0);
  });

  test.each([
    ['/messages/count_tokens, prefix', 'anthropic/claude-x', (model: string) => messages().messages.countTokens({ model, messages: HELLO })],
    ['/messages/count_tokens, map', 'cl-haiku', (model: string) => messages().messages.countTokens({ model, messages: HELLO })],
    ['/messages streamed, map', 'cl-haiku', (model: string) => messages().messages.create({ model, max_tokens: 16, messages: HELLO, stream: true })],
  ])('%s (the Anthropic SDK, model %s): a 400 invalid_request_error naming ANTHROPIC_API_KEY', async (_name, model, call) => {
    const error = await rejectionOf(call(model), Anthropic.APIError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('ANTHROPIC_API_KEY') },
    });
    expect(received()).toHaveLength(0);
  });
});

describe('scrubHeaders on the other routes (section 1): both directions, told the provider and the request id; the auth set after it', () => {
  // extensibility-matrix checks chat, /messages and /responses; security/header-matrix these routes' directions only.
  const LOCAL_KEY = 'llama-key-0123456789abcdef';
  const AUTH: Record<string, [string, string]> = {
    openai: ['authorization', `Bearer ${KEYS.openai}`],
    openrouter: ['authorization', `Bearer ${KEYS.openrouter}`],
    local: ['authorization', `Bearer ${LOCAL_KEY}`],
    anthropic: ['x-api-key', KEYS.anthropic],
  };
  test.each([
    ['/completions', 'openai', { model: 'openai/gpt-3.5-turbo-instruct', prompt: 'hi' }],
    ['/completions', 'local', { model: 'local/qwen', prompt: 'hi' }],
    ['/embeddings', 'openrouter', { model: 'openrouter/x/embed', input: 'hi' }],
    ['/embeddings', 'local', { model: 'local/qwen', input: 'hi' }],
    ['/messages/count_tokens', 'anthropic', { model: 'anthropic/claude-x', messages: HELLO }],
    ['/messages/count_tokens', 'local', { model: 'local/qwen', messages: HELLO }],
  ] as const)('%s to %s', async (path, provider, body) => {
    const calls: Array<{ headers: Record<string, string>; context: ScrubHeadersContext }> = [];
    const [authName, authValue] = AUTH[provider]!;
    const scrubHeaders = (headers: Record<string, string>, context: ScrubHeadersContext): Record<string, string> => {
      calls.push({ headers: { ...headers }, context: { ...context } });
      // Tries to take the auth away, and to put its own in its place.
      const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== authName));
      return context.direction === 'upstream' ? { ...rest, [authName]: 'hook-auth', 'x-team': 'blue' } : { ...rest, 'x-served-by': 'router' };
    };
    await withHost({ env: { ...allFakes(), LOCAL_API_KEY: LOCAL_KEY }, scrubHeaders }, async (host) => {
      const res = await postJson(`${host.url}/v1${path}`, body, {
        headers: { authorization: 'Bearer host-user-token', 'x-api-key': 'host-x-api-key' },
      });
      expect(res.status).toBe(200);
      const requestId = res.headers['x-request-id'];
      expect(calls.map((call) => call.context)).toEqual([
        { direction: 'upstream', provider, requestId },
        { direction: 'client', provider, requestId },
      ]);
      const given = JSON.stringify(calls);
      for (const secret of [...Object.values(KEYS), LOCAL_KEY, 'host-user-token', 'host-x-api-key']) expect(given).not.toContain(secret);
      const fake = { openai, openrouter, local, anthropic }[provider];
      const sent = fake.requests.filter((request) => request.method === 'POST');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers[authName]).toBe(authValue);
      expect(sent[0]!.headers['x-team']).toBe('blue');
      expect(res.headers['x-served-by']).toBe('router');
    });
  });
});

describe('PROVIDER_MODEL_MAP: `*` anywhere in a pattern (section 1, rule 2)', () => {
  test.each([
    ['a leading `*`', '*-preview=openrouter', 'gpt-5-preview', 'openrouter', 'gpt-5-preview'],
    ['a `*` in the middle', 'qwen*coder=openrouter:qwen/qwen3-coder', 'qwen3-30b-coder', 'openrouter', 'qwen/qwen3-coder'],
    ['two `*`', '*llama*=openrouter', 'meta-llama-3-8b', 'openrouter', 'meta-llama-3-8b'],
    ['a `*` matching nothing', 'qwen*coder=openrouter', 'qwencoder', 'openrouter', 'qwencoder'],
    ['a middle `*` that does not match', 'qwen*coder=openrouter', 'qwen3-coder-x', 'local', 'qwen3-coder-x'],
    ['the first match wins', 'a*=openai:first,*b=openrouter:second', 'ab', 'openai', 'first'],
    ['a pattern with regex characters is literal', 'a.b+(c)*=openrouter', 'a.b+(c)-x', 'openrouter', 'a.b+(c)-x'],
    ['regex characters do not match others', 'a.b*=openrouter', 'axb-1', 'local', 'axb-1'],
  ])('%s: %p sends %s to %s as %s', async (_name, map, model, provider, upstreamModel) => {
    await withHost({ env: { ...allFakes(), PROVIDER_MODEL_MAP: map } }, async (host) => {
      const res = await postJson(`${host.url}/v1/chat/completions`, chatBody(model));
      expect(res.status).toBe(200);
      const fake = { openai, openrouter, local, anthropic }[provider as 'openai'];
      expect(received()).toHaveLength(1);
      expect(fake.requests[0]!.body?.model).toBe(upstreamModel);
    });
  });

  test('a pattern of many `*` against a long model that almost matches is decided at once, the event loop not held', async () => {
    await withHost({ env: { ...allFakes(), PROVIDER_MODEL_MAP: '*-*-*-*-*-fast=openrouter' } }, async (host) => {
      const startedAt = performance.now();
      const res = await within(postJson(`${host.url}/v1/chat/completions`, chatBody(`${'-'.repeat(255)}x`)), 5_000, 'the answer');
      expect(res.status).toBe(200);
      expect(local.requests).toHaveLength(1);
      expect(performance.now() - startedAt).toBeLessThan(1_000);
    });
  });
});

describe('built-in rules only for enabled providers (section 1, rule 3), on the other routes', () => {
  // contract-matrix checks /chat/completions.
  const ROUTES: Array<[string, string, 'openai' | 'anthropic', Record<string, unknown>]> = [
    ['/messages', 'claude-3-5-sonnet', 'anthropic', { max_tokens: 16, messages: HELLO }],
    ['/messages', 'gpt-4o', 'openai', { max_tokens: 16, messages: HELLO }],
    ['/messages/count_tokens', 'claude-3-5-sonnet', 'anthropic', { messages: HELLO }],
    ['/responses', 'o3-mini', 'openai', { input: 'hi' }],
    ['/responses', 'claude-3-5-sonnet', 'anthropic', { input: 'hi' }],
    ['/completions', 'gpt-3.5-turbo-instruct', 'openai', { prompt: 'hi' }],
    ['/embeddings', 'chatgpt-embed', 'openai', { input: 'hi' }],
  ];
  test.each(ROUTES.flatMap(([path, model, provider, extra]) => [true, false].map((enabled) => [path, model, provider, enabled, extra] as const)))(
    '%s %s, %s enabled %p: served by it when enabled, else by the llama-server, as asked',
    async (path, model, provider, enabled, extra) => {
      const env = enabled ? allFakes() : { LOCAL_BASE_URL: local.baseUrl, OPENAI_BASE_URL: openai.baseUrl, ANTHROPIC_BASE_URL: anthropic.baseUrl };
      await withHost({ env }, async (host) => {
        const res = await postJson(`${host.url}/v1${path}`, { model, ...extra });
        expect(res.status).toBe(200);
        const fake = enabled ? { openai, anthropic }[provider] : local;
        const sent = fake.requests.filter((request) => request.method === 'POST');
        expect(sent).toHaveLength(1);
        expect(sent[0]!.body?.model).toBe(model);
        expect(received().filter((request) => request.method === 'POST')).toHaveLength(1);
      });
    },
  );
});

describe('invalid values (section 1, Environment): one error names every bad variable at once', () => {
  test('a bad value in every variable that has a form', () => {
    const bad: Record<string, string> = {
      OPENAI_BASE_URL: 'ftp://api.example',
      OPENROUTER_BASE_URL: 'openrouter',
      ANTHROPIC_BASE_URL: 'file:///x',
      LOCAL_BASE_URL: 'localhost:9931',
      PROVIDER_MODEL_MAP: 'nonsense',
      PROVIDER_TIMEOUT_MS: 'soon',
      PROVIDER_IDLE_TIMEOUT_MS: 'later',
      PROVIDER_MAX_BODY_BYTES: 'big',
      PROVIDER_MODELS_TTL_MS: 'long',
      ANTHROPIC_MAX_TOKENS: 'many',
      ANTHROPIC_THINKING: 'sometimes',
      LOCAL_RESPONSES: 'maybe',
      OPENAI_RESPONSES: 'perhaps',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq,together',
      GROQ_BASE_URL: 'groq.example/v1',
      GROQ_RESPONSES: 'whatever',
    };
    let error: unknown;
    try {
      createProviderRouter({ env: bad, logger: silentLogger }).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    // TOGETHER_BASE_URL is required and missing.
    for (const name of [...Object.keys(bad).filter((name) => name !== 'OPENAI_COMPATIBLE_PROVIDERS'), 'TOGETHER_BASE_URL'])
      expect(message).toContain(name);
  });

  test('a plain-JS env that is not all text: an object is named with the other bad variables, not a TypeError', () => {
    const env = {
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      PROVIDER_TIMEOUT_MS: { ms: 500 },
      GROQ_API_KEY: ['k'],
      OPENAI_BASE_URL: 'ftp://api.example',
      HOST_OWN: {},
      STRIPE_API_KEY: {},
      PROVIDER_IDLE_TIMEOUT_MS: { ms: 1 },
    };
    const error = thrownBy(
      () => createProviderRouter({ env: env as unknown as Record<string, string>, idleTimeoutMs: 100, logger: silentLogger }),
      ProviderRouterError,
    );
    expect(error.code).toBe('invalid_config');
    for (const name of ['PROVIDER_TIMEOUT_MS', 'GROQ_API_KEY', 'OPENAI_BASE_URL']) expect(error.message).toContain(name);
    // Variables the router does not read: the host's own, another provider's, one an option overrides.
    for (const name of ['HOST_OWN', 'STRIPE_API_KEY', 'PROVIDER_IDLE_TIMEOUT_MS']) expect(error.message).not.toContain(name);
  });

  test('numbers and booleans are read as process.env would hold them: a PROVIDER_TIMEOUT_MS of 300 gives a 504 after 300 ms', async () => {
    openai.handler = () => true;
    const env = { ...allFakes(), PROVIDER_TIMEOUT_MS: 300, PROVIDER_MODEL_MAP: null };
    await withHost({ env: env as unknown as Record<string, string> }, async (host) => {
      const res = await within(postJson(`${host.url}/v1/chat/completions`, chatBody('openai/gpt-4o')), 5_000, 'the 504');
      expect(res.status).toBe(504);
      expect(res.text).toContain('300 ms');
    });
  });
});

describe('options in code win over valid env twins (section 1), seen by a client', () => {
  test('timeoutMs: a 504 after the option, not after PROVIDER_TIMEOUT_MS', async () => {
    openai.handler = () => true;
    await withHost({ env: { ...allFakes(), PROVIDER_TIMEOUT_MS: '30000' }, timeoutMs: 300 }, async (host) => {
      const res = await within(postJson(`${host.url}/v1/chat/completions`, chatBody('openai/gpt-4o')), 5_000, 'the 504');
      expect(res.status).toBe(504);
      expect(res.ms).toBeLessThan(3_000);
    });
  });

  test('idleTimeoutMs: a silent stream ends with the error frame after the option, not after PROVIDER_IDLE_TIMEOUT_MS', async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}\n\n',
      );
      return true;
    };
    await withHost({ env: { ...allFakes(), PROVIDER_IDLE_TIMEOUT_MS: '30000' }, idleTimeoutMs: 300 }, async (host) => {
      const res = await within(
        postJson(`${host.url}/v1/chat/completions`, chatBody('openai/gpt-4o', { stream: true })),
        5_000,
        'the end of the stream',
      );
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/data: \{"error":\{"message":/);
      expect(res.ms).toBeLessThan(3_000);
    });
  });

  test('modelsTtlMs: 0 in code fetches the lists again each time, whatever PROVIDER_MODELS_TTL_MS says', async () => {
    await withHost({ env: { ...allFakes(), PROVIDER_MODELS_TTL_MS: '300000' }, modelsTtlMs: 0 }, async (host) => {
      await host.router.listModels();
      await host.router.listModels();
      expect(openai.requests.filter((request) => request.url.endsWith('/models'))).toHaveLength(2);
    });
  });
});

describe('/messages/count_tokens passed through (sections 2 and 3, as on the other routes)', () => {
  let host: Host;
  let ends: RequestEndEvent[];
  const observed = observe();
  beforeAll(async () => {
    host = await startHost({ env: { ...allFakes(), PROVIDER_TIMEOUT_MS: '400', PROVIDER_IDLE_TIMEOUT_MS: '400' }, maxBodyBytes: 4096 });
    host.router.telemetry.on('request.end', (event) => ends.push(event));
    observed.listen(host.router);
  });
  beforeEach(() => (ends = []));
  afterEach(() => observed.clear());
  afterAll(() => host.close());
  const sdk = (): Anthropic => new Anthropic({ apiKey: 'host-user-token', baseURL: host.url, maxRetries: 0 });

  // streaming-errors-matrix checks these on the other routes.
  test.each([
    ['malformed JSON', '{"model": "anthropic/claude-x", ', 400, 'invalid_request_error'],
    ['no model', JSON.stringify({ messages: HELLO }), 400, 'invalid_request_error'],
    ['a numeric model', JSON.stringify({ model: 42, messages: HELLO }), 400, 'invalid_request_error'],
    [
      'a body over the limit',
      JSON.stringify({ model: 'anthropic/claude-x', messages: [{ role: 'user', content: 'a'.repeat(8192) }] }),
      413,
      'request_too_large',
    ],
  ])("%s: rejected before routing, %i in Anthropic's shape; no request events, nothing sent", async (_what, body, status, type) => {
    const res = await postJson(`${host.url}/v1/messages/count_tokens`, body);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text)).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
    await sleep(20);
    expect(observed.events.filter((event) => event.type.startsWith('request.'))).toEqual([]);
    expect(received()).toHaveLength(0);
  });

  test("an answer whose body stalls after its headers is a 504 in Anthropic's shape, not a hang", async () => {
    anthropic.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"input_tokens":');
      return true;
    };
    const error = await within(
      rejectionOf(sdk().messages.countTokens({ model: 'anthropic/claude-x', messages: HELLO }), Anthropic.APIError),
      3_000,
      'the answer',
    );
    expect(error.status).toBe(504);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    await waitUntil(() => ends.length > 0, 1_000, 'request.end');
    expect(ends[0]).toMatchObject({ endpoint: 'messages.count_tokens', status: 504, outcome: 'error' });
  });

  test.each([
    ['anthropic', 'anthropic/claude-x', () => anthropic],
    ['local', 'local/qwen', () => local],
  ])('to %s: a client hang-up before the answer aborts the upstream request at once; request.end aborted, 499', async (_name, model, fake) => {
    // A host of its own, with 2-second timeouts: "at once" is then well within 1 s on a loaded
    // machine, and still well before the timeout would close the upstream request instead.
    await withHost({ env: allFakes() }, async (own) => {
      const ownEnds: RequestEndEvent[] = [];
      own.router.telemetry.on('request.end', (event) => ownEnds.push(event));
      fake().handler = () => true;
      const call = postInFlight(`${own.url}/v1/messages/count_tokens`, { model, messages: HELLO });
      await waitUntil(() => fake().requests.length > 0, 2_000, 'the request upstream');
      const closed = fake().waitForClientClose();
      call.abort();
      await within(closed, 1_000, 'the upstream request aborted');
      await waitUntil(() => ownEnds.length > 0, 1_000, 'request.end');
      await sleep(50);
      expect(ownEnds).toHaveLength(1);
      expect(ownEnds[0]).toMatchObject({ endpoint: 'messages.count_tokens', status: 499, outcome: 'aborted' });
    });
  });

  test("no headers within PROVIDER_TIMEOUT_MS: a 504 in Anthropic's shape, and the upstream request abandoned", async () => {
    anthropic.handler = () => true;
    const closed = anthropic.waitForClientClose();
    const error = await rejectionOf(sdk().messages.countTokens({ model: 'anthropic/claude-x', messages: HELLO }), Anthropic.APIError);
    expect(error.status).toBe(504);
    expect(error.error).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
    await within(closed, 1_000, 'the upstream request abandoned');
  });

  test("an upstream 500 keeps its status and message, in Anthropic's shape", async () => {
    anthropic.handler = (_request, res) => void sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: 'Counting broke.' } });
    const error = await rejectionOf(sdk().messages.countTokens({ model: 'anthropic/claude-x', messages: HELLO }), Anthropic.APIError);
    expect(error.status).toBe(500);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: 'Counting broke.' } });
  });
});

test("/messages/count_tokens to an unreachable upstream: a 502 in Anthropic's shape (section 3)", async () => {
  await withHost({ env: { ...allFakes(), ANTHROPIC_BASE_URL: `http://127.0.0.1:${await unusedPort()}` } }, async (host) => {
    const client = new Anthropic({ apiKey: 'host-user-token', baseURL: host.url, maxRetries: 0 });
    const error = await rejectionOf(client.messages.countTokens({ model: 'anthropic/claude-x', messages: HELLO }), Anthropic.APIError);
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.any(String) } });
  });
});

describe('client hang-up on the first host (Express 4, compression and loggers wrapping res.write / res.end): the upstream request is aborted at once (section 2)', () => {
  // first-host.test.ts checks chat passed through to openai, mid-stream.
  let host: Host;
  let ends: RequestEndEvent[];
  beforeAll(async () => {
    host = await startHost({ env: allFakes() }, { expressVersion: 4, before: (app) => beforeRouter(app, express4) });
    host.router.telemetry.on('request.end', (event) => ends.push(event));
  });
  beforeEach(() => (ends = []));
  afterAll(() => host.close());

  interface HangUpRoute {
    name: string;
    path: string;
    body: (stream: boolean) => Record<string, unknown>;
    fake: () => FakeUpstream;
    /** The upstream's wire: what its first frame of a stream looks like. */
    wire: 'chat' | 'messages' | 'responses' | 'json';
    streams: boolean;
  }
  const chatRequest = (model: string) => (stream: boolean) => ({ model, messages: HELLO, stream });
  const messagesRequest = (model: string) => (stream: boolean) => ({ model, max_tokens: 16, messages: HELLO, stream });
  const responsesRequest = (model: string) => (stream: boolean) => ({ model, input: 'hi', stream });
  const ROUTES: HangUpRoute[] = [
    {
      name: 'chat → anthropic (translated)',
      path: '/chat/completions',
      body: chatRequest('anthropic/claude-x'),
      fake: () => anthropic,
      wire: 'messages',
      streams: true,
    },
    { name: 'chat → local', path: '/chat/completions', body: chatRequest('qwen'), fake: () => local, wire: 'chat', streams: true },
    {
      name: 'messages → anthropic',
      path: '/messages',
      body: messagesRequest('anthropic/claude-x'),
      fake: () => anthropic,
      wire: 'messages',
      streams: true,
    },
    {
      name: 'messages → openai (translated)',
      path: '/messages',
      body: messagesRequest('openai/gpt-4o'),
      fake: () => openai,
      wire: 'chat',
      streams: true,
    },
    {
      name: 'responses → openai (native)',
      path: '/responses',
      body: responsesRequest('openai/gpt-5.5'),
      fake: () => openai,
      wire: 'responses',
      streams: true,
    },
    { name: 'responses → local (bridged)', path: '/responses', body: responsesRequest('local/qwen'), fake: () => local, wire: 'chat', streams: true },
    {
      name: 'responses → anthropic (translated)',
      path: '/responses',
      body: responsesRequest('anthropic/claude-x'),
      fake: () => anthropic,
      wire: 'messages',
      streams: true,
    },
    {
      name: 'completions → openai',
      path: '/completions',
      body: (stream) => ({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'hi', stream }),
      fake: () => openai,
      wire: 'chat',
      streams: true,
    },
    {
      name: 'embeddings → openai',
      path: '/embeddings',
      body: () => ({ model: 'openai/text-embedding-3-small', input: 'hi' }),
      fake: () => openai,
      wire: 'json',
      streams: false,
    },
    {
      name: 'count_tokens → anthropic',
      path: '/messages/count_tokens',
      body: () => ({ model: 'anthropic/claude-x', messages: HELLO }),
      fake: () => anthropic,
      wire: 'json',
      streams: false,
    },
  ];
  const FIRST_FRAME: Record<HangUpRoute['wire'], string> = {
    chat: 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n',
    messages:
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
    responses: responsesFrames({ type: 'text', text: 'Hi' }).slice(0, 4).join(''),
    json: '',
  };
  const cases = ROUTES.flatMap((route) =>
    (route.streams ? [false, true] : [false]).flatMap((stream) =>
      (['before the upstream answered', 'after the upstream began its answer'] as const).map((when) => [route.name, stream, when, route] as const),
    ),
  );

  test.each(cases)('%s (stream %p), %s: aborted at once; request.end once, aborted', async (_name, stream, when, route) => {
    const fake = route.fake();
    const begun = when === 'after the upstream began its answer';
    fake.handler = (request, res) => {
      if (request.method === 'GET') return false;
      if (!begun) return true;
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(FIRST_FRAME[route.wire]);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
      }
      return true;
    };
    const call = postInFlight(`${host.url}/v1${route.path}`, route.body(stream));
    if (begun && stream)
      await within(
        call.waitForBody((text) => text.length > 0),
        2_000,
        'the first bytes of the stream',
      );
    else await waitUntil(() => fake.requests.some((request) => request.method === 'POST'), 2_000, 'the request upstream');
    if (begun && !stream) await sleep(30);
    const closed = fake.waitForClientClose();
    call.abort();
    // Within half the hosts' 2-second timeouts: a loaded machine's delay, not the timeout's close.
    await within(closed, 1_000, 'the upstream request aborted');
    await waitUntil(() => ends.length > 0, 1_000, 'request.end');
    await sleep(50);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: 'aborted', status: begun && stream ? 200 : 499 });
  });
});
