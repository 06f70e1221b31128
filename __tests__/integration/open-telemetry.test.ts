import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { instrumentOpenTelemetry } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendJson } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';

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
