/**
 * Messages answers carry `model` as the client asked for it, passthrough included: Claude Code
 * drops signed thinking from replayed turns whose model differs from the one it now requests, and
 * Anthropic then refuses the tool loop.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames, sendJson } from '../support/upstream-answers';

let anthropic: FakeUpstream, local: FakeUpstream, openai: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [anthropic, local, openai] = await startFakeUpstreams('anthropic', 'local', 'openai');
  host = await startHost({ env: envFor({ anthropic, local, openai }) });
});
afterEach(() => [anthropic, local, openai].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([anthropic, local, openai].map((fake) => fake.close()));
});

const client = (): Anthropic => new Anthropic({ apiKey: 'x', baseURL: host.url, maxRetries: 0 });
const params = { max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

test.each(['anthropic/claude-sonnet-5-5', 'local/qwen', 'openai/gpt-4o'])(
  '%s: the streamed and the whole answer carry the model the client asked for',
  async (model) => {
    const whole = await client().messages.create({ ...params, model });
    expect(whole.model).toBe(model);
    const events: string[] = [];
    const stream = client().messages.stream({ ...params, model });
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') events.push(event.message.model);
    });
    const streamed = await stream.finalMessage();
    expect(streamed.model).toBe(model);
    expect(events).toEqual([model]);
  },
);

test('the rest of a passed-through stream stays byte for byte', async () => {
  const response = await fetch(`${host.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...params, model: 'anthropic/claude-sonnet-5-5', stream: true }),
  });
  const frames = (await response.text()).split('\n\n');
  expect(frames[0]).toContain('"model":"anthropic/claude-sonnet-5-5"');
  // Every frame after message_start is the fake's own.
  expect(frames.slice(1).join('\n\n')).not.toContain('anthropic/claude');
});

test('a model sent upstream under the name the client asked for, answered under a dated name, still comes back as asked', async () => {
  const dated = 'claude-sonnet-5-5-20261001';
  anthropic.handler = (request, res) => {
    if (request.body?.stream === true) {
      sendFrames(
        res,
        sseFrames('anthropic-messages-stream-text.sse').map((frame) => frame.replace('"model":"claude-sonnet-5-5"', `"model":"${dated}"`)),
      );
    } else {
      sendJson(res, 200, { ...fixtureJson<Record<string, unknown>>('anthropic-message.json'), model: dated });
    }
  };
  const whole = await client().messages.create({ ...params, model: 'claude-sonnet-5-5' });
  expect(anthropic.requests[0]!.body!.model).toBe('claude-sonnet-5-5');
  expect(whole.model).toBe('claude-sonnet-5-5');
  const streamed = await client()
    .messages.stream({ ...params, model: 'claude-sonnet-5-5' })
    .finalMessage();
  expect(streamed.model).toBe('claude-sonnet-5-5');
});

test('an answer that already carries the model as asked is passed on byte for byte', async () => {
  anthropic.handler = (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      '{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-5-5","content":[{"type":"text","text":"hi"}],\n "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}',
    );
  };
  const response = await fetch(`${host.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...params, model: 'claude-sonnet-5-5' }),
  });
  expect(await response.text()).toContain(',\n "stop_reason"');
});
