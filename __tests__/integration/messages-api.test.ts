/**
 * End to end: Anthropic's Messages API in (the official SDK and Claude Code's recorded requests
 * against a real Express host), routed by `model` to fakes of anthropic, local (llama-server),
 * openai and openrouter. DESIGN.md sections 1, 4, 5 and 8.
 */
import { createLocalProvider, type RequestEndEvent } from '../../lib';
import Anthropic from '@anthropic-ai/sdk';
import { startFakes, type FakeUpstream, type Fakes } from '../support/fake-upstream';
import { fixtureJson } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS, keyPiecesIn } from '../support/keys';
import { everythingSent, headerNames, onlyRequest } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { parseSse } from '../support/sse';
import { destroyHeldResponses, firstTextFrameIndex, sendFrames, sendHeldStream, sendJson } from '../support/upstream-answers';
import { deferred, within } from '../support/wait';
import {
  PASSTHROUGH_CASES,
  PROVIDER_CASES,
  TOOL_CALL_ID,
  TOOL_INPUT,
  TRANSLATED_CASES,
  WEATHER_TOOL,
  caseOf,
  openAIToolCallCompletion,
  openAIToolCallStreamFrames,
  sha256Hex,
  streamFramesOf,
  type ProviderCase,
} from './messages-api.helpers';

/** Longest a guard waits before a hang is reported (below PROVIDER_IDLE_TIMEOUT_MS of the host). */
const GUARD_MS = 1500;

let fakes: Fakes;
let host: Host;
let client: Anthropic;
/** What the SDK itself sent the host, for comparing with what reached an upstream. */
const clientRequests: Array<{ url: string; headers: Headers }> = [];

function newClient(baseURL: string): Anthropic {
  return new Anthropic({
    apiKey: CLIENT_TOKEN,
    baseURL,
    maxRetries: 0,
    fetch: (input, init) => {
      clientRequests.push({ url: String(input instanceof Request ? input.url : input), headers: new Headers(init?.headers) });
      return fetch(input, init);
    },
  });
}

beforeAll(async () => {
  fakes = await startFakes();
  // A long idle timeout: an upstream closed by the router's idle timer must not pass for an abort.
  host = await startHost({ env: { ...envFor(fakes), PROVIDER_IDLE_TIMEOUT_MS: '10000' } });
  client = newClient(host.url);
});

beforeEach(() => {
  fakes.reset();
  clientRequests.length = 0;
});

afterEach(() => {
  destroyHeldResponses();
  // Whatever the test did, the host's own client token never reaches an upstream.
  expect(everythingSent(fakes.all())).not.toContain(CLIENT_TOKEN);
});

afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

/** A message, created or streamed to its end as `mode` says. */
function messageVia(sdk: Anthropic, mode: 'create' | 'stream', params: Anthropic.MessageCreateParamsNonStreaming): Promise<Anthropic.Message> {
  return mode === 'create' ? sdk.messages.create(params) : sdk.messages.stream(params).finalMessage();
}

/** The auth every upstream must (and must only) receive. */
function expectProviderAuth(c: ProviderCase, headers: Record<string, unknown>): void {
  if (c.provider === 'anthropic') {
    expect(headers['x-api-key']).toBe(KEYS.anthropic);
    expect(headers.authorization).toBeUndefined();
  } else if (c.provider === 'local') {
    expect(headers['x-api-key']).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
  } else {
    expect(headers.authorization).toBe(`Bearer ${c.key}`);
    expect(headers['x-api-key']).toBeUndefined();
  }
}

/** Non-streamed and streamed answers of each fake, as the client must see them. */
const EXPECTED = {
  passthrough: { json: { text: 'Hello there!', input: 384, output: 92 }, stream: { text: 'Hello there!', output: 15 } },
  translated: { json: { text: 'Hello! How can I assist you today?', input: 19, output: 10 }, stream: { text: 'Hello there!', output: 3 } },
};

const HELLO = [{ role: 'user' as const, content: 'Say hello.' }];

