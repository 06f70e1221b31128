/**
 * The extensibility surface a host codes against (DESIGN section 1, README "Options",
 * docs/providers.md "Adapters defined by the host"), used as the docs show it: the docs' own
 * examples run and type-checked under `strict`, a host adapter in place of each built-in and under
 * a new id through all three dialects, streamed and not, the `scrubHeaders` hook on every route,
 * what an adapter owns (sections 9, 10, 11), options in code over env, bad options at creation, a
 * host adapter's model list that fails, and `listModels()` after `close()`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import express from 'express';
import OpenAI from 'openai';
import ts from 'typescript';
import winston from 'winston';
import Transport from 'winston-transport';
import {
  createAnthropicProvider,
  createLocalProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
  createOpenRouterProvider,
  createProviderRouter,
  defineProvider,
  ProviderRouterError,
  type ModelListContext,
  type ProviderAdapter,
  type ProviderModel,
  type ProviderRouter,
  type ProviderRouterOptions,
  type ScrubHeadersContext,
  type UpstreamRequestContext,
} from '../../lib';
import { startFakes, type Fakes, type FakeUpstream, type ProviderId } from '../support/fake-upstream';
import { envFor, silentLogger, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { KEYS } from '../support/keys';
import { observe } from '../support/observe';
import { thrownBy } from '../support/rejection';
import { chatBody, messagesBody } from '../support/request-bodies';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '../..');

/** `decoys` are where env points the built-ins; `targets` are where the host's own adapters point. */
let decoys: Fakes;
let targets: Fakes;

beforeAll(async () => {
  [decoys, targets] = await Promise.all([startFakes(), startFakes()]);
});
afterEach(() => {
  decoys.reset();
  targets.reset();
});
afterAll(async () => {
  await Promise.all([decoys?.close(), targets?.close()]);
});

/** Keys of the host's own adapters: none of them is in env. */
const CODE_KEYS = {
  local: 'ck-1-0123456789abcdefghij',
  openai: 'ck-2-0123456789abcdefghij',
  openrouter: 'ck-3-0123456789abcdefghij',
  anthropic: 'ck-4-0123456789abcdefghij',
  acme: 'ck-5-0123456789abcdefghij',
  'claude-proxy': 'ck-6-0123456789abcdefghij',
} as const;

type CodeId = keyof typeof CODE_KEYS;

/** A host adapter for `id`, pointed at `targets`, and the auth header its upstream must get. */
function hostAdapter(id: CodeId): { adapter: ProviderAdapter; fake: () => FakeUpstream; auth: [string, string] } {
  const key = CODE_KEYS[id];
  switch (id) {
    case 'local':
      return {
        adapter: createLocalProvider({ baseUrl: targets.local.baseUrl, apiKey: key }),
        fake: () => targets.local,
        auth: ['authorization', `Bearer ${key}`],
      };
    case 'openai':
      return {
        adapter: createOpenAIProvider({ baseUrl: targets.openai.baseUrl, apiKey: key }),
        fake: () => targets.openai,
        auth: ['authorization', `Bearer ${key}`],
      };
    case 'openrouter':
      return {
        adapter: createOpenRouterProvider({ baseUrl: targets.openrouter.baseUrl, apiKey: key, siteUrl: 'https://host.example', appName: 'Host' }),
        fake: () => targets.openrouter,
        auth: ['authorization', `Bearer ${key}`],
      };
    case 'anthropic':
      return {
        adapter: createAnthropicProvider({ baseUrl: targets.anthropic.baseUrl, apiKey: key, maxTokens: 321 }),
        fake: () => targets.anthropic,
        auth: ['x-api-key', key],
      };
    case 'acme':
      // Hand-written, as docs/providers.md writes its `azure`.
      return {
        adapter: defineProvider({
          id: 'acme',
          dialect: 'openai',
          baseUrl: targets.openai.baseUrl,
          enabled: true,
          secrets: [key],
          upstreamHeaders: () => ({ 'api-key': key }),
        }),
        fake: () => targets.openai,
        auth: ['api-key', key],
      };
    case 'claude-proxy':
      return {
        adapter: createAnthropicProvider({ id: 'claude-proxy', baseUrl: targets.anthropic.baseUrl, apiKey: key, keyVariable: 'CLAUDE_PROXY_KEY' }),
        fake: () => targets.anthropic,
        auth: ['x-api-key', key],
      };
  }
}

type Route = 'chat' | 'messages' | 'responses';

