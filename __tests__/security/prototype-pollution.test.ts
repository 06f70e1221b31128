/**
 * `__proto__`, `constructor` and `prototype` keys in a JSON body change nothing: not the request
 * that carries them (its routing, its streaming), and not how the router answers later requests.
 * Checked through the router's answers and what reaches the fake upstreams, before and after.
 */
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { observe } from '../support/observe';

let fakes: Fakes;
let host: Host;
const observed = observe();

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: envFor(fakes), conversationLogger: observed.conversationLogger });
  observed.listen(host.router);
});
afterEach(() => {
  fakes.reset();
  observed.clear();
});
afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

const MESSAGES = '[{"role":"user","content":"hi"}]';

/** Ordinary requests whose answers must not change. */
const PROBES: Array<{ name: string; path: string; body: string }> = [
  { name: 'chat to openai', path: '/v1/chat/completions', body: `{"model":"gpt-4o-mini","messages":${MESSAGES}}` },
  { name: 'chat to anthropic', path: '/v1/chat/completions', body: `{"model":"claude-sonnet-4-5","messages":${MESSAGES}}` },
  { name: 'chat to local', path: '/v1/chat/completions', body: `{"model":"qwen","messages":${MESSAGES}}` },
  { name: 'streamed chat to openrouter', path: '/v1/chat/completions', body: `{"model":"openrouter/x","stream":true,"messages":${MESSAGES}}` },
  { name: 'streamed chat to anthropic', path: '/v1/chat/completions', body: `{"model":"claude-sonnet-4-5","stream":true,"messages":${MESSAGES}}` },
  { name: 'messages to openai', path: '/v1/messages', body: `{"model":"gpt-4o-mini","max_tokens":16,"messages":${MESSAGES}}` },
  { name: 'messages to anthropic', path: '/v1/messages', body: `{"model":"claude-sonnet-4-5","max_tokens":16,"messages":${MESSAGES}}` },
  { name: 'messages to local', path: '/v1/messages', body: `{"model":"qwen","max_tokens":16,"messages":${MESSAGES}}` },
  { name: 'count_tokens to anthropic', path: '/v1/messages/count_tokens', body: `{"model":"claude-sonnet-4-5","messages":${MESSAGES}}` },
  { name: 'completions to openai', path: '/v1/completions', body: '{"model":"gpt-4o-mini","prompt":"Say"}' },
  { name: 'embeddings to openai', path: '/v1/embeddings', body: '{"model":"openai/text-embedding-3-small","input":"x"}' },
  { name: 'chat without a model', path: '/v1/chat/completions', body: `{"messages":${MESSAGES}}` },
  { name: 'messages without a model', path: '/v1/messages', body: `{"max_tokens":16,"messages":${MESSAGES}}` },
  { name: 'chat with an empty body', path: '/v1/chat/completions', body: '{}' },
];

/** What a probe's answer and its upstream request look like, minus what changes every time. */
async function behaviourOf(probe: (typeof PROBES)[number]): Promise<unknown> {
  fakes.reset();
  observed.clear();
  const res = await rawRequest({ url: `${host.url}${probe.path}`, headers: { 'content-type': 'application/json' }, body: probe.body });
  const start = observed.events.find((event) => event.type === 'request.start');
  return {
    status: res.status,
    contentType: res.headers['content-type'],
    provider: res.headers['x-provider'],
    body: stable(res.text),
    stream: start && 'stream' in start ? start.stream : undefined,
    upstream: fakes.received().map((request) => ({ url: request.url, body: request.rawBody })),
  };
}

/** Timestamps and generated ids vary between two identical requests. */
function stable(text: string): string {
  return text.replace(/"created":\d+/g, '"created":0').replace(/"(id|created_at)":"(chatcmpl|msg|toolu|cmpl)[-_][^"]*"/g, '"$1":"$2-x"');
}