describe.each(PROVIDER_CASES)('Messages API through the SDK to $provider ($model)', (c) => {
  const fake = (): FakeUpstream => fakes[c.provider];
  const expected = c.translated ? EXPECTED.translated : EXPECTED.passthrough;

  it('answers a non-streamed message with its text, stop_reason and usage', async () => {
    const params = { model: c.model, max_tokens: 256, messages: HELLO };
    const message = await client.messages.create(params);

    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: expected.json.text })]);
    expect(message.usage).toMatchObject({ input_tokens: expected.json.input, output_tokens: expected.json.output });

    const sent = onlyRequest(fake());
    expect(sent.url).toBe(c.upstreamPath);
    expect(sent.body?.model).toBe(c.upstreamModel);
    expectProviderAuth(c, sent.headers);
    if (c.translated) {
      // OpenAI's reasoning models refuse max_tokens: its adapter sends max_completion_tokens.
      const limit = c.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens';
      expect(sent.body).toEqual({ model: c.upstreamModel, [limit]: 256, messages: [{ role: 'user', content: 'Say hello.' }] });
    } else {
      expect(sent.body).toEqual({ ...params, model: c.upstreamModel });
    }
    if (c.provider === 'anthropic') {
      // The client's own anthropic-version is kept on passthrough.
      const clientVersion = clientRequests[0]?.headers.get('anthropic-version');
      expect(clientVersion).toBeTruthy();
      expect(sent.headers['anthropic-version']).toBe(clientVersion);
    }
  });

  it('streams text events while the upstream is still sending; finalMessage() has the whole text and usage', async () => {
    const frames = streamFramesOf(c);
    const firstTextSeen = deferred();
    let restSent = false;
    fake().handler = (recorded, res) => {
      if (recorded.body?.stream !== true) return false;
      // The rest of the stream is sent only after the client has seen the first text (or, if it
      // never does, after the guard: then the assertion below reports it).
      const release = within(firstTextSeen.promise, GUARD_MS, 'first text event').catch(() => undefined);
      sendHeldStream(res, frames, firstTextFrameIndex(frames), release, () => {
        restSent = true;
      });
      return true;
    };

    const stream = client.messages.stream({ model: c.model, max_tokens: 256, messages: HELLO });
    const texts: string[] = [];
    let restSentAtFirstText: boolean | undefined;
    stream.on('text', (delta) => {
      if (texts.length === 0) {
        restSentAtFirstText = restSent;
        firstTextSeen.resolve();
      }
      texts.push(delta);
    });
    const message = await stream.finalMessage();

    expect(restSentAtFirstText).toBe(false);
    expect(texts).toEqual(['Hello', ' there!']);
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: expected.stream.text })]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBe(expected.stream.output);

    const sent = onlyRequest(fake());
    expect(sent.body?.stream).toBe(true);
    if (c.translated) expect(sent.body?.stream_options).toEqual({ include_usage: true });
  });

  it.each(['json', 'stream'] as const)(
    'round-trips a tool call (%s): tool definition out, tool_use with parsed input back, tool_result in the next turn',
    async (mode) => {
      let expectedToolUse: { id: string; input: Record<string, unknown> };
      if (c.translated) {
        expectedToolUse = { id: TOOL_CALL_ID, input: TOOL_INPUT };
        fake().handler = (recorded, res) => {
          if (fake().requests.length > 1) return false; // the next turn gets the default text answer
          if (recorded.body?.stream === true) sendFrames(res, openAIToolCallStreamFrames(c.upstreamModel));
          else sendJson(res, 200, openAIToolCallCompletion(c.upstreamModel));
          return true;
        };
      } else {
        // The fakes' own tool_use answers (anthropic-message.json, anthropic-messages-stream-tool-use.sse).
        expectedToolUse =
          mode === 'json'
            ? { id: 'toolu_01A09q90qw90lq917835lq9', input: { location: 'San Francisco, CA', unit: 'celsius' } }
            : { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } };
      }

      const question = { role: 'user' as const, content: 'What is the weather in San Francisco?' };
      const firstTurn = { model: c.model, max_tokens: 512, tools: [WEATHER_TOOL], messages: [question] };
      const message = mode === 'json' ? await client.messages.create(firstTurn) : await client.messages.stream(firstTurn).finalMessage();

      const toolUse = message.content.find((block) => block.type === 'tool_use');
      expect(toolUse).toEqual(expect.objectContaining({ type: 'tool_use', name: 'get_weather', ...expectedToolUse }));
      expect(message.stop_reason).toBe('tool_use');
      if (c.translated && mode === 'stream') {
        expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use']);
        expect(message.content[0]).toEqual(expect.objectContaining({ type: 'text', text: 'Let me check the weather.' }));
      }

      const out = fake().requests[0]!;
      expect(out.url).toBe(c.upstreamPath);
      if (c.translated) {
        const tools = out.body?.tools as Array<{ type: string; function: Record<string, unknown> }>;
        expect(tools).toHaveLength(1);
        expect(tools[0]!.type).toBe('function');
        expect(tools[0]!.function.name).toBe('get_weather');
        expect(tools[0]!.function.parameters).toEqual(WEATHER_TOOL.input_schema);
      } else {
        expect(out.body).toEqual({ ...firstTurn, model: c.upstreamModel, ...(mode === 'stream' ? { stream: true } : {}) });
      }

      // The next turn: the assistant's answer as it came, then the tool's result and more user text.
      const nextTurn = {
        model: c.model,
        max_tokens: 512,
        tools: [WEATHER_TOOL],
        messages: [
          question,
          { role: 'assistant' as const, content: message.content },
          {
            role: 'user' as const,
            content: [
              { type: 'tool_result' as const, tool_use_id: toolUse!.type === 'tool_use' ? toolUse!.id : '', content: '15 degrees and sunny' },
              { type: 'text' as const, text: 'And tomorrow?' },
            ],
          },
        ],
      };
      const answer = await client.messages.create(nextTurn);
      expect(answer.type).toBe('message');

      expect(fake().requests).toHaveLength(2);
      const back = fake().requests[1]!;
      if (c.translated) {
        const messages = back.body?.messages as Array<Record<string, unknown>>;
        expect(messages[0]).toEqual({ role: 'user', content: 'What is the weather in San Francisco?' });
        expect(messages[1]).toMatchObject({
          role: 'assistant',
          tool_calls: [{ id: expectedToolUse.id, type: 'function', function: { name: 'get_weather' } }],
        });
        const call = (messages[1]!.tool_calls as Array<{ function: { arguments: string } }>)[0]!;
        expect(JSON.parse(call.function.arguments)).toEqual(expectedToolUse.input);
        expect(messages[2]).toEqual({ role: 'tool', tool_call_id: expectedToolUse.id, content: '15 degrees and sunny' });
        expect(messages[3]).toEqual({ role: 'user', content: 'And tomorrow?' });
        expect(messages).toHaveLength(4);
        expect(answer.content).toEqual([expect.objectContaining({ type: 'text', text: EXPECTED.translated.json.text })]);
      } else {
        expect(back.body).toEqual(JSON.parse(JSON.stringify({ ...nextTurn, model: c.upstreamModel })));
      }
    },
  );

  it('closes the upstream connection when the client aborts a stream', async () => {
    const frames = streamFramesOf(c);
    fake().handler = (_recorded, res) => {
      sendHeldStream(res, frames, firstTextFrameIndex(frames)); // held open: never ends by itself
      return true;
    };
    const upstreamClosed = fake().waitForClientClose();

    const stream = client.messages.stream({ model: c.model, max_tokens: 256, messages: HELLO });
    const settled = stream.finalMessage().then(
      () => undefined,
      (error: unknown) => error,
    );
    let events = 0;
    stream.on('streamEvent', () => {
      events++;
      if (!stream.aborted) stream.abort();
    });

    await within(upstreamClosed, GUARD_MS, `${c.provider} fake seeing its connection closed after the client's abort`);
    expect(events).toBeGreaterThan(0);
    expect(await settled).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(fake().closedRequests).toBe(1);
  });
});

