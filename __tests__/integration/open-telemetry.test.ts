import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { instrumentOpenTelemetry } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { sendRequest } from '../support/http-client';
import { deferred, sleep, waitUntil } from '../support/wait';

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let host: Host;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(async () => {
  [anthropic, openai] = await startFakeUpstreams('anthropic', 'openai');
  host = await startHost({ env: envFor({ anthropic, openai }) });
  instrumentOpenTelemetry(host.router.telemetry, provider.getTracer('test'));
});
afterAll(async () => {
  await host.close();
  await Promise.all([anthropic.close(), openai.close()]);
});
beforeEach(() => exporter.reset());
afterEach(() => openai.reset());

/** The finished spans, once there is one. */
async function finishedSpans() {
  await waitUntil(() => exporter.getFinishedSpans().length > 0, 500, 'a finished span');
  return exporter.getFinishedSpans();
}

test('a streamed request becomes one span with the GenAI attributes', async () => {
  await request(host.url)
    .post('/v1/chat/completions')
    .send({ model: 'anthropic/claude-sonnet-5-5', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const [span] = await finishedSpans();
  expect(span?.name).toBe('chat claude-sonnet-5-5');
  expect(span?.kind).toBe(2);
  expect(span?.attributes).toEqual(
    expect.objectContaining({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-5-5',
      'gen_ai.response.model': 'claude-sonnet-5-5',
      'gen_ai.usage.input_tokens': 25,
      'gen_ai.usage.output_tokens': 15,
      'gen_ai.response.finish_reasons': ['end_turn'],
    }),
  );
});

test('an upstream error sets the span status to error', async () => {
  openai.handler = (_r, res) => sendJson(res, 503, { error: { message: 'down', type: 'server_error' } });
  await request(host.url)
    .post('/v1/chat/completions')
    .send({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const [span] = await finishedSpans();
  expect(span?.status).toEqual({ code: 2, message: 'down' });
  expect(span?.attributes['http.response.status_code']).toBe(503);
});

test.each([false, true])('gen_ai.response.model is the model the upstream says answered (stream=%s), and request.end carries it', async (stream) => {
  const ends: Array<{ responseModel?: string }> = [];
  const listener = (event: { responseModel?: string }): void => void ends.push(event);
  host.router.telemetry.on('request.end', listener);
  openai.handler = (_recorded, res) => {
    if (stream) sendFrames(res, sseFrames('openai-chat-stream-usage.sse'));
    else sendJson(res, 200, { ...fixtureJson<Record<string, unknown>>('openai-chat.json'), model: 'gpt-4o-mini-2024-07-18' });
  };

  try {
    await request(host.url)
      .post('/v1/chat/completions')
      .send({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });
    const [span] = await finishedSpans();
    expect(span?.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(span?.attributes['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');
    expect(ends[0]?.responseModel).toBe('gpt-4o-mini-2024-07-18');
  } finally {
    host.router.telemetry.off('request.end', listener);
  }
});

test('two requests in flight with the same client x-request-id each get their own span, both ended', async () => {
  const release = deferred();
  openai.handler = (recorded, res) => {
    const slow = (recorded.body as { messages: Array<{ content: string }> }).messages[0]?.content === 'slow';
    if (slow) void release.promise.then(() => sendJson(res, 200, fixtureJson('openai-chat.json')));
    else sendJson(res, 429, { error: { message: 'busy', type: 'rate_limit_error' } });
  };
  const post = (content: string) =>
    request(host.url)
      .post('/v1/chat/completions')
      .set('x-request-id', 'same-id')
      .send({ model: 'gpt-4o', messages: [{ role: 'user', content }] })
      .then((response) => response.status);
  const slow = post('slow');
  await waitUntil(() => openai.requests.length === 1, 2000, 'the slow request upstream');
  expect(await post('fast')).toBe(429);
  release.resolve();
  expect(await slow).toBe(200);
  await waitUntil(() => exporter.getFinishedSpans().length === 2, 2000, 'two finished spans');
  const statuses = exporter.getFinishedSpans().map((span) => span.attributes['http.response.status_code']);
  expect(statuses).toEqual([429, 200]);
  expect(exporter.getFinishedSpans().map((span) => span.attributes['express_provider_router.request_id'])).toEqual(['same-id', 'same-id']);
});

test.each([
  [
    '/v1/messages',
    { model: 'anthropic/claude-sonnet-5-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] },
    'anthropic',
    'claude-sonnet-5-5',
    'messages',
    [25, 15],
    'end_turn',
  ],
  ['/v1/responses', { model: 'openai/gpt-5.5', stream: true, input: 'hi' }, 'openai', 'gpt-5.5', 'responses', [1204, 38], 'completed'],
] as const)(
  '%s: a chat span with the GenAI attributes, usage read from the upstream',
  async (path, body, providerName, model, endpoint, [input, output], finish) => {
    await request(host.url).post(path).send(body);
    const [span] = await finishedSpans();
    expect(span?.name).toBe(`chat ${model}`);
    expect(span?.attributes).toEqual(
      expect.objectContaining({
        'gen_ai.provider.name': providerName,
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': model,
        'gen_ai.response.model': expect.any(String),
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.output_tokens': output,
        'gen_ai.response.finish_reasons': [finish],
        'express_provider_router.endpoint': endpoint,
        'http.response.status_code': 200,
      }),
    );
    expect(span?.attributes).not.toHaveProperty('gen_ai.system');
    expect(span?.status.code).toBe(0);
  },
);

test('a client that leaves before the upstream answered: the span ends, 499, not an error', async () => {
  openai.handler = () => true;
  const call = sendRequest({
    url: `${host.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  call.response.catch(() => undefined);
  await waitUntil(() => openai.requests.length === 1, 2000, 'the request upstream');
  call.abort();
  const [span] = await finishedSpans();
  expect(span?.attributes).toMatchObject({ 'http.response.status_code': 499, 'express_provider_router.outcome': 'aborted' });
  expect(span?.status.code).toBe(0);
});

test('a model routed to a provider without a key ends its span as an error (400); a request refused before routing has none', async () => {
  await request(host.url)
    .post('/v1/chat/completions')
    .send({ model: 'openrouter/x', messages: [{ role: 'user', content: 'hi' }] });
  const [span] = await finishedSpans();
  expect(span?.attributes).toMatchObject({ 'gen_ai.provider.name': 'openrouter', 'http.response.status_code': 400 });
  expect(span?.status.code).toBe(2);
  exporter.reset();
  await request(host.url).post('/v1/chat/completions').send({ messages: [] });
  await sleep(30);
  expect(exporter.getFinishedSpans()).toEqual([]);
});
