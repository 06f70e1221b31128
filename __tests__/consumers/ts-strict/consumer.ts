import assert from 'node:assert/strict';
import express from 'express';
import {
  createOpenAICompatibleProvider,
  createProviderRouter,
  defineProvider,
  ProviderRouterError,
  type HeaderMap,
  type ProviderAdapter,
  type ProviderRouterOptions,
  type RequestEndEvent,
  type ScrubHeadersContext,
  type TelemetryEvent,
} from 'express-provider-router';
import { checkChatCompletions, deadline, listen, startFakeUpstream } from './fake-openai-upstream.cjs';

const done = deadline();
const upstream = await startFakeUpstream();

// A provider written by hand against the adapter contract.
const acme: ProviderAdapter = defineProvider({
  id: 'acme',
  dialect: 'openai',
  baseUrl: upstream.baseUrl,
  enabled: true,
  secrets: ['acme-secret'],
  upstreamHeaders: () => ({ 'x-acme-key': 'acme-secret' }),
});

// As the README writes it: an env variable that may be unset (exactOptionalPropertyTypes is on).
const fromEnv = createOpenAICompatibleProvider({ id: 'from-env', baseUrl: upstream.baseUrl, apiKey: process.env.FROM_ENV_API_KEY });
if (fromEnv.enabled) throw new Error('a provider without its key must be disabled');

const directions: string[] = [];
const options: ProviderRouterOptions = {
  env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseUrl },
  providers: {
    acme,
    groq: createOpenAICompatibleProvider({ id: 'groq', baseUrl: upstream.baseUrl, apiKey: 'gsk-test', keyVariable: 'GROQ_API_KEY' }),
  },
  scrubHeaders: (headers: HeaderMap, context: ScrubHeadersContext): HeaderMap => {
    directions.push(`${context.direction}:${context.provider}`);
    return context.direction === 'upstream' ? { ...headers, 'x-consumer': 'ts-strict' } : headers;
  },
  fallback: 'next',
};
const router = createProviderRouter(options);

// A wrong option type fails to compile, and plain-JS callers get the same mistake at run time.
assert.throws(
  () =>
    createProviderRouter({
      // @ts-expect-error fallback is 'local' | 'next'
      fallback: 'sometimes',
    }),
  (error: unknown) => error instanceof ProviderRouterError && error.code === 'invalid_config',
);

// @ts-expect-error there is no 'request.finish' event
router.telemetry.on('request.finish', () => undefined);

let totalTokens = 0;
const ends: RequestEndEvent[] = [];
router.telemetry.on('request.end', (e) => {
  // @ts-expect-error usage is absent when the upstream reported none
  void e.usage.totalTokens;
  totalTokens += e.usage?.totalTokens ?? 0;
  ends.push(e);
});
const starts: string[] = [];
router.telemetry.on('event', (e: TelemetryEvent) => {
  if (e.type === 'request.start') starts.push(`${e.provider}:${e.upstreamModel}`);
});

const app = express();
app.use('/v1', router);
// fallback: 'next' leaves unmatched models to the host, with the body the router already parsed.
app.post('/v1/chat/completions', express.json(), (req, res) => {
  const body = req.body as { model: string };
  res.json({ servedBy: 'host', model: body.model });
});
const host = await listen(app);
try {
  const url = `${host.origin}/v1/chat/completions`;
  const openai = await checkChatCompletions(url, upstream, 'gpt-4o-mini');
  assert.equal(openai[0]?.headers.authorization, 'Bearer sk-test');
  assert.equal(openai[0]?.headers['x-consumer'], 'ts-strict');

  const custom = await checkChatCompletions(url, upstream, 'acme/acme-large');
  assert.equal(custom[0]?.body?.model, 'acme-large');
  assert.equal(custom[0]?.headers['x-acme-key'], 'acme-secret');

  const groq = await checkChatCompletions(url, upstream, 'groq/llama-3.3-70b');
  assert.equal(groq[1]?.headers.authorization, 'Bearer gsk-test');

  const unmatched = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'my-local-gguf', messages: [] }),
  });
  assert.equal(unmatched.status, 200);
  assert.deepEqual(await unmatched.json(), { servedBy: 'host', model: 'my-local-gguf' });

  assert.deepEqual(
    ends.map((e) => `${e.provider}:${e.status}:${e.outcome}`),
    ['openai', 'openai', 'acme', 'acme', 'groq', 'groq'].map((provider) => `${provider}:200:ok`),
  );
  assert.ok(starts.includes('acme:acme-large') && starts.includes('groq:llama-3.3-70b'), starts.join());
  assert.ok(totalTokens >= 14 * 3, `telemetry saw ${totalTokens} tokens`);
  assert.ok(directions.includes('upstream:acme') && directions.includes('client:groq'), directions.join());
} finally {
  await host.close();
  await router.close();
  await upstream.close();
}
done();
console.log(`ts-strict: node ${process.version}, ${ends.length} requests, ${totalTokens} tokens`);