describe('Messages API routing', () => {
  it('sends a model no rule matches to the local llama-server as it is', async () => {
    const model = 'qwen2.5-0.5b-instruct-q4_k_m.gguf';
    const message = await client.messages.create({ model, max_tokens: 64, messages: HELLO });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello there!' })]);
    const sent = onlyRequest(fakes.local);
    expect(sent.url).toBe('/v1/messages');
    expect(sent.body?.model).toBe(model);
    for (const other of [fakes.anthropic, fakes.openai, fakes.openrouter]) expect(other.requests).toHaveLength(0);
  });

  it('translates for local, as for any chat provider, when the host overrides its adapter without servesMessages', async () => {
    const translating = await startHost({
      env: envFor(fakes),
      providers: { local: { ...createLocalProvider({ baseUrl: fakes.local.baseUrl }), servesMessages: false } },
    });
    try {
      const message = await newClient(translating.url).messages.create({ model: 'local/qwen', max_tokens: 64, messages: HELLO });
      expect(message.content).toEqual([expect.objectContaining({ type: 'text' })]);
      const sent = onlyRequest(fakes.local);
      expect(sent.url).toBe('/v1/chat/completions');
      expect(sent.body).toMatchObject({ model: 'qwen', messages: [{ role: 'user', content: HELLO[0]!.content }] });
      // llama-server's own token count is not reached any more: a 404 that does not say local serves it.
      const error = await rejectionOf(
        newClient(translating.url).messages.countTokens({ model: 'local/qwen', messages: HELLO }),
        Anthropic.NotFoundError,
      );
      expect(error.message).toContain('servesMessages: false');
      expect(fakes.local.requests).toHaveLength(1);
    } finally {
      await translating.close();
    }
  });
});