/** Sends one request through the real SDK of the route's dialect; resolves with the answer's text. */
async function askThroughSdk(host: Host, route: Route, model: string, stream: boolean): Promise<string> {
  const openai = new OpenAI({ apiKey: 'host-user-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: 'host-user-token', baseURL: host.url, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  if (route === 'chat') {
    if (!stream) return (await openai.chat.completions.create({ model, messages })).choices[0]?.message.content ?? '';
    return (await openai.chat.completions.stream({ model, messages }).finalChatCompletion()).choices[0]?.message.content ?? '';
  }
  if (route === 'messages') {
    const params = { model, max_tokens: 256, messages };
    const message = stream ? await anthropic.messages.stream(params).finalMessage() : await anthropic.messages.create(params);
    return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  }
  if (!stream) return (await openai.responses.create({ model, input: 'Hi' })).output_text;
  return (await openai.responses.stream({ model, input: 'Hi' }).finalResponse()).output_text;
}

describe('the docs, as a host developer copies them', () => {
  /** The code blocks of `language` in a markdown file. */
  function codeBlocks(file: string, language: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
  }

  const adapterExample = (): string => {
    const blocks = codeBlocks('docs/providers.md', 'ts');
    const example = blocks.find((block) => block.includes('defineProvider('));
    if (!example) throw new Error('docs/providers.md lost its adapter example');
    return example;
  };

  test("docs/providers.md's adapter example runs: groq and azure each answer every dialect with their own auth", async () => {
    // The example as written, but for where its upstreams live; its router is what the host mounts.
    const source = adapterExample()
      .replace('https://api.groq.com/openai/v1', targets.openrouter.baseUrl)
      .replace('https://my-resource.openai.azure.com/openai/v1', targets.openai.baseUrl)
      .replace(/^createProviderRouter\(/m, 'module.exports.router = createProviderRouter(');
    expect(source).toContain('module.exports.router =');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
    const saved = { GROQ_API_KEY: process.env.GROQ_API_KEY, AZURE_KEY: process.env.AZURE_KEY };
    process.env.GROQ_API_KEY = 'gsk-docs-example-0123456789';
    process.env.AZURE_KEY = 'azure-docs-example-0123456789';
    const exported: { router?: ProviderRouter } = {};
    const restoreEnv = (): void => {
      Object.assign(process.env, saved);
      for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    };
    try {
      const run = new Function('require', 'module', 'exports', outputText) as (
        require: (id: string) => unknown,
        module: { exports: typeof exported },
        exports: typeof exported,
      ) => void;
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example's own require(), run as CommonJS
      run((id) => (id === 'express-provider-router' ? require('../../lib') : require(id)), { exports: exported }, exported);
    } catch (error) {
      restoreEnv();
      throw error;
    }
    const router = exported.router!;
    const app = express();
    app.use('/v1', router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const served = { url, router, app, close: async () => undefined } as unknown as Host;
    try {
      for (const route of ['chat', 'messages', 'responses'] as const) {
        for (const stream of [false, true]) {
          expect(await askThroughSdk(served, route, 'groq/llama-3.3-70b', stream)).toBeTruthy();
          expect(await askThroughSdk(served, route, 'azure/gpt-4o', stream)).toBeTruthy();
        }
      }
      expect(targets.openrouter.requests).toHaveLength(6);
      expect(targets.openai.requests).toHaveLength(6);
      for (const sent of targets.openrouter.requests) expect(sent.headers.authorization).toBe('Bearer gsk-docs-example-0123456789');
      for (const sent of targets.openai.requests) {
        expect(sent.headers['api-key']).toBe('azure-docs-example-0123456789');
        expect(sent.headers.authorization).toBeUndefined();
      }
    } finally {
      // The example reads AZURE_KEY on every request, as a host reading a rotated key would.
      restoreEnv();
      await router.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /**
   * A host's TypeScript project under `strict` (and `exactOptionalPropertyTypes`, as the ts-strict
   * consumer has it), with the package resolved through its exports map to the built types.
   */
  const HOST_FILES: Record<string, () => string> = {
    'readme-quickstart.ts': () => codeBlocks('README.md', 'ts')[0]!,
    // README's Telemetry section: the typed way to wait for one event (events.once's types refuse the emitter).
    'readme-telemetry-once.ts': () => {
      const once = /`(new Promise<RequestEndEvent>\([^`]*router\.telemetry\.once\([^`]*)`/.exec(
        fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'),
      );
      if (!once) throw new Error('README.md lost its typed once() example');
      return [
        "import { createProviderRouter, type RequestEndEvent } from 'express-provider-router';",
        'const router = createProviderRouter();',
        `const ended: Promise<RequestEndEvent> = ${once[1]!};`,
        'void ended;',
      ].join('\n');
    },
    'providers-adapters.ts': () => adapterExample(),
    // Every option of the README's table and every factory setting of docs/providers.md, typed as documented.
    'every-option.ts': () => `
import express from 'express';
import winston from 'winston';
import {
  createAnthropicProvider, createLocalProvider, createOpenAICompatibleProvider, createOpenAIProvider,
  createOpenRouterProvider, createProviderRouter, defineProvider, ProviderRouterError,
  type HeaderMap, type ProviderAdapter, type ProviderModel, type ProviderRouterOptions, type ScrubHeadersContext,
} from 'express-provider-router';

const groq: ProviderAdapter = {
  ...createOpenAICompatibleProvider({
    id: 'groq', baseUrl: 'https://api.groq.com/openai/v1', apiKey: process.env.GROQ_API_KEY, keyOptional: false,
    keyVariable: 'GROQ_API_KEY', headers: { 'x-team': 'blue' }, servesMessages: false,
  }),
  servesResponses: true,
};
const mine = defineProvider({
  id: 'mine', dialect: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', enabled: true, keyVariable: 'MINE_KEY',
  secrets: ['k'], servesMessages: true, servesResponses: false, fetchesFileUrls: true, readsReasoningDetails: false,
  defaultHeaders: { 'x-default': '1' }, forwardHeaders: ['x-trace'],
  upstreamHeaders: () => ({ authorization: 'Bearer k' }),
  adaptRequest(body, { endpoint, clientDialect, upstreamDialect, clientBody }) {
    if (endpoint === 'chat.completions' && clientDialect !== upstreamDialect && typeof clientBody.model === 'string') body.user = 'host';
    return body;
  },
  async listModels({ getJson, signal }): Promise<ProviderModel[]> {
    if (signal.aborted) return [];
    const listed = (await getJson('http://127.0.0.1:8000/v1/models')) as { data: ProviderModel[] };
    return listed.data;
  },
});
const scrubHeaders = (headers: HeaderMap, { direction, provider, requestId }: ScrubHeadersContext): HeaderMap =>
  direction === 'upstream' ? { ...headers, 'x-request': requestId } : { ...headers, 'x-provider-seen': provider };
const options: ProviderRouterOptions = {
  env: { OPENAI_API_KEY: process.env.OPENAI_API_KEY },
  providers: {
    groq,
    mine,
    openai: createOpenAIProvider({ baseUrl: 'https://api.openai.com/v1', apiKey: process.env.OPENAI_API_KEY }),
    openrouter: createOpenRouterProvider({ apiKey: process.env.OPENROUTER_API_KEY, siteUrl: 'https://x.example', appName: 'X' }),
    local: createLocalProvider({ baseUrl: 'http://127.0.0.1:9931/v1' }),
    anthropic: createAnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY, version: '2023-06-01', maxTokens: 4096, thinking: 'budget' }),
    claude: createAnthropicProvider({ id: 'claude', baseUrl: 'https://api.anthropic.com', keyVariable: 'CLAUDE_KEY' }),
  },
  scrubHeaders,
  fallback: 'next',
  conversationLogger: winston.createLogger({ transports: [new winston.transports.Console()] }),
  logger: console,
  modelMap: 'fast=groq:llama-3.3-70b',
  requestStreamUsage: false,
  modelListTimeoutMs: 5000,
  timeoutMs: 60000,
  idleTimeoutMs: 120000,
  maxBodyBytes: 1 << 20,
  modelsTtlMs: 300000,
};
const router = createProviderRouter(options);
createProviderRouter({ conversationLogger: false });
express().use('/v1', router).use('/api/v1', router);
router.telemetry.on('request.end', (e) => console.log(e.provider, e.usage?.totalTokens, e.status));
const ids: Promise<string[]> = router.listModels().then((models) => models.map((m) => m.id));
const closed: Promise<void> = router.close();
try { createProviderRouter({ fallback: 'next' }); } catch (error) { if (error instanceof ProviderRouterError) console.log(error.code); }
void ids; void closed;
`,
  };

  test('each typed example compiles under strict, the package resolved as a host resolves it', async () => {
    expect(fs.existsSync(path.join(ROOT, 'dist/index.d.ts'))).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extensibility-types-'));
    try {
      const modules = path.join(dir, 'node_modules');
      fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
      fs.symlinkSync(ROOT, path.join(modules, 'express-provider-router'));
      for (const name of ['express', 'winston', 'logform', 'triple-beam', 'winston-transport'])
        fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name));
      for (const name of fs.readdirSync(path.join(ROOT, 'node_modules/@types')))
        fs.symlinkSync(path.join(ROOT, 'node_modules/@types', name), path.join(modules, '@types', name));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module' }));
      const files = Object.keys(HOST_FILES);
      for (const file of files) fs.writeFileSync(path.join(dir, file), `${HOST_FILES[file]!()}\nexport {};\n`);
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            types: ['node'],
            strict: true,
            noUncheckedIndexedAccess: true,
            exactOptionalPropertyTypes: true,
            noImplicitReturns: true,
            verbatimModuleSyntax: true,
            skipLibCheck: true,
            noEmit: true,
          },
          files,
        }),
      );
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      const result = await execFileAsync(process.execPath, [tsc, '-p', dir], { cwd: dir }).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(result).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a host adapter in place of each built-in, and under new ids', () => {
  const IDS: CodeId[] = ['local', 'openai', 'openrouter', 'anthropic', 'acme', 'claude-proxy'];
  const cases = IDS.flatMap((id) =>
    (['chat', 'messages', 'responses'] as const).flatMap((route) => [false, true].map((stream) => [id, route, stream] as const)),
  );
  let host: Host;
  const ends = observe();

  beforeAll(async () => {
    // Env enables every built-in at the decoys, with keys: the host's adapters must win.
    host = await startHost({
      env: { ...envFor(decoys), LOCAL_API_KEY: 'env-local-key-0123456789' },
      providers: Object.fromEntries(IDS.map((id) => [id, hostAdapter(id).adapter])),
    });
    ends.listen(host.router);
  });
  afterAll(() => host.close());
  afterEach(() => ends.clear());

  test.each(cases)('%s, %s, stream %p: the SDK gets its answer; only the host adapter was asked, with its own auth', async (id, route, stream) => {
    const { fake, auth } = hostAdapter(id);
    const text = await askThroughSdk(host, route, `${id}/some-model`, stream);
    expect(text).toBeTruthy();
    expect(decoys.received()).toHaveLength(0);
    expect(fake().requests).toHaveLength(1);
    const sent = fake().requests[0]!;
    expect(sent.headers[auth[0]]).toBe(auth[1]);
    expect(JSON.stringify(sent.headers)).not.toContain('host-user-token');
    expect(sent.body?.model).toBe('some-model');
    const [end] = await ends.waitForEnds(1);
    expect(end).toMatchObject({ provider: id, outcome: 'ok', stream });
  });

  test('the overrides keep their settings: OpenRouter attribution, Anthropic maxTokens on a translated request', async () => {
    await askThroughSdk(host, 'chat', 'openrouter/x', false);
    expect(targets.openrouter.requests[0]!.headers['x-openrouter-title']).toBe('Host');
    await askThroughSdk(host, 'chat', 'anthropic/claude-x', false);
    expect(targets.anthropic.requests[0]!.body?.max_tokens).toBe(321);
  });

  test.each([
    ['gpt-4o', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['model.gguf', 'local'],
  ])('built-in rule for %s goes to the host adapter with id %s', async (model, id) => {
    await askThroughSdk(host, 'chat', model, false);
    expect(decoys.received()).toHaveLength(0);
    expect((await ends.waitForEnds(1))[0]!.provider).toBe(id);
  });

  test('GET /models lists the host adapters, under ids that route back to them', async () => {
    const listed = await host.router.listModels();
    for (const id of ['openai', 'openrouter', 'anthropic', 'claude-proxy']) {
      const entry = listed.find((model) => model.provider === id);
      expect(entry).toBeDefined();
      expect(entry!.id.startsWith(`${id}/`)).toBe(true);
    }
    expect(decoys.received()).toHaveLength(0);
  });
});

describe('routing to providers a host added in code', () => {
  const groq = (apiKey?: string): ProviderAdapter =>
    createOpenAICompatibleProvider({ id: 'groq', baseUrl: targets.openai.baseUrl, apiKey, keyVariable: 'GROQ_API_KEY' });

  test.each([
    ['rule 1, its id as prefix', {}, 'groq/llama-3.3-70b', 'llama-3.3-70b'],
    ['PROVIDER_MODEL_MAP in env', { PROVIDER_MODEL_MAP: 'fast=groq:llama-3.1-8b,team-*=groq' }, 'fast', 'llama-3.1-8b'],
    ['PROVIDER_MODEL_MAP pattern', { PROVIDER_MODEL_MAP: 'team-*=groq' }, 'team-large', 'team-large'],
  ])('%s: %s reaches it as %s', async (_name, env, model, upstreamModel) => {
    const host = await startHost({ env: { ...envFor(decoys), ...env }, providers: { groq: groq('gsk-0123456789abcdef') } });
    try {
      for (const route of ['chat', 'messages', 'responses'] as const) await askThroughSdk(host, route, model, false);
      expect(targets.openai.requests.map((sent) => sent.body?.model)).toEqual([upstreamModel, upstreamModel, upstreamModel]);
      expect(decoys.received()).toHaveLength(0);
    } finally {
      await host.close();
    }
  });

  test.each([
    ['chat', '/v1/chat/completions', chatBody('groq/x')],
    ['map', '/v1/chat/completions', chatBody('fast')],
    ['messages', '/v1/messages', messagesBody('groq/x')],
    ['responses', '/v1/responses', { model: 'groq/x', input: 'hi' }],
  ])('%s: a factory adapter without its key answers 400 provider_not_configured naming GROQ_API_KEY; nothing is sent', async (_name, url, body) => {
    const host = await startHost({ env: { ...envFor(decoys), PROVIDER_MODEL_MAP: 'fast=groq' }, providers: { groq: groq(undefined) } });
    try {
      const res = await rawRequest({ url: `${host.url}${url}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      // Anthropic's error shape has no code: the message says it.
      expect(res.text).toMatch(url === '/v1/messages' ? /is not configured/ : /provider_not_configured/);
      expect(res.text).toContain('GROQ_API_KEY');
      expect([...decoys.received(), ...targets.received()]).toHaveLength(0);
    } finally {
      await host.close();
    }
  });

  test('a host adapter in place of openai that is disabled: openai/... is provider_not_configured, gpt-4o falls back to local, though OPENAI_API_KEY is set', async () => {
    const host = await startHost({
      env: envFor(decoys),
      providers: { openai: createOpenAIProvider({ baseUrl: targets.openai.baseUrl, apiKey: undefined }) },
    });
    try {
      const refused = await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('openai/gpt-4o')),
      });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('OPENAI_API_KEY');
      await askThroughSdk(host, 'chat', 'gpt-4o', false);
      expect(decoys.local.requests).toHaveLength(1);
      expect(decoys.openai.requests).toHaveLength(0);
    } finally {
      await host.close();
    }
  });
});

describe('what the adapter owns (DESIGN sections 9, 10, 11)', () => {
  /** The one chat completions body the upstream got. */
  const sentBody = (fake: FakeUpstream): Record<string, unknown> => {
    expect(fake.requests).toHaveLength(1);
    return fake.requests[0]!.body as Record<string, unknown>;
  };

  const EFFORT_REQUESTS: Array<[Route, Record<string, unknown>]> = [
    ['chat', { model: 'openai/gpt-4o', max_tokens: 100, reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] }],
    [
      'messages',
      {
        model: 'openai/gpt-4o',
        max_tokens: 5000,
        top_k: 5,
        thinking: { type: 'enabled', budget_tokens: 4096 },
        messages: [{ role: 'user', content: 'hi' }],
      },
    ],
    ['responses', { model: 'openai/gpt-4o', max_output_tokens: 100, reasoning: { effort: 'high' }, input: 'hi' }],
  ];
  const PATHS: Record<Route, string> = { chat: '/v1/chat/completions', messages: '/v1/messages', responses: '/v1/responses' };

  async function sendTo(host: Host, route: Route, body: Record<string, unknown>): Promise<number> {
    const res = await rawRequest({ url: `${host.url}${PATHS[route]}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.status;
  }

  test.each(EFFORT_REQUESTS)('the built-in openai adapter on %s: gpt-4o gets no effort and max_completion_tokens', async (route, body) => {
    const host = await startHost({
      env: envFor(decoys),
      providers: { openai: { ...createOpenAIProvider({ baseUrl: targets.openai.baseUrl, apiKey: 'k-0123456789abcdef' }), servesResponses: false } },
    });
    try {
      expect(await sendTo(host, route, body)).toBe(200);
      const sent = sentBody(targets.openai);
      expect(sent.reasoning_effort).toBeUndefined();
      expect(sent.max_tokens).toBeUndefined();
      expect(sent.max_completion_tokens).toBeDefined();
      expect(sent.top_k).toBeUndefined();
    } finally {
      await host.close();
    }
  });

  test.each(EFFORT_REQUESTS)(
    "a host's own openai adapter on %s decides otherwise: gpt-4o (a gateway's name) gets the effort, and max_tokens as it is",
    async (route, body) => {
      const host = await startHost({
        env: envFor(decoys),
        providers: { openai: createOpenAICompatibleProvider({ id: 'openai', baseUrl: targets.openai.baseUrl, apiKey: 'k-0123456789abcdef' }) },
      });
      try {
        expect(await sendTo(host, route, body)).toBe(200);
        const sent = sentBody(targets.openai);
        expect(sent.reasoning_effort).toBe('high');
        expect(sent.max_tokens).toBeDefined();
        expect(sent.max_completion_tokens).toBeUndefined();
        if (route === 'messages') expect(sent.top_k).toBe(5);
      } finally {
        await host.close();
      }
    },
  );

  test.each(EFFORT_REQUESTS)("a host wrapping the built-in's adaptRequest keeps its rules and adds its own (%s)", async (route, body) => {
    const base = createOpenAIProvider({ baseUrl: targets.openai.baseUrl, apiKey: 'k-0123456789abcdef' });
    const openai: ProviderAdapter = {
      ...base,
      servesResponses: false,
      adaptRequest(upstreamBody, context) {
        const effort = upstreamBody.reasoning_effort;
        const adapted = base.adaptRequest!(upstreamBody, context);
        return effort === undefined ? adapted : { ...adapted, reasoning_effort: effort };
      },
    };
    const host = await startHost({ env: envFor(decoys), providers: { openai } });
    try {
      expect(await sendTo(host, route, body)).toBe(200);
      const sent = sentBody(targets.openai);
      expect(sent.reasoning_effort).toBe('high');
      expect(sent.max_completion_tokens).toBeDefined();
    } finally {
      await host.close();
    }
  });

  test.each([
    ['servesResponses: true passes /responses through', true, '/v1/responses'],
    ['without it, /responses is bridged through chat completions', false, '/v1/chat/completions'],
  ])("a new id's adapter: %s", async (_name, servesResponses, upstreamPath) => {
    const mine = { ...createOpenAICompatibleProvider({ id: 'mine', baseUrl: targets.openai.baseUrl, apiKey: CODE_KEYS.acme }), servesResponses };
    const host = await startHost({ env: envFor(decoys), providers: { mine } });
    try {
      const body = { model: 'mine/gpt-x', input: 'hi', prompt_cache_key: 'k1', store: false };
      for (const stream of [false, true]) {
        targets.reset();
        expect(await sendTo(host, 'responses', { ...body, stream })).toBe(200);
        expect(new URL(targets.openai.requests[0]!.url, 'http://x').pathname).toBe(upstreamPath);
        if (servesResponses) expect(targets.openai.requests[0]!.body).toEqual({ ...body, stream, model: 'gpt-x' });
      }
    } finally {
      await host.close();
    }
  });

  test('<ID>_RESPONSES overrides what the adapter says, as documented', async () => {
    const mine = { ...createOpenAICompatibleProvider({ id: 'mine', baseUrl: targets.openai.baseUrl, keyOptional: true }), servesResponses: true };
    const host = await startHost({ env: { ...envFor(decoys), MINE_RESPONSES: 'chat' }, providers: { mine } });
    try {
      expect(await sendTo(host, 'responses', { model: 'mine/gpt-x', input: 'hi' })).toBe(200);
      expect(targets.openai.requests[0]!.url).toMatch(/\/chat\/completions$/);
    } finally {
      await host.close();
    }
  });

  test.each<[string, string, Record<string, unknown>, Omit<UpstreamRequestContext, 'clientBody'>]>([
    [
      'chat passthrough',
      '/v1/chat/completions',
      chatBody('mine/m'),
      { endpoint: 'chat.completions', clientDialect: 'openai', upstreamDialect: 'openai' },
    ],
    ['messages translated', '/v1/messages', messagesBody('mine/m'), { endpoint: 'messages', clientDialect: 'anthropic', upstreamDialect: 'openai' }],
    [
      'responses bridged',
      '/v1/responses',
      { model: 'mine/m', input: 'hi' },
      { endpoint: 'responses', clientDialect: 'responses', upstreamDialect: 'openai' },
    ],
    [
      'completions',
      '/v1/completions',
      { model: 'mine/m', prompt: 'hi' },
      { endpoint: 'completions', clientDialect: 'openai', upstreamDialect: 'openai' },
    ],
    [
      'embeddings',
      '/v1/embeddings',
      { model: 'mine/m', input: 'hi' },
      { endpoint: 'embeddings', clientDialect: 'openai', upstreamDialect: 'openai' },
    ],
  ])('adaptRequest on %s: told the endpoint, both dialects and the client body; what it returns is sent', async (_name, url, body, expected) => {
    const seen: Array<{ body: Record<string, unknown>; context: UpstreamRequestContext }> = [];
    const mine = defineProvider({
      id: 'mine',
      dialect: 'openai',
      baseUrl: targets.openai.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({}),
      adaptRequest(upstreamBody, context) {
        seen.push({ body: structuredClone(upstreamBody), context: structuredClone(context) });
        return { ...upstreamBody, x_host_field: 'added' };
      },
    });
    const host = await startHost({ env: envFor(decoys), providers: { mine } });
    try {
      const res = await rawRequest({ url: `${host.url}${url}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.context).toEqual({ ...expected, clientBody: body });
      expect(seen[0]!.body.model).toBe('m');
      expect(targets.openai.requests[0]!.body?.x_host_field).toBe('added');
    } finally {
      await host.close();
    }
  });
});

describe('the scrubHeaders hook on every route', () => {
  type Mode = 'edit' | 'throw' | 'junk';
  const AUTH_HEADER_OF: Record<string, string> = { anthropic: 'x-api-key', 'claude-proxy': 'x-api-key', acme: 'api-key' };
  let mode: Mode = 'edit';
  let failOn: 'upstream' | 'client' = 'upstream';
  const calls: Array<{ headers: Record<string, string>; context: ScrubHeadersContext }> = [];
  let host: Host;
  const observed = observe();

  beforeAll(async () => {
    host = await startHost({
      env: { ...envFor(decoys), LOCAL_API_KEY: 'env-local-key-0123456789' },
      providers: { acme: hostAdapter('acme').adapter, 'claude-proxy': hostAdapter('claude-proxy').adapter },
      scrubHeaders: (headers, context) => {
        calls.push({ headers: { ...headers }, context: { ...context } });
        if (mode !== 'edit' && context.direction === failOn) {
          if (mode === 'throw') throw new Error(`hook bug ${KEYS.openai}`);
          return 42 as never;
        }
        // Adds one header and removes another, each way; sets the provider's auth header to its own value.
        const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'accept' && name !== 'x-ratelimit-limit-requests'));
        return context.direction === 'upstream'
          ? { ...rest, 'x-team': 'blue', [AUTH_HEADER_OF[context.provider] ?? 'authorization']: 'hook-auth' }
          : { ...rest, 'x-served-by': 'router' };
      },
    });
    observed.listen(host.router);
  });
  afterAll(() => host.close());
  afterEach(() => {
    mode = 'edit';
    calls.length = 0;
    observed.clear();
  });

  /** Each route to providers that pass it through and that translate it, built-in and the host's own. */
  const TARGETS: Array<[string, string, () => FakeUpstream, [string, string]]> = [
    ['openai', 'openai/gpt-4o', () => decoys.openai, ['authorization', `Bearer ${KEYS.openai}`]],
    ['anthropic', 'anthropic/claude-x', () => decoys.anthropic, ['x-api-key', KEYS.anthropic]],
    ['local', 'local/m.gguf', () => decoys.local, ['authorization', 'Bearer env-local-key-0123456789']],
    ['openrouter', 'openrouter/a/b', () => decoys.openrouter, ['authorization', `Bearer ${KEYS.openrouter}`]],
    ['acme', 'acme/m', () => targets.openai, ['api-key', CODE_KEYS.acme]],
    ['claude-proxy', 'claude-proxy/m', () => targets.anthropic, ['x-api-key', CODE_KEYS['claude-proxy']]],
  ];
  const ROUTES: Array<[string, (model: string, stream: boolean) => Record<string, unknown>, 'openai' | 'anthropic']> = [
    ['/v1/chat/completions', (model, stream) => chatBody(model, { stream }), 'openai'],
    ['/v1/messages', (model, stream) => messagesBody(model, { stream }), 'anthropic'],
    ['/v1/responses', (model, stream) => ({ model, input: 'hi', stream }), 'openai'],
  ];
  const cells = ROUTES.flatMap(([url, body, shape]) =>
    TARGETS.flatMap(([provider, model, fake, auth]) =>
      [false, true].map((stream) => [url, provider, stream, model, body, shape, fake, auth] as const),
    ),
  );

  const send = (url: string, body: Record<string, unknown>) =>
    rawRequest({
      url: `${host.url}${url}`,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: 'Bearer host-user-token',
        'x-api-key': 'host-x-api-key',
      },
      body: JSON.stringify(body),
    });

  test.each(cells)(
    '%s to %s (stream %p): both directions, its arguments, additions and removals; the auth is the provider’s',
    async (url, provider, stream, model, body, _shape, fake, auth) => {
      fake().handler = (_request, res) => {
        res.setHeader('x-ratelimit-limit-requests', '100');
        res.setHeader('x-ratelimit-remaining-requests', '99');
        return false;
      };
      const res = await send(url, body(model, stream));
      expect(res.status).toBe(200);
      const requestId = res.headers['x-request-id'];
      expect(calls.map((call) => call.context)).toEqual([
        { direction: 'upstream', provider, requestId },
        { direction: 'client', provider, requestId },
      ]);
      // What the hook is given: lower-case names, string values, no key and none of the client's credentials.
      for (const { headers } of calls) {
        for (const [name, value] of Object.entries(headers)) {
          expect(name).toBe(name.toLowerCase());
          expect(typeof value).toBe('string');
        }
      }
      const given = JSON.stringify(calls);
      for (const secret of [...Object.values(KEYS), ...Object.values(CODE_KEYS), 'env-local-key-0123456789', 'host-user-token', 'host-x-api-key'])
        expect(given).not.toContain(secret);
      expect(calls[0]!.headers['content-type']).toBe('application/json');
      expect(calls[1]!.headers['x-ratelimit-limit-requests']).toBe('100');
      // Upstream: its addition arrived, its removal held, its auth lost to the provider's.
      const sent = fake().requests[0]!.headers;
      expect(sent['x-team']).toBe('blue');
      expect(sent.accept).toBeUndefined();
      expect(sent[auth[0]]).toBe(auth[1]);
      expect(JSON.stringify(sent)).not.toMatch(/hook-auth|host-user-token|host-x-api-key/);
      // Client: its addition arrived, its removal held.
      expect(res.headers['x-served-by']).toBe('router');
      expect(res.headers['x-ratelimit-limit-requests']).toBeUndefined();
      expect(res.headers['x-ratelimit-remaining-requests']).toBe('99');
    },
  );

  const failures = cells.flatMap((cell) =>
    (['throw', 'junk'] as const).flatMap((how) => (['upstream', 'client'] as const).map((direction) => [how, direction, ...cell] as const)),
  );

  test.each(failures)(
    'a hook that %ss on %s headers, %s to %s (stream %p): a 500 in the route’s shape naming scrubHeaders, at once, nothing leaked, one request.end',
    async (how, direction, url, _provider, stream, model, body, shape, fake) => {
      mode = how;
      failOn = direction;
      const started = Date.now();
      const res = await send(url, body(model, stream));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const error = JSON.parse(res.text) as { type?: string; error: { message: string; type: string } };
      if (shape === 'anthropic') expect(error.type).toBe('error');
      expect(error.error.message).toContain('scrubHeaders');
      expect(res.headers['x-request-id']).toBeDefined();
      expect(res.text).not.toContain('hook bug');
      for (const secret of Object.values(KEYS)) expect(`${JSON.stringify(res.headers)}${res.text}`).not.toContain(secret);
      expect(fake().requests).toHaveLength(direction === 'upstream' ? 0 : 1);
      const ends = await observed.waitForEnds(1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(observed.ends()).toHaveLength(1);
      expect(ends[0]).toMatchObject({ status: 500, outcome: 'error' });
    },
  );
});

describe('options in code win over env', () => {
  test.each<[string, Record<string, string>, ProviderRouterOptions['providers']]>([
    ['a bad OPENAI_BASE_URL, openai given in code', { OPENAI_BASE_URL: 'ftp://nowhere' }, { openai: createOpenAIProvider({ apiKey: 'k' }) }],
    [
      'a bad ANTHROPIC_MAX_TOKENS and ANTHROPIC_THINKING, anthropic given in code',
      { ANTHROPIC_MAX_TOKENS: 'lots', ANTHROPIC_THINKING: 'deep' },
      { anthropic: createAnthropicProvider({ apiKey: 'k' }) },
    ],
    ['a bad LOCAL_BASE_URL, local given in code', { LOCAL_BASE_URL: 'localhost:9931' }, { local: createLocalProvider() }],
    [
      'bad OpenRouter variables, openrouter given in code',
      { OPENROUTER_BASE_URL: 'nowhere', OPENROUTER_APP_NAME: 'a\nb' },
      { openrouter: createOpenRouterProvider({ apiKey: 'k' }) },
    ],
    [
      'an OPENAI_COMPATIBLE_PROVIDERS entry without its base URL, given in code',
      { OPENAI_COMPATIBLE_PROVIDERS: 'groq' },
      { groq: createOpenAICompatibleProvider({ id: 'groq', baseUrl: 'http://127.0.0.1:1/v1', keyOptional: true }) },
    ],
  ])('%s: the variable is not read, so it stops nothing', (_name, env, providers) => {
    const router = createProviderRouter({ env, providers, logger: silentLogger });
    return router.close();
  });

  test('the variables of a built-in not given in code are still checked', () => {
    const error = thrownBy(
      () =>
        createProviderRouter({ env: { OPENAI_BASE_URL: 'ftp://nowhere', LOCAL_BASE_URL: 'nowhere' }, providers: { local: createLocalProvider() } }),
      ProviderRouterError,
    );
    expect(error.message).toContain('OPENAI_BASE_URL');
    expect(error.message).not.toContain('LOCAL_BASE_URL');
  });

  test('a conversationLogger given in code gets the records, and CONVERSATION_LOG_FILE is not written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extensibility-log-'));
    const file = path.join(dir, 'log.jsonl');
    const observed = observe();
    const host = await startHost({ env: { ...envFor(decoys), CONVERSATION_LOG_FILE: file }, conversationLogger: observed.conversationLogger });
    try {
      await askThroughSdk(host, 'chat', 'openai/gpt-4o', false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(observed.records).toEqual([expect.objectContaining({ provider: 'openai', status: 200 })]);
    } finally {
      await host.close();
    }
    expect(fs.existsSync(file)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

test('options.env is the only place settings are read from: process.env is not consulted', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    OPENAI_API_KEY: KEYS.openai,
    OPENAI_BASE_URL: decoys.openai.baseUrl,
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: decoys.openrouter.baseUrl,
    LOCAL_BASE_URL: decoys.local.baseUrl,
    LOCAL_MODELS: 'from-process-env',
    PROVIDER_MODEL_MAP: 'x=groq',
  });
  try {
    const host = await startHost({ env: { LOCAL_BASE_URL: targets.local.baseUrl } });
    try {
      const listed = await host.router.listModels();
      expect([...new Set(listed.map((entry) => entry.provider))]).toEqual(['local']);
      expect(listed.some((entry) => entry.id === 'from-process-env')).toBe(false);
      await askThroughSdk(host, 'chat', 'gpt-4o', false);
      expect(targets.local.requests.at(-1)!.body?.model).toBe('gpt-4o');
      expect(decoys.received()).toHaveLength(0);
    } finally {
      await host.close();
    }
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
});

test.each<[string, () => ProviderAdapter]>([
  [
    'createAnthropicProvider under a new id, its headers changed over it',
    () => ({
      ...createAnthropicProvider({ id: 'claude', baseUrl: targets.anthropic.baseUrl, apiKey: CODE_KEYS.anthropic, keyVariable: 'CLAUDE_KEY' }),
      defaultHeaders: { 'anthropic-version': '2023-06-01', 'x-gateway': 'eu' },
    }),
  ],
  [
    'defineProvider of the anthropic dialect that adds max_tokens in adaptRequest',
    () =>
      defineProvider({
        id: 'claude',
        dialect: 'anthropic',
        baseUrl: `${targets.anthropic.baseUrl}/v1`,
        enabled: true,
        secrets: [CODE_KEYS.anthropic],
        upstreamHeaders: () => ({ 'x-api-key': CODE_KEYS.anthropic, 'anthropic-version': '2023-06-01' }),
        adaptRequest: (body, { clientDialect }) => (clientDialect === 'anthropic' ? body : { max_tokens: 1024, ...body }),
      }),
  ],
])('an Anthropic-dialect upstream as docs/providers.md says to write it (%s): every dialect answers', async (_name, claude) => {
  const host = await startHost({ env: envFor(decoys), providers: { claude: claude() } });
  try {
    for (const route of ['chat', 'messages', 'responses'] as const) {
      for (const stream of [false, true]) expect(await askThroughSdk(host, route, 'claude/c', stream)).toBeTruthy();
    }
    for (const sent of targets.anthropic.requests) expect(sent.body?.max_tokens).toEqual(expect.any(Number));
  } finally {
    await host.close();
  }
});

test("a hand-written adapter's base URL that ends in / (as Azure's portal shows it) reaches the same paths", async () => {
  const azure = defineProvider({ ...hostAdapter('acme').adapter, id: 'azure', baseUrl: `${targets.openai.baseUrl}/` });
  const host = await startHost({ env: envFor(decoys), providers: { azure } });
  try {
    for (const route of ['chat', 'messages', 'responses'] as const) expect(await askThroughSdk(host, route, 'azure/gpt-4o', false)).toBeTruthy();
    expect(targets.openai.requests.map((sent) => new URL(sent.url, 'http://x').pathname)).toEqual(Array(3).fill('/v1/chat/completions'));
  } finally {
    await host.close();
  }
});

describe('router errors after routing go through the hook too', () => {
  test.each([
    ['unreachable (502)', 'dead/x', 502],
    ['no answer in time (504)', 'openai/gpt-4o', 504],
  ])('%s: the hook adds its header; one that throws there leaves the error as it is, at once', async (_name, model, status) => {
    let throwing = false;
    const host = await startHost({
      env: { ...envFor(decoys), PROVIDER_TIMEOUT_MS: '300' },
      providers: { dead: createOpenAICompatibleProvider({ id: 'dead', baseUrl: 'http://127.0.0.1:1/v1', keyOptional: true }) },
      scrubHeaders: (headers, { direction }) => {
        if (throwing && direction === 'client') throw new Error('hook bug');
        return { ...headers, 'x-hooked': direction };
      },
    });
    decoys.openai.handler = () => true;
    try {
      for (const [url, body] of [
        ['/v1/chat/completions', chatBody(model)],
        ['/v1/messages', messagesBody(model, { stream: true })],
        ['/v1/responses', { model, input: 'hi', stream: true }],
      ] as const) {
        for (const mode of [false, true]) {
          throwing = mode;
          const res = await rawRequest({ url: `${host.url}${url}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          expect(res.status).toBe(status);
          expect(res.headers['x-hooked']).toBe(mode ? undefined : 'client');
          expect(res.headers['x-request-id']).toBeDefined();
        }
      }
    } finally {
      await host.close();
    }
  });
});

test('real winston loggers as conversationLogger and logger: a record per request, and a failed model list warned once', async () => {
  const records: Array<Record<string, unknown>> = [];
  const warnings: Array<Record<string, unknown>> = [];
  const capture = (into: Array<Record<string, unknown>>): Transport =>
    new (class extends Transport {
      override log(info: Record<string, unknown>, done: () => void): void {
        into.push(info);
        done();
      }
    })();
  const failing = defineProvider({
    ...hostAdapter('acme').adapter,
    listModels: () => Promise.reject(new Error('list down')),
  });
  const host = await startHost({
    env: envFor(decoys),
    providers: { acme: failing },
    conversationLogger: winston.createLogger({ transports: [capture(records)] }),
    logger: winston.createLogger({ level: 'warn', transports: [capture(warnings)] }),
  });
  try {
    expect(await askThroughSdk(host, 'chat', 'acme/m', false)).toBeTruthy();
    await host.router.listModels();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(records).toEqual([expect.objectContaining({ provider: 'acme', upstreamModel: 'm', status: 200, level: 'info' })]);
    expect(JSON.stringify(records)).not.toContain(CODE_KEYS.acme);
    expect(warnings).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('acme') as string })]);
  } finally {
    await host.close();
  }
});

describe('invalid options stop createProviderRouter with one clear error', () => {
  test.each([['/v1'], [['env']], [42]])('options that are no object (%p)', (options) => {
    const error = thrownBy(() => createProviderRouter(options as ProviderRouterOptions), ProviderRouterError);
    expect(error.message).toMatch(/^createProviderRouter takes an object of options/);
  });

  const adapter = (extra: Record<string, unknown>): ProviderAdapter =>
    ({
      ...defineProvider({ id: 'mine', dialect: 'openai', baseUrl: 'http://127.0.0.1:1/v1', enabled: true, upstreamHeaders: () => ({}) }),
      ...extra,
    }) as unknown as ProviderAdapter;

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['env not an object', { env: 'OPENAI_API_KEY=sk' }, /options\.env/],
    ['providers not an object', { providers: 'openai' }, /options\.providers/],
    ['providers an array', { providers: [adapter({})] }, /options\.providers/],
    ['a provider that is no adapter', { providers: { mine: {} } }, /providers\.mine/],
    ['a provider whose id differs from its key', { providers: { other: adapter({}) } }, /providers\.other/],
    ['an upper-case id', { providers: { Mine: adapter({ id: 'Mine' }) } }, /Mine/],
    ['a dialect other than openai or anthropic', { providers: { mine: adapter({ dialect: 'gemini' }) } }, /providers\.mine/],
    ['a baseUrl that is not http(s)', { providers: { mine: adapter({ baseUrl: 'ftp://x' }) } }, /providers\.mine/],
    [
      'a baseUrl with a query (paths are appended after it)',
      { providers: { mine: adapter({ baseUrl: 'https://r.openai.azure.com/openai/v1?api-version=preview' }) } },
      /providers\.mine\.baseUrl: expected a base URL without a query or fragment/,
    ],
    ['enabled not a boolean', { providers: { mine: adapter({ enabled: 'yes' }) } }, /providers\.mine\.enabled/],
    ['adaptRequest not a function', { providers: { mine: adapter({ adaptRequest: { model: 'x' } }) } }, /providers\.mine\.adaptRequest/],
    ['listModels not a function', { providers: { mine: adapter({ listModels: [{ id: 'a' }] }) } }, /providers\.mine\.listModels/],
    ['secrets not a list of strings', { providers: { mine: adapter({ secrets: 'sk-mine-0123456789' }) } }, /providers\.mine\.secrets/],
    ['servesResponses not a boolean', { providers: { mine: adapter({ servesResponses: 'native' }) } }, /providers\.mine\.servesResponses/],
    ['servesMessages not a boolean', { providers: { mine: adapter({ servesMessages: 1 }) } }, /providers\.mine\.servesMessages/],
    ['keyVariable not a string', { providers: { mine: adapter({ keyVariable: 42 }) } }, /providers\.mine\.keyVariable/],
    ['forwardHeaders not a list of names', { providers: { mine: adapter({ forwardHeaders: 'anthropic-beta' }) } }, /providers\.mine\.forwardHeaders/],
    ['scrubHeaders not a function', { scrubHeaders: { authorization: '' } }, /options\.scrubHeaders/],
    ['fallback neither local nor next', { fallback: 'host' }, /fallback/],
    ['conversationLogger without info', { conversationLogger: true }, /options\.conversationLogger/],
    ['logger without warn and error', { logger: { log: () => undefined } }, /options\.logger/],
    ['modelMap not a string', { modelMap: { fast: 'openai' } }, /options\.modelMap/],
    ['modelMap naming an unknown provider', { modelMap: 'fast=nobody' }, /options\.modelMap/],
    ['timeoutMs not a number', { timeoutMs: '1000' }, /options\.timeoutMs/],
    ['idleTimeoutMs negative', { idleTimeoutMs: -1 }, /options\.idleTimeoutMs/],
    ['maxBodyBytes zero', { maxBodyBytes: 0 }, /options\.maxBodyBytes/],
    ['modelsTtlMs NaN', { modelsTtlMs: Number.NaN }, /options\.modelsTtlMs/],
    ['modelListTimeoutMs past the longest timer', { modelListTimeoutMs: 2 ** 31 }, /options\.modelListTimeoutMs/],
    ['requestStreamUsage not a boolean', { requestStreamUsage: 'yes' }, /options\.requestStreamUsage/],
    ['a misspelt option', { scrubheaders: () => ({}) }, /"scrubheaders" is not an option; did you mean scrubHeaders\?/],
    ['a misspelt option, two letters off', { fallbak: 'next' }, /"fallbak" is not an option; did you mean fallback\?/],
    ['a misspelt option, a letter left out', { conversationLoger: false }, /did you mean conversationLogger\?/],
  ])('%s', (_name, options, names) => {
    const error = thrownBy(() => createProviderRouter({ logger: silentLogger, ...(options as ProviderRouterOptions) }), ProviderRouterError);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toMatch(names);
    expect(error.message).not.toMatch(/is not a function|Cannot read|undefined/);
  });
});

test("a property that is no slip of an option's name is left alone: a host may keep its own settings beside ours", async () => {
  const router = createProviderRouter({ logger: silentLogger, env: {}, ...({ appName: 'chat', fallbackUrl: 'http://x' } as ProviderRouterOptions) });
  await router.close();
});

test.each<[string, Record<string, unknown>, RegExp]>([
  ['maxTokens 0', { maxTokens: 0 }, /maxTokens must be a positive integer/],
  ['maxTokens as a string', { maxTokens: '4096' }, /maxTokens must be a positive integer/],
  ['maxTokens negative', { maxTokens: -1 }, /maxTokens must be a positive integer/],
  ['an unknown thinking mode', { thinking: 'deep' }, /thinking must be 'adaptive' or 'budget'/],
])('createAnthropicProvider with %s stops with invalid_config, as ANTHROPIC_MAX_TOKENS and ANTHROPIC_THINKING would', (_name, settings, message) => {
  const error = thrownBy(() => createAnthropicProvider({ apiKey: 'k', ...settings }), ProviderRouterError);
  expect(error.code).toBe('invalid_config');
  expect(error.message).toMatch(message);
});

describe("a host adapter's failures on a request", () => {
  const failing = (extra: Partial<ProviderAdapter>): ProviderAdapter => ({
    ...defineProvider({ id: 'mine', dialect: 'openai', baseUrl: '', enabled: true, upstreamHeaders: () => ({ 'api-key': CODE_KEYS.acme }) }),
    baseUrl: targets.openai.baseUrl,
    secrets: [CODE_KEYS.acme],
    ...extra,
  });
  const HOOKS: Array<[string, Partial<ProviderAdapter>, string]> = [
    [
      'adaptRequest throws',
      {
        adaptRequest: () => {
          throw new Error(`adapt bug ${CODE_KEYS.acme}`);
        },
      },
      'adaptRequest',
    ],
    [
      'adaptRequest returns nothing (the body changed in place)',
      { adaptRequest: ((body: Record<string, unknown>) => void (body.x = 1)) as never },
      'adaptRequest',
    ],
    ['adaptRequest returns a string', { adaptRequest: (() => 'junk') as never }, 'adaptRequest'],
    [
      'upstreamHeaders throws',
      {
        upstreamHeaders: () => {
          throw new Error(`headers bug ${CODE_KEYS.acme}`);
        },
      },
      'upstreamHeaders',
    ],
    ['upstreamHeaders returns a string', { upstreamHeaders: (() => 'api-key: x') as never }, 'upstreamHeaders'],
  ];
  const ROUTES: Array<[string, Record<string, unknown>, 'openai' | 'anthropic']> = [
    ['/v1/chat/completions', chatBody('mine/m'), 'openai'],
    ['/v1/chat/completions', chatBody('mine/m', { stream: true }), 'openai'],
    ['/v1/messages', messagesBody('mine/m', { stream: true }), 'anthropic'],
    ['/v1/responses', { model: 'mine/m', input: 'hi', stream: true }, 'openai'],
  ];

  test.each(HOOKS)('%s: a 500 on every route naming the provider and the hook, nothing sent, the host still serves', async (_name, extra, hook) => {
    const host = await startHost({ env: envFor(decoys), providers: { mine: failing(extra) } });
    const observed = observe();
    observed.listen(host.router);
    try {
      for (const [url, body, shape] of ROUTES) {
        const res = await rawRequest({ url: `${host.url}${url}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status).toBe(500);
        const error = JSON.parse(res.text) as { type?: string; error: { message: string } };
        if (shape === 'anthropic') expect(error.type).toBe('error');
        expect(error.error.message).toContain('"mine"');
        expect(error.error.message).toContain(hook);
        expect(res.text).not.toContain(CODE_KEYS.acme);
      }
      expect(targets.received()).toHaveLength(0);
      expect((await observed.waitForEnds(ROUTES.length)).map((end) => [end.provider, end.status])).toEqual(ROUTES.map(() => ['mine', 500]));
      expect(await askThroughSdk(host, 'chat', 'openai/gpt-4o', false)).toBeTruthy();
    } finally {
      await host.close();
    }
  });
});

describe("a host adapter's model list that fails or returns junk", () => {
  const lister = (listModels: unknown): ProviderAdapter =>
    ({
      ...defineProvider({ id: 'mine', dialect: 'openai', baseUrl: targets.openai.baseUrl, enabled: true, upstreamHeaders: () => ({}) }),
      listModels,
    }) as ProviderAdapter;

  test.each<[string, unknown]>([
    [
      'throws at once (not a rejected promise)',
      () => {
        throw new Error('list bug');
      },
    ],
    ['rejects with a string', () => Promise.reject('down')],
    ['rejects with undefined', () => Promise.reject(undefined)],
    ['resolves with a string', () => Promise.resolve('a,b')],
    ['resolves with a list of numbers', () => Promise.resolve([1, 2])],
    ['returns undefined', () => undefined],
  ])('one that %s is left out and reported; the rest is listed, and requests to it still go', async (_name, listModels) => {
    const host = await startHost({ env: envFor(decoys), providers: { mine: lister(listModels) } });
    const observed = observe();
    observed.listen(host.router);
    try {
      const res = await rawRequest({ url: `${host.url}/v1/models`, method: 'GET' });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as { data: Array<{ provider: string }> };
      expect(new Set(body.data.map((entry) => entry.provider))).toEqual(new Set(['local', 'openai', 'openrouter', 'anthropic']));
      expect(observed.events.filter((event) => event.type === 'models.error').map((event) => event.provider)).toEqual(['mine']);
      const listed = await host.router.listModels();
      expect(listed.some((entry) => entry.provider === 'mine')).toBe(false);
      expect(await askThroughSdk(host, 'chat', 'mine/m', false)).toBeTruthy();
    } finally {
      await host.close();
    }
  });

  test('one that returns a plain array (no promise) is listed', async () => {
    const host = await startHost({ env: envFor(decoys), providers: { mine: lister(() => [{ id: 'plain' }]) } });
    try {
      expect((await host.router.listModels()).filter((entry) => entry.provider === 'mine').map((entry) => entry.id)).toEqual(['mine/plain']);
    } finally {
      await host.close();
    }
  });
});

describe('listModels() after close()', () => {
  test.each([
    ['never asked before', false],
    ['asked before (lists cached)', true],
  ])('%s: rejects with router_closed, as GET /models answers 503, and asks no provider', async (_name, askedBefore) => {
    const router = createProviderRouter({ env: envFor(decoys), logger: silentLogger, providers: { acme: hostAdapter('acme').adapter } });
    if (askedBefore) expect((await router.listModels()).length).toBeGreaterThan(0);
    await router.close();
    decoys.reset();
    const error = await router.listModels().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProviderRouterError);
    expect(error).toMatchObject({ code: 'router_closed', status: 503 });
    expect(decoys.received()).toHaveLength(0);
  });
});

test('close() twice resolves both times, and the router stays closed', async () => {
  const router = createProviderRouter({ env: envFor(decoys), logger: silentLogger });
  await Promise.all([router.close(), router.close()]);
  await router.close();
  await expect(router.listModels()).rejects.toMatchObject({ code: 'router_closed' });
});

/** An adapter written as a class: methods and an `enabled` getter on its prototype, its key in a `#private` field. */
class ClassAdapter implements ProviderAdapter {
  readonly id = 'mine';
  readonly dialect = 'openai' as const;
  readonly secrets: string[];
  readonly #key: string;
  constructor(
    readonly baseUrl: string,
    key: string,
  ) {
    this.#key = key;
    this.secrets = [key];
  }
  get enabled(): boolean {
    return this.#key !== '';
  }
  upstreamHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.#key}` };
  }
  adaptRequest(body: Record<string, unknown>): Record<string, unknown> {
    return { ...body, user: `class-${this.id}` };
  }
  async listModels(context: ModelListContext): Promise<ProviderModel[]> {
    return ((await context.getJson(`${this.baseUrl}/models`)) as { data: ProviderModel[] }).data;
  }
}

test.each<[string, Record<string, string>]>([
  ['no variable of its own', {}],
  ['MINE_RESPONSES=chat', { MINE_RESPONSES: 'chat' }],
  ['MINE_RESPONSES=native', { MINE_RESPONSES: 'native' }],
  ['MINE_MODELS', { MINE_MODELS: 'a,b' }],
])('a class-based adapter, %s: every dialect with its key and its adaptRequest, and its model list', async (_name, env) => {
  const host = await startHost({ env: { ...envFor(decoys), ...env }, providers: { mine: new ClassAdapter(targets.openai.baseUrl, CODE_KEYS.acme) } });
  try {
    for (const route of ['chat', 'messages', 'responses'] as const) {
      targets.reset();
      expect(await askThroughSdk(host, route, 'mine/m', false)).toBeTruthy();
      expect(targets.openai.requests[0]!.headers.authorization).toBe(`Bearer ${CODE_KEYS.acme}`);
      expect(targets.openai.requests[0]!.body?.user).toBe('class-mine');
    }
    expect(new URL(targets.openai.requests[0]!.url, 'http://x').pathname).toBe(
      env.MINE_RESPONSES === 'native' ? '/v1/responses' : '/v1/chat/completions',
    );
    const listed = (await host.router.listModels()).filter((entry) => entry.provider === 'mine');
    expect(listed.length).toBeGreaterThan(0);
  } finally {
    await host.close();
  }
});

describe('a host adapter id the env also lists', () => {
  test.each<[ProviderId]>([['openai'], ['anthropic']])('fallback next and %s in code: the host handler gets unmatched models', async (id) => {
    const host = await startHost(
      { env: envFor(decoys), fallback: 'next', providers: { [id]: hostAdapter(id).adapter } },
      { after: (app) => app.use((_req, res) => void res.json({ servedBy: 'host' })) },
    );
    try {
      const res = await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('model.gguf')),
      });
      expect(JSON.parse(res.text)).toEqual({ servedBy: 'host' });
      expect([...decoys.received(), ...targets.received()]).toHaveLength(0);
    } finally {
      await host.close();
    }
  });
});

describe('each documented factory setting and adapter field does what docs/providers.md says', () => {
  /** Sends `body` to `url` of a host with `providers`; resolves with the status and the one upstream request `fake` got. */
  async function through(
    providers: ProviderRouterOptions['providers'],
    url: string,
    body: Record<string, unknown>,
    fake: () => FakeUpstream,
    headers: Record<string, string> = {},
  ) {
    const host = await startHost({ env: envFor(decoys), providers });
    try {
      const res = await rawRequest({
        url: `${host.url}${url}`,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: res.text, sent: fake().requests[0] };
    } finally {
      await host.close();
    }
  }
  const chat = '/v1/chat/completions';

  test('defineProvider returns its adapter unchanged', () => {
    const adapter = hostAdapter('acme').adapter;
    expect(defineProvider(adapter)).toBe(adapter);
  });

  test('createOpenAICompatibleProvider: headers sent on every request, beside its Bearer key', async () => {
    const groq = createOpenAICompatibleProvider({
      id: 'groq',
      baseUrl: targets.openai.baseUrl,
      apiKey: CODE_KEYS.acme,
      headers: { 'x-team': 'blue' },
    });
    for (const [url, body] of [
      [chat, chatBody('groq/m')],
      ['/v1/messages', messagesBody('groq/m')],
      ['/v1/responses', { model: 'groq/m', input: 'hi' }],
    ] as const) {
      targets.reset();
      const { status, sent } = await through({ groq }, url, body, () => targets.openai);
      expect(status).toBe(200);
      expect(sent!.headers).toMatchObject({ 'x-team': 'blue', authorization: `Bearer ${CODE_KEYS.acme}` });
    }
  });

  test('createOpenAICompatibleProvider: keyOptional enables it without a key, and no authorization is sent', async () => {
    const ollama = createOpenAICompatibleProvider({ id: 'ollama', baseUrl: targets.local.baseUrl, keyOptional: true });
    expect(ollama.enabled).toBe(true);
    const { status, sent } = await through({ ollama }, chat, chatBody('ollama/qwen'), () => targets.local);
    expect(status).toBe(200);
    expect(sent!.headers.authorization).toBeUndefined();
  });

  test.each([
    [true, '/v1/messages'],
    [false, '/v1/chat/completions'],
  ])('createOpenAICompatibleProvider: servesMessages %p sends /messages to %s', async (servesMessages, upstreamPath) => {
    const mine = createOpenAICompatibleProvider({ id: 'mine', baseUrl: targets.local.baseUrl, keyOptional: true, servesMessages });
    const { status, sent } = await through({ mine }, '/v1/messages', messagesBody('mine/m'), () => targets.local);
    expect(status).toBe(200);
    expect(new URL(sent!.url, 'http://x').pathname).toBe(upstreamPath);
  });

  test('createAnthropicProvider: version is the anthropic-version sent when the client sends none; 2026-10-21 leaves out temperature', async () => {
    const anthropic = createAnthropicProvider({ baseUrl: targets.anthropic.baseUrl, apiKey: CODE_KEYS.anthropic, version: '2026-10-21' });
    const { status, sent } = await through(
      { anthropic },
      chat,
      chatBody('anthropic/claude-x', { temperature: 0.2, top_p: 0.9 }),
      () => targets.anthropic,
    );
    expect(status).toBe(200);
    expect(sent!.headers['anthropic-version']).toBe('2026-10-21');
    expect(sent!.body).not.toHaveProperty('temperature');
    expect(sent!.body).not.toHaveProperty('top_p');
    targets.reset();
    const passthrough = await through({ anthropic }, '/v1/messages', messagesBody('anthropic/claude-x'), () => targets.anthropic, {
      'anthropic-version': '2023-06-01',
    });
    expect(passthrough.sent!.headers['anthropic-version']).toBe('2023-06-01');
  });

  test.each([
    ['adaptive', { type: 'adaptive' }],
    ['budget', { type: 'enabled', budget_tokens: 4096 }],
  ] as const)("createAnthropicProvider: thinking '%s' is how a translated effort reaches the model", async (thinking, expected) => {
    const anthropic = createAnthropicProvider({ baseUrl: targets.anthropic.baseUrl, apiKey: CODE_KEYS.anthropic, thinking, maxTokens: 8000 });
    const { status, sent } = await through(
      { anthropic },
      chat,
      chatBody('anthropic/claude-x', { reasoning_effort: 'high' }),
      () => targets.anthropic,
    );
    expect(status).toBe(200);
    expect(sent!.body?.thinking).toMatchObject(expected);
  });

  test('createAnthropicProvider: a baseUrl given with /v1 is not doubled', async () => {
    const anthropic = createAnthropicProvider({ baseUrl: `${targets.anthropic.baseUrl}/v1`, apiKey: CODE_KEYS.anthropic });
    const { status, sent } = await through({ anthropic }, '/v1/messages', messagesBody('anthropic/claude-x'), () => targets.anthropic);
    expect(status).toBe(200);
    expect(new URL(sent!.url, 'http://x').pathname).toBe('/v1/messages');
  });

  test('createOpenRouterProvider: siteUrl and appName are its attribution headers', async () => {
    const openrouter = createOpenRouterProvider({
      baseUrl: targets.openrouter.baseUrl,
      apiKey: CODE_KEYS.openrouter,
      siteUrl: 'https://a.example',
      appName: 'A',
    });
    const { sent } = await through({ openrouter }, chat, chatBody('openrouter/x'), () => targets.openrouter);
    expect(sent!.headers).toMatchObject({ 'http-referer': 'https://a.example', 'x-openrouter-title': 'A', 'x-title': 'A' });
  });

  test.each([
    [true, 200],
    [false, 400],
  ])('fetchesFileUrls %p: a Messages document given by URL is sent as file_data, or refused', async (fetchesFileUrls, status) => {
    const mine = { ...createOpenAICompatibleProvider({ id: 'mine', baseUrl: targets.openai.baseUrl, apiKey: CODE_KEYS.acme }), fetchesFileUrls };
    const document = { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } };
    const body = messagesBody('mine/m', { messages: [{ role: 'user', content: [document, { type: 'text', text: 'sum up' }] }] });
    const result = await through({ mine }, '/v1/messages', body, () => targets.openai);
    expect(result.status).toBe(status);
    if (fetchesFileUrls) expect(JSON.stringify(result.sent!.body)).toContain('"file_data":"https://example.com/a.pdf"');
    else expect(result.sent).toBeUndefined();
  });

  test("forwardHeaders: the client's header goes upstream when the client speaks the adapter's dialect; a credential never does", async () => {
    const mine = { ...hostAdapter('acme').adapter, forwardHeaders: ['x-trace', 'x-api-key'] };
    const { sent } = await through({ acme: mine }, chat, chatBody('acme/m'), () => targets.openai, { 'x-trace': 't-1', 'x-api-key': 'host-secret' });
    expect(sent!.headers['x-trace']).toBe('t-1');
    expect(sent!.headers['x-api-key']).toBeUndefined();
  });

  test('defaultHeaders: sent when the client sends none; a hook may change one but not remove it', async () => {
    const mine = { ...hostAdapter('acme').adapter, defaultHeaders: { 'x-api-version': '2' } };
    const host = await startHost({
      env: envFor(decoys),
      providers: { acme: mine },
      scrubHeaders: (headers, { direction }) => {
        if (direction === 'client') return headers;
        return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-api-version'));
      },
    });
    try {
      await askThroughSdk(host, 'chat', 'acme/m', false);
      expect(targets.openai.requests[0]!.headers['x-api-version']).toBe('2');
    } finally {
      await host.close();
    }
  });
});

describe('the scrubHeaders hook on the other routes', () => {
  test.each([
    ['/v1/completions', { model: 'openai/gpt-4o', prompt: 'hi' }, () => decoys.openai],
    ['/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }, () => decoys.openai],
    ['/v1/messages/count_tokens', { model: 'anthropic/claude-x', messages: [{ role: 'user', content: 'hi' }] }, () => decoys.anthropic],
  ])('%s: both directions; one that throws on either is a 500 naming scrubHeaders', async (url, body, fake) => {
    let failOn: string | undefined;
    const seen: string[] = [];
    const host = await startHost({
      env: envFor(decoys),
      scrubHeaders: (headers, { direction }) => {
        seen.push(direction);
        if (direction === failOn) throw new Error('hook bug');
        return { ...headers, [`x-hook-${direction}`]: 'yes' };
      },
    });
    try {
      const send = () => rawRequest({ url: `${host.url}${url}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const ok = await send();
      expect(ok.status).toBe(200);
      expect(seen).toEqual(['upstream', 'client']);
      expect(fake().requests[0]!.headers['x-hook-upstream']).toBe('yes');
      expect(ok.headers['x-hook-client']).toBe('yes');
      for (const direction of ['upstream', 'client']) {
        failOn = direction;
        fake().reset();
        const failed = await send();
        expect(failed.status).toBe(500);
        expect(failed.text).toContain('scrubHeaders');
        expect(fake().requests).toHaveLength(direction === 'upstream' ? 0 : 1);
      }
    } finally {
      await host.close();
    }
  });

  test.each(['chat', 'messages', 'responses'] as const)(
    '%s: a hook that returns no headers at all leaves the body types, so each SDK still reads its answer, streamed or not',
    async (route) => {
      const host = await startHost({
        env: envFor(decoys),
        providers: { acme: hostAdapter('acme').adapter, 'claude-proxy': hostAdapter('claude-proxy').adapter },
        scrubHeaders: () => ({}),
      });
      try {
        for (const model of ['openai/gpt-4o', 'anthropic/claude-x', 'local/m', 'openrouter/a/b', 'acme/m', 'claude-proxy/m']) {
          for (const stream of [false, true]) expect(await askThroughSdk(host, route, model, stream)).toBeTruthy();
        }
        for (const sent of [...decoys.received(), ...targets.received()]) {
          expect(sent.headers['content-type']).toBe('application/json');
        }
        const refused = await rawRequest({
          url: `${host.url}/v1/chat/completions`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(chatBody('anthropic/claude-x', { response_format: { type: 'json_object' } })),
        });
        expect(refused.status).toBe(400);
        expect(refused.headers['content-type']).toMatch(/^application\/json/);
      } finally {
        await host.close();
      }
    },
  );

  test('a hook may return names in any case and change the headers it was given in place', async () => {
    const host = await startHost({
      env: envFor(decoys),
      scrubHeaders: (headers, { direction }) => {
        if (direction === 'upstream') headers['x-in-place'] = '1';
        return { ...headers, 'X-Mixed-Case': 'v' };
      },
    });
    try {
      const res = await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('openai/gpt-4o')),
      });
      expect(res.status).toBe(200);
      expect(decoys.openai.requests[0]!.headers).toMatchObject({ 'x-in-place': '1', 'x-mixed-case': 'v' });
      expect(res.headers['x-mixed-case']).toBe('v');
    } finally {
      await host.close();
    }
  });
});
