/**
 * What the client's SDK reads from the router's headers (DESIGN section 4): a request id it can
 * quote, the upstream's under a name of ours, and retry signals only where they are the upstream's
 * word on its own error.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rejectionOf } from '../support/rejection';
import { sendJson, UPSTREAM_REQUEST_ID } from '../support/upstream-answers';

let openai: FakeUpstream, anthropic: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [openai, anthropic] = await startFakeUpstreams('openai', 'anthropic');
  host = await startHost({ env: envFor({ openai, anthropic }) });
});
afterEach(() => [openai, anthropic].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, anthropic].map((fake) => fake.close()));
});

const messagesClient = (maxRetries = 0): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries });
const chatClient = (maxRetries = 0): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries });
const HELLO = [{ role: 'user' as const, content: 'hi' }];

describe('a request id the client can quote', () => {
  test.each(['anthropic/claude-sonnet-4-5', 'openai/gpt-4o'])(
    'the Anthropic SDK reads the router request id of a Messages answer (%s), and the upstream one comes as x-provider-request-id',
    async (model) => {
      const { data, response, request_id } = await messagesClient().messages.create({ model, max_tokens: 50, messages: HELLO }).withResponse();
      expect(data.type).toBe('message');
      expect(request_id).toMatch(/\S/);
      expect(request_id).toBe(response.headers.get('x-request-id'));
      expect(response.headers.get('x-provider-request-id')).toBe(UPSTREAM_REQUEST_ID);
    },
  );

  test("the Anthropic SDK's errors carry it too: an upstream's error, and the router's own", async () => {
    openai.handler = (_request, res) => {
      sendJson(res, 404, { error: { message: 'no such model', type: 'invalid_request_error', code: 'model_not_found' } });
      return true;
    };
    const upstreams = await rejectionOf(
      messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 50, messages: HELLO }),
      Anthropic.APIError,
    );
    expect(upstreams.status).toBe(404);
    expect(upstreams.requestID).toMatch(/\S/);
    const routers = await rejectionOf(
      messagesClient().messages.create({ model: 'openrouter/some-model', max_tokens: 50, messages: HELLO }),
      Anthropic.APIError,
    );
    expect(routers.status).toBe(400);
    expect(routers.requestID).toMatch(/\S/);
  });

  test('OpenAI-dialect answers keep the one name the OpenAI SDK reads, x-request-id, and the model list carries it too', async () => {
    const { response, request_id } = await chatClient().chat.completions.create({ model: 'openai/gpt-4o', messages: HELLO }).withResponse();
    expect(request_id).toBe(response.headers.get('x-request-id'));
    expect(response.headers.get('request-id')).toBeNull();
    expect(response.headers.get('x-provider-request-id')).toBe(UPSTREAM_REQUEST_ID);
    const models = await fetch(`${host.url}/v1/models`);
    expect(models.headers.get('x-request-id')).toMatch(/\S/);
    const anthropicModels = await fetch(`${host.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(anthropicModels.headers.get('request-id')).toBe(anthropicModels.headers.get('x-request-id'));
  });
});

describe("the upstream's retry signals", () => {
  const NO_RETRY = { 'x-should-retry': 'false', 'retry-after': '0' };

  test('reach the client with the upstream error they belong to', async () => {
    openai.handler = (_request, res) => {
      sendJson(res, 429, { error: { message: 'slow down', type: 'rate_limit_error', code: null } }, NO_RETRY);
      return true;
    };
    const answer = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', messages: HELLO }),
    });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('x-should-retry')).toBe('false');
    expect(answer.headers.get('retry-after')).toBe('0');
  });

  test.each([
    ['an answer that is not JSON', (res: import('node:http').ServerResponse) => sendBroken(res, 'not json at all')],
    ['an answer cut off', (res: import('node:http').ServerResponse) => sendBroken(res, '{"id":"chatcmpl-1","choices":[', true)],
  ])('stay off an error the router makes of %s: the SDK may retry it', async (_what, answer) => {
    openai.handler = (_request, res) => {
      answer(res);
      return true;
    };
    const failure = await rejectionOf(chatClient(1).chat.completions.create({ model: 'openai/gpt-4o', messages: HELLO }), OpenAI.APIError);
    expect(failure.status).toBe(502);
    expect(failure.headers?.get('x-should-retry')).toBeNull();
    expect(failure.headers?.get('retry-after')).toBeNull();
    // Sent once more by the SDK, which the upstream's "do not retry" would have stopped.
    expect(openai.requests).toHaveLength(2);
  });

  /** A 200 whose body the router cannot use, with the upstream's "do not retry" headers. */
  function sendBroken(res: import('node:http').ServerResponse, body: string, cutOff = false): void {
    res.writeHead(200, { 'content-type': 'application/json', ...NO_RETRY, ...(cutOff ? { 'content-length': String(body.length + 50) } : {}) });
    if (cutOff) {
      // Closed once the start has gone out: an answer begun, not a connection found closed.
      res.write(body, () => setTimeout(() => res.socket?.destroy(), 20));
    } else res.end(body);
  }
});