describe('Messages API errors', () => {
  it.each(['create', 'stream'] as const)(
    'answers a model of an unconfigured provider with an Anthropic-shaped 400 naming its key variable, sending nothing (%s)',
    async (mode) => {
      const bare = await startHost({ env: envFor({ anthropic: fakes.anthropic, openai: fakes.openai, local: fakes.local }) });
      try {
        const bareClient = newClient(bare.url);
        const params = { model: 'openrouter/x', max_tokens: 64, messages: HELLO };
        const error = await rejectionOf(messageVia(bareClient, mode, params), Anthropic.APIError);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        expect(error.status).toBe(400);
        expect(error.error).toEqual({
          type: 'error',
          error: { type: 'invalid_request_error', message: expect.stringContaining('OPENROUTER_API_KEY') },
        });
        for (const fake of fakes.all()) expect(fake.requests).toHaveLength(0);
      } finally {
        await bare.close();
      }
    },
  );

  it.each(['create', 'stream'] as const)(
    "answers an OpenAI upstream's 500 as an Anthropic api_error with the upstream's message (%s)",
    async (mode) => {
      fakes.openai.handler = (_recorded, res) => sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } });
      const params = { model: caseOf('openai').model, max_tokens: 64, messages: HELLO };
      const error = await rejectionOf(messageVia(client, mode, params), Anthropic.APIError);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error.status).toBe(500);
      expect(error.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'boom' } });
      expect(fakes.openai.requests).toHaveLength(1);
    },
  );

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    // OpenRouter's "Insufficient credits".
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [503, 'api_error'],
    [529, 'overloaded_error'],
  ])('types a translated provider’s %i as %s, keeping status and message', async (status, type) => {
    const upstreamMessage = `upstream said ${status}`;
    fakes.openrouter.handler = (_recorded, res) => sendJson(res, status, { error: { message: upstreamMessage, code: status } });
    const error = await rejectionOf(
      client.messages.create({ model: caseOf('openrouter').model, max_tokens: 64, messages: HELLO }),
      Anthropic.APIError,
    );
    expect(error.status).toBe(status);
    expect(error.error).toEqual({ type: 'error', error: { type, message: upstreamMessage } });
  });

  it("passes Anthropic's 529 overloaded_error through as it is", async () => {
    const body = {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy',
    };
    fakes.anthropic.handler = (_recorded, res) => sendJson(res, 529, body);
    const error = await rejectionOf(
      client.messages.create({ model: caseOf('anthropic').model, max_tokens: 64, messages: HELLO }),
      Anthropic.APIError,
    );
    expect(error.status).toBe(529);
    expect(error.error).toEqual(body);
  });

  describe.each([
    {
      provider: 'openai' as const,
      key: KEYS.openai,
      status: 401,
      type: 'authentication_error',
      body: {
        error: {
          message: `Incorrect API key provided: ${KEYS.openai}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
      headers: <Record<string, string>>{
        'x-ratelimit-limit-requests': `for ${KEYS.openai}`,
        'www-authenticate': `Bearer ${KEYS.openai}`,
        'set-cookie': `k=${KEYS.openai}`,
      },
    },
    {
      provider: 'anthropic' as const,
      key: KEYS.anthropic,
      status: 401,
      type: 'authentication_error',
      body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${KEYS.anthropic}` }, request_id: 'req_1' },
      headers: <Record<string, string>>{
        'anthropic-ratelimit-requests-limit': `for ${KEYS.anthropic}`,
        'www-authenticate': `x-api-key ${KEYS.anthropic}`,
        'set-cookie': `k=${KEYS.anthropic}`,
      },
    },
  ])('a key echoed by $provider in an error', (t) => {
    it('never reaches the client, in the body or the headers', async () => {
      fakes[t.provider].handler = (_recorded, res) => sendJson(res, t.status, t.body, t.headers);
      const error = await rejectionOf(
        client.messages.create({ model: caseOf(t.provider).model, max_tokens: 64, messages: HELLO }),
        Anthropic.APIError,
      );
      expect(error.status).toBe(t.status);
      expect(error.error).toMatchObject({ type: 'error', error: { type: t.type } });
      const seen = [JSON.stringify(error.error), error.message, JSON.stringify([...(error.headers?.entries() ?? [])])].join('\n');
      expect(keyPiecesIn(seen, t.key)).toEqual([]);
      // Still a useful message.
      expect((error.error as { error: { message: string } }).error.message).toMatch(/API key|x-api-key/);
    });
  });

  it('never lets a key echoed in a mid-stream error reach the client', async () => {
    fakes.openrouter.handler = (_recorded, res) =>
      sendFrames(res, [
        `data: ${JSON.stringify({ id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'm', error: { code: 401, message: `key ${KEYS.openrouter} was revoked` }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] })}\n\n`,
      ]);
    const response = await fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_TOKEN, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: caseOf('openrouter').model, max_tokens: 64, stream: true, messages: HELLO }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    const frames = parseSse(text);
    expect(frames.map((f) => f.event)).toContain('error');
    expect(keyPiecesIn(text + JSON.stringify([...response.headers.entries()]), KEYS.openrouter)).toEqual([]);
  });

  it.each([
    ['rate_limit_exceeded', 'tokens', 'rate_limit_error'],
    ['insufficient_quota', 'insufficient_quota', 'billing_error'],
    ['context_length_exceeded', 'invalid_request_error', 'invalid_request_error'],
    [null, 'exceed_context_size_error', 'invalid_request_error'],
    [null, 'server_error', 'api_error'],
  ])('types an OpenAI-compatible mid-stream error with code %s and type %s as %s for the Anthropic SDK', async (code, type, anthropicType) => {
    fakes.openai.handler = (_recorded, res) =>
      sendFrames(res, [
        `data: ${JSON.stringify({ id: 'c-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ error: { message: 'Stopped mid-answer', type, code } })}\n\n`,
      ]);
    const stream = client.messages.stream({ model: caseOf('openai').model, max_tokens: 64, messages: HELLO });
    const error = await rejectionOf(stream.finalMessage(), Anthropic.APIError);
    expect(error.error).toEqual({ type: 'error', error: { type: anthropicType, message: 'Stopped mid-answer' } });
  });
});