/** Hostile bodies: each key reads like a way into a prototype. `MODEL` is replaced per target. */
const POLLUTERS: string[] = [
  '{"__proto__":{"stream":true,"model":"openai/evil","max_tokens":1,"messages":[]}}',
  '{"constructor":{"prototype":{"stream":true,"model":"openai/evil","messages":[]}}}',
  '{"prototype":{"model":"openai/evil"},"__proto__":{"__proto__":{"model":"openai/evil"}}}',
  `{"model":MODEL,"messages":${MESSAGES},"max_tokens":16,"__proto__":{"stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"x"}}]}}`,
  `{"model":MODEL,"messages":${MESSAGES},"max_tokens":16,"constructor":{"prototype":{"stream":true,"model":"openai/evil"}},"prototype":{"stream":true}}`,
  `{"model":MODEL,"max_tokens":16,"messages":[{"role":"user","content":"hi","__proto__":{"role":"system","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}`,
  `{"model":MODEL,"max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"hi","__proto__":{"type":"image","source":{"type":"url","url":"http://evil.example/x.png"}}}]},{"constructor":{"prototype":{"role":"assistant"}},"role":"user","content":"again"}]}`,
  `{"model":MODEL,"max_tokens":16,"messages":${MESSAGES},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","__proto__":{"polluted":true}}},"__proto__":{"x":1}},{"name":"g","input_schema":{"type":"object","constructor":{"prototype":{"polluted":true}}},"__proto__":{"cache_control":{"type":"ephemeral"}}}]}`,
  `{"model":MODEL,"max_tokens":16,"messages":${MESSAGES},"stream":true,"stream_options":{"__proto__":{"include_usage":true},"constructor":{"prototype":{"include_usage":true}}}}`,
  `{"model":MODEL,"max_tokens":16,"messages":${MESSAGES},"metadata":{"__proto__":{"user_id":"x"}},"system":[{"type":"text","text":"s","__proto__":{"cache_control":{"type":"ephemeral"}}}]}`,
  `{"model":MODEL,"max_tokens":16,"messages":${MESSAGES},"tool_choice":{"__proto__":{"type":"function","function":{"name":"x"}}},"response_format":{"__proto__":{"type":"json_object"}}}`,
  `{"model":MODEL,"max_tokens":16,"messages":${MESSAGES},"__proto__":null,"constructor":null,"prototype":[]}`,
  `{"model":MODEL,"prompt":"Say","input":"x","__proto__":{"stream":true,"prompt":["a"],"input":[1]}}`,
];
const TARGET_MODELS = ['"gpt-4o-mini"', '"claude-sonnet-4-5"', '"qwen"', '"openrouter/x"'];
const ROUTES = ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/completions', '/v1/embeddings'];

describe('__proto__ / constructor / prototype keys in a body', () => {
  test('change none of the answers the router gives later requests, on any route and provider', async () => {
    const before: unknown[] = [];
    for (const probe of PROBES) before.push(await behaviourOf(probe));
    // The probes exercise real answers (a 400 for the three without a model), so a change would show.
    expect(before.map((b) => (b as { status: number }).status)).toEqual(PROBES.map((p) => (/model/.test(p.body) ? 200 : 400)));
    expect(before.filter((b) => (b as { stream?: boolean }).stream === true)).toHaveLength(2);
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    let sent = 0;
    for (const route of ROUTES) {
      for (const polluter of POLLUTERS) {
        for (const model of TARGET_MODELS) {
          const res = await rawRequest({
            url: `${host.url}${route}`,
            headers: { 'content-type': 'application/json' },
            body: polluter.replace('MODEL', model),
          });
          sent++;
          // Refused, or answered as the upstream answered; never a failure of the router itself.
          expect(res.status).toBeLessThan(500);
        }
      }
    }
    expect(sent).toBe(ROUTES.length * POLLUTERS.length * TARGET_MODELS.length);

    const after: unknown[] = [];
    for (const probe of PROBES) after.push(await behaviourOf(probe));
    expect(after).toEqual(before);
    // The same process: nothing was added to Object.prototype either.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).stream).toBeUndefined();
  });

  test.each(ROUTES)('on %s, a model given only through __proto__ or constructor.prototype is no model: 400, nothing sent', async (route) => {
    for (const polluter of POLLUTERS.slice(0, 3)) {
      fakes.reset();
      const res = await rawRequest({ url: `${host.url}${route}`, headers: { 'content-type': 'application/json' }, body: polluter });
      expect(res.status).toBe(400);
      expect(fakes.received()).toEqual([]);
      expect(observed.events).toEqual([]);
    }
  });

  test.each([
    ['/v1/chat/completions', 'gpt-4o-mini', 'openai'],
    ['/v1/chat/completions', 'claude-sonnet-4-5', 'anthropic'],
    ['/v1/messages', 'gpt-4o-mini', 'openai'],
    ['/v1/messages', 'claude-sonnet-4-5', 'anthropic'],
    ['/v1/messages', 'qwen', 'local'],
  ] as const)('on %s to %s, a __proto__.stream does not make the request streamed, nor changes its route', async (route, model, provider) => {
    const res = await rawRequest({
      url: `${host.url}${route}`,
      headers: { 'content-type': 'application/json' },
      body: `{"model":"${model}","max_tokens":16,"messages":${MESSAGES},"__proto__":{"stream":true,"model":"openrouter/evil"},"constructor":{"prototype":{"stream":true}}}`,
    });
    // Passed through to a Messages endpoint, the keys go on as they are and the upstream judges them
    // (Anthropic refuses unknown fields with a 400): the answer is the upstream's, not a stream.
    // Translated from Messages, the router refuses them itself, as fields the Messages API does not define.
    expect(res.status === 200 || res.status === 400).toBe(true);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-provider']).toBe(provider);
    expect(observed.events.find((event) => event.type === 'request.start')).toMatchObject({ stream: false, provider });
    if (route === '/v1/messages' && provider === 'openai') {
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringMatching(/__proto__|constructor/) },
      });
      expect(fakes[provider].requests).toHaveLength(0);
    } else {
      expect(fakes[provider].requests).toHaveLength(1);
      expect(fakes[provider].requests[0]!.body?.stream).not.toBe(true);
    }
    expect(fakes.openrouter.requests).toEqual([]);
  });
});