describe('Models through the SDK', () => {
  it('lists the routable ids of every provider in Anthropic’s list shape', async () => {
    const page = await client.models.list();
    expect(clientRequests[0]?.headers.get('anthropic-version')).toBeTruthy();

    const ids = page.data.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'anthropic/claude-sonnet-5-5',
        'openai/gpt-4o-mini',
        'openrouter/meta-llama/llama-3.1-8b-instruct',
        'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      ]),
    );
    for (const model of page.data) {
      expect(model).toEqual(
        expect.objectContaining({ type: 'model', id: expect.any(String), display_name: expect.any(String), created_at: expect.any(String) }),
      );
      expect(model.display_name).not.toBe('');
      expect(Number.isNaN(Date.parse(model.created_at))).toBe(false);
    }
    expect(page.data.find((model) => model.id === 'anthropic/claude-sonnet-5-5')).toMatchObject({
      display_name: 'Claude Sonnet 5.5',
      created_at: '2026-09-15T00:00:00.000Z',
    });
    expect(page.data.find((model) => model.id === 'openai/gpt-4o-mini')?.created_at).toBe(new Date(1721172741 * 1000).toISOString());
    expect(page.has_more).toBe(false);
    expect(page.first_id).toBe(ids[0]);
    expect(page.last_id).toBe(ids[ids.length - 1]);
  });
});

describe('count_tokens', () => {
  it.each(PASSTHROUGH_CASES)('passes count_tokens through to $provider', async (c) => {
    if (c.provider === 'local') {
      // The local fake's default answer serves only /v1/messages (its count_tokens branch is
      // reached for kind 'anthropic' alone), so llama-server's count_tokens is scripted here.
      fakes.local.handler = (recorded, res) => {
        if (recorded.url.split('?')[0] !== '/v1/messages/count_tokens') return false;
        sendJson(res, 200, { input_tokens: 42 });
        return true;
      };
    }
    const params = { model: c.model, messages: HELLO };
    const count = await client.messages.countTokens(params);
    expect(count.input_tokens).toBe(42);
    const sent = onlyRequest(fakes[c.provider]);
    expect(sent.url).toBe('/v1/messages/count_tokens');
    expect(sent.body).toEqual({ ...params, model: c.upstreamModel });
    expectProviderAuth(c, sent.headers);
  });

  it.each(TRANSLATED_CASES)('answers count_tokens for $provider with a 404 not_found_error naming the provider, telemetry alike', async (c) => {
    const ends: RequestEndEvent[] = [];
    const listener = (event: RequestEndEvent): void => void ends.push(event);
    host.router.telemetry.on('request.end', listener);
    const error = await rejectionOf(client.messages.countTokens({ model: c.model, messages: HELLO }), Anthropic.APIError);
    host.router.telemetry.off('request.end', listener);
    expect(ends.at(-1)).toMatchObject({ status: 404, outcome: 'error', error: { type: 'not_found_error' } });
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.status).toBe(404);
    expect(error.error).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining(c.provider) } });
    for (const fake of fakes.all()) expect(fake.requests).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Claude Code's recorded requests

interface RecordedClaudeCodeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> & { metadata: { user_id: string }; tools: Array<{ name: string; description: string; input_schema: unknown }> };
}

const RECORDINGS = ['claude-code-request.json', 'claude-code-request-tool-turn.json'] as const;
const MID_CONVERSATION_SYSTEM = 'Agent types and skills available in this session (a mid-conversation system message, sent with the full tool set).';

const CLAUDE_CODE_CASES = RECORDINGS.flatMap((recording) =>
  PROVIDER_CASES.flatMap((c) => [true, false].map((streamed) => ({ recording, ...c, streamed, mode: streamed ? 'streamed' : 'without stream' }))),
);

describe("Claude Code's recorded requests", () => {
  it.each(CLAUDE_CODE_CASES)('$recording to $provider, $mode', async (t) => {
    const recorded = fixtureJson<RecordedClaudeCodeRequest>(t.recording);
    expect(recorded.body.stream).toBe(true);
    const body: Record<string, unknown> = { ...recorded.body, model: t.model };
    if (!t.streamed) delete body.stream;
    const headers = { ...recorded.headers, 'x-api-key': CLIENT_TOKEN };

    const response = await fetch(`${host.url}${recorded.path}`, { method: recorded.method, headers, body: JSON.stringify(body) });
    const text = await response.text();
    expect({ status: response.status, text }).toEqual({ status: 200, text: expect.any(String) });

    if (t.streamed) {
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const frames = parseSse(text);
      expect(frames.length).toBeGreaterThan(2);
      for (const frame of frames) {
        expect(frame.raw).toMatch(/^event: \S+$/m);
        expect((JSON.parse(frame.data) as { type: string }).type).toBe(frame.event);
      }
      const events = frames.map((frame) => frame.event);
      expect(events[0]).toBe('message_start');
      expect(events[events.length - 1]).toBe('message_stop');
      expect(events).not.toContain('error');
    } else {
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const message = JSON.parse(text) as Record<string, unknown>;
      expect(message).toMatchObject({ type: 'message', role: 'assistant', content: expect.any(Array) });
    }

    const sent = onlyRequest(fakes[t.provider]);
    for (const fake of fakes.all()) if (fake !== fakes[t.provider]) expect(fake.requests).toHaveLength(0);
    expect(everythingSent(fakes.all())).not.toContain(CLIENT_TOKEN);
    const untouched = { ...body, model: t.upstreamModel };

    if (t.provider === 'anthropic') {
      expect(sent.url).toBe('/v1/messages?beta=true');
      expect(sent.headers['anthropic-beta']).toBe(recorded.headers['anthropic-beta']);
      expect(sent.headers['anthropic-version']).toBe(recorded.headers['anthropic-version']);
      expect(sent.headers['x-api-key']).toBe(KEYS.anthropic);
      expect(sent.headers.authorization).toBeUndefined();
      expect(sent.body).toEqual(untouched);
      return;
    }
    if (t.provider === 'local') {
      expect(sent.url).toBe('/v1/messages?beta=true');
      expect(sent.headers['x-api-key']).toBeUndefined();
      expect(sent.headers.authorization).toBeUndefined();
      expect(sent.body).toEqual(untouched);
      return;
    }

    // Translated to chat completions.
    expect(sent.url).toBe(t.upstreamPath);
    expect(headerNames(sent.headers, /^(anthropic-|x-claude-code-|x-stainless-|x-api-key$)/)).toEqual([]);
    expect(sent.headers.authorization).toBe(`Bearer ${t.key}`);
    const json = sent.rawBody;
    for (const dropped of ['thinking', 'context_management', 'output_config', 'cache_control', 'x-anthropic-billing-header', 'cc_version']) {
      expect(json).not.toContain(dropped);
    }
    const out = sent.body as Record<string, unknown> & { messages: Array<Record<string, unknown>> };
    expect(out.model).toBe(t.upstreamModel);
    // OpenAI's reasoning models refuse max_tokens: its adapter sends max_completion_tokens.
    const limit = t.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens';
    expect(out[limit]).toBe(64000);
    expect(Object.keys(out).filter((key) => /^max_(completion_)?tokens$/.test(key))).toEqual([limit]);
    expect(out.metadata).toBeUndefined();
    expect(out.user).toBe(sha256Hex(recorded.body.metadata.user_id));
    if (t.streamed) {
      expect(out.stream).toBe(true);
      expect(out.stream_options).toEqual({ include_usage: true });
    } else {
      expect(out.stream).toBeUndefined();
    }

    // The system blocks, without the billing line, as the first message.
    const { messages } = out;
    expect(messages[0]?.role).toBe('system');
    expect(messages[0]?.content).toEqual(expect.stringContaining('You are an agent that helps with software tasks.'));
    expect(messages[0]?.content).toEqual(expect.stringContaining('CWD: /home/user/project'));
    expect(messages.filter((m) => m.role === 'system')).toHaveLength(2);

    // The mid-conversation system message stays in its place, after the user's first turn.
    expect(messages[1]?.role).toBe('user');
    expect(JSON.stringify(messages[1])).toContain('Read hello.txt');
    expect(messages[2]).toEqual({ role: 'system', content: MID_CONVERSATION_SYSTEM });

    // Tools with their JSON Schema 2020-12 as parameters, `$schema` included.
    expect(out.tools).toEqual(
      recorded.body.tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
      })),
    );
    expect((out.tools as Array<{ function: { parameters: Record<string, unknown> } }>)[0]!.function.parameters.$schema).toBe(
      'https://json-schema.org/draft/2020-12/schema',
    );

    if (t.recording === 'claude-code-request-tool-turn.json') {
      // thinking dropped; text and tool_use kept; the tool_result as a role:'tool' message.
      expect(messages[3]).toMatchObject({
        role: 'assistant',
        content: 'Reading.',
        tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'Read' } }],
      });
      const call = (messages[3]!.tool_calls as Array<{ function: { arguments: string } }>)[0]!;
      expect(JSON.parse(call.function.arguments)).toEqual({ file_path: '/home/user/project/hello.txt' });
      expect(messages[4]).toEqual({ role: 'tool', tool_call_id: 'toolu_01A', content: '1\tThe secret word is PINEAPPLE-42.\n' });
      // The recorded user turn holds only the tool_result: nothing follows the tool message.
      expect(messages).toHaveLength(5);
    } else {
      expect(messages).toHaveLength(3);
    }
  });
});
