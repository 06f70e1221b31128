/**
 * Probes of `@anthropic-ai/sdk` 1.14 as a real client of `POST /v1/messages` (DESIGN.md sections 3,
 * 4, 8 and 9), on passthrough (`anthropic/...`) and translated routes (`openai/...`,
 * `openrouter/...`), for what the other Messages probes leave out: the SDK's own retries (how many
 * attempts the upstream sees, with `retry-after` and `x-should-retry`), the ids and fields of its
 * `APIError` for the router's own errors, `betas` and the beta-only fields on passthrough, stop
 * sequences and citations through the stream helpers, `tool_choice` none / tool, and blocks with no
 * chat equivalent. Every request a fake receives is checked for the host's credential, every
 * answer for a provider key.
 */
import Anthropic, {
  APIError,
  betaRefusalFallbackMiddleware,
  BetaFallbackState,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { betaZodTool } from '@anthropic-ai/sdk/helpers/beta/zod';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { FakeUpstream, RecordedRequest } from '../support/fake-upstream';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson, UPSTREAM_REQUEST_ID } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { anthropicEvent, anthropicMessage, chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

// Registered before `useFakes`, whose own afterEach forgets the requests: hooks run in the order given.
afterEach(() => {
  expect(fakes.received().length + seen.length).toBeGreaterThan(0);
  // Nothing the host's clients hold reaches a provider; no provider key reaches a client.
  for (const request of fakes.received()) expect(JSON.stringify(request.headers) + request.rawBody).not.toContain(CLIENT_TOKEN);
  for (const text of seen.splice(0)) for (const key of Object.values(KEYS)) expect(text).not.toContain(key.slice(0, 16));
});
const fakes = useFakes();
const host = useHost(fakes);

/** What every answer the SDK read is checked against: no provider key in its headers or body. */
const seen: string[] = [];
const fetchSpy: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const copy = response.clone();
  seen.push(JSON.stringify([...copy.headers]), await copy.text());
  return response;
};

const client = (options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}): Anthropic =>
  new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0, fetch: fetchSpy, ...options });

const ASK: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
const CHAT_ID = { id: 'chatcmpl-1', created: 1, model: 'gpt-4o' };
const sentBody = (fake: FakeUpstream, at = 0): Record<string, unknown> => fake.requests[at]!.body!;

/** A chat provider's plain answer, streamed or not as asked. */
function chatAnswer(text: string) {
  return (request: RecordedRequest, res: ServerResponse): void => {
    if (request.body!.stream !== true) return sendJson(res, 200, { ...chatCompletion({ role: 'assistant', content: text }, 'stop'), usage: USAGE });
    sendFrames(res, [
      chatChunkFrame(CHAT_ID, { role: 'assistant', content: text }),
      chatChunkFrame(CHAT_ID, {}, 'stop'),
      chatUsageFrame(CHAT_ID, USAGE),
      DONE_FRAME,
    ]);
  };
}
const USAGE = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };

/** A handler that answers the first `failures` requests with `fail`, then with `then`. */
function failingFirst(failures: number, fail: (res: ServerResponse) => void, then: (request: RecordedRequest, res: ServerResponse) => void) {
  let count = 0;
  return (request: RecordedRequest, res: ServerResponse): void => (count++ < failures ? fail(res) : then(request, res));
}

const ANTHROPIC_OK = (request: RecordedRequest, res: ServerResponse): void =>
  sendJson(
    res,
    200,
    anthropicMessage(String(request.body!.model), [{ type: 'text', text: 'Cold.' }], 'end_turn', { input_tokens: 3, output_tokens: 1 }),
    {
      'request-id': 'req_ant_1',
    },
  );

// ---------- the SDK's retries ----------

describe("the SDK's retries see the upstream's retry signals", () => {
  test('passthrough: two 529 overloaded_error with retry-after 0, then the answer: three attempts, the SDK succeeds', async () => {
    fakes.anthropic.handler = failingFirst(
      2,
      (res) => sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'retry-after': '0' }),
      ANTHROPIC_OK,
    );
    const message = await client({ maxRetries: 2 }).messages.create({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 20, messages: ASK });
    expect(message.content).toEqual([{ type: 'text', text: 'Cold.' }]);
    expect(fakes.anthropic.requests).toHaveLength(3);
    // The SDK numbers its attempts; the header is Stainless's own and goes no further than the router.
    expect(fakes.anthropic.requests.map((request) => request.headers['x-stainless-retry-count'])).toEqual([undefined, undefined, undefined]);
  });

  test('passthrough: x-should-retry false on a 529 stops the SDK after one attempt, with the error as Anthropic typed it', async () => {
    fakes.anthropic.handler = (_request, res) =>
      sendJson(
        res,
        529,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        { 'x-should-retry': 'false', 'request-id': 'req_ant_9' },
      );
    const error = await rejectionOf(
      client({ maxRetries: 2 }).messages.create({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 20, messages: ASK }),
      APIError,
    );
    expect(error.status).toBe(529);
    expect(error.type).toBe('overloaded_error');
    expect(fakes.anthropic.requests).toHaveLength(1);
    expect(error.headers?.get('x-provider-request-id')).toBe(UPSTREAM_REQUEST_ID);
    expect(error.requestID).toBe(error.headers?.get('x-request-id'));
  });

  test('translated: a 429 with retry-after 0, then the answer: two attempts; streamed the same', async () => {
    for (const stream of [false, true]) {
      fakes.openai.reset();
      fakes.openai.handler = failingFirst(
        1,
        (res) =>
          sendJson(res, 429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '0' }),
        chatAnswer('Cold.'),
      );
      const params = { model: 'openai/gpt-4o', max_tokens: 20, messages: ASK };
      const message = stream
        ? await client({ maxRetries: 2 }).messages.stream(params).finalMessage()
        : await client({ maxRetries: 2 }).messages.create(params);
      expect(message.content).toEqual([{ type: 'text', text: 'Cold.' }]);
      expect(fakes.openai.requests).toHaveLength(2);
    }
  });

  test('translated: x-should-retry false on a 500 stops the SDK after one attempt', async () => {
    fakes.openai.handler = (_request, res) =>
      sendJson(res, 500, { error: { message: 'The server had an error', type: 'server_error', code: null } }, { 'x-should-retry': 'false' });
    const error = await rejectionOf(
      client({ maxRetries: 2 }).messages.create({ model: 'openai/gpt-4o', max_tokens: 20, messages: ASK }),
      InternalServerError,
    );
    expect(error.type).toBe('api_error');
    expect(fakes.openai.requests).toHaveLength(1);
  });

  test('translated: a 429 keeps its retry-after-ms and x-ratelimit headers for the SDK', async () => {
    fakes.openrouter.handler = (_request, res) =>
      sendJson(res, 429, { error: { message: 'Rate limit exceeded', code: 429 } }, { 'retry-after-ms': '10', 'x-ratelimit-remaining-requests': '0' });
    const error = await rejectionOf(client().messages.create({ model: 'openrouter/qwen/qwen3-32b', max_tokens: 20, messages: ASK }), RateLimitError);
    expect(error.type).toBe('rate_limit_error');
    expect(error.headers?.get('retry-after-ms')).toBe('10');
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  test("the router's own 400 (a block it cannot carry) is not retried, and the SDK reads its type, message and request id", async () => {
    const error = await rejectionOf(
      client({ maxRetries: 2 }).messages.create({
        model: 'openai/gpt-4o',
        max_tokens: 20,
        messages: [
          { role: 'user', content: [{ type: 'search_result', source: 'https://a.example', title: 'A', content: [{ type: 'text', text: 'x' }] }] },
        ],
      }),
      BadRequestError,
    );
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('search_result');
    expect(error.requestID).toMatch(/\S/);
    expect(error.requestID).toBe(error.headers?.get('x-request-id'));
    expect(fakes.openai.requests).toHaveLength(0);
  });

  test.each([
    ['passthrough', 'anthropic/claude-sonnet-5-5', () => fakes.anthropic],
    ['translated', 'openai/gpt-4o', () => fakes.openai],
  ])("%s: the router's own 502 for a redirect keeps none of the redirect's retry signals, so the SDK retries it", async (_route, model, fake) => {
    fake().handler = (_request, res) => {
      res.writeHead(302, { location: 'https://login.example/sso', 'x-should-retry': 'false', 'retry-after': '3600' });
      res.end();
    };
    const error = await rejectionOf(client({ maxRetries: 1 }).messages.create({ model, max_tokens: 20, messages: ASK }), InternalServerError);
    expect(error.status).toBe(502);
    expect(error.type).toBe('api_error');
    expect((error.error as { error: { message: string } }).error.message).toMatch(/302.*login\.example/);
    expect(error.headers?.get('x-should-retry')).toBeNull();
    expect(fake().requests).toHaveLength(2);
  });
});

// ---------- request ids ----------

describe('request ids', () => {
  test.each([
    ['passthrough', 'anthropic/claude-sonnet-5-5'],
    ['translated', 'openai/gpt-4o'],
  ])(
    "%s, with the token as Authorization: _request_id is the router's request-id; the provider's id is x-provider-request-id",
    async (_route, model) => {
      fakes.anthropic.handler = ANTHROPIC_OK;
      fakes.openai.handler = chatAnswer('Cold.');
      const { data, response, request_id } = await client({ apiKey: null, authToken: CLIENT_TOKEN })
        .messages.create({ model, max_tokens: 20, messages: ASK })
        .withResponse();
      expect((data as { _request_id?: string })._request_id).toBe(request_id);
      expect(request_id).toBe(response.headers.get('x-request-id'));
      expect(response.headers.get('x-provider-request-id')).toBe(model.startsWith('anthropic') ? UPSTREAM_REQUEST_ID : UPSTREAM_REQUEST_ID);
    },
  );
});

// ---------- passthrough: betas and beta-only fields ----------

describe('passthrough to Anthropic keeps what only Anthropic reads', () => {
  test('beta.messages.create with betas, container, mcp_servers and context_management: all reach Anthropic', async () => {
    fakes.anthropic.handler = ANTHROPIC_OK;
    const body = {
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 20,
      messages: ASK,
      container: 'container_011',
      mcp_servers: [{ type: 'url' as const, url: 'https://mcp.example/sse', name: 'docs', authorization_token: 'mcp-tok' }],
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' as const }] },
      service_tier: 'standard_only' as const,
      metadata: { user_id: 'user-1' },
      betas: ['mcp-client-2025-11-20', 'context-management-2025-06-27'],
    };
    await client().beta.messages.create(body);
    const sent = fakes.anthropic.requests[0]!;
    // SDK 1.14 no longer adds ?beta=true (it keeps the qualifier to itself); the betas say it all.
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['anthropic-beta']).toBe('mcp-client-2025-11-20,context-management-2025-06-27');
    expect(sent.headers['x-api-key']).toBe(KEYS.anthropic);
    const rest = Object.fromEntries(Object.entries(body).filter(([field]) => field !== 'betas'));
    expect(sent.body).toEqual({ ...rest, model: 'claude-sonnet-5-5' });
  });

  test("a stream with citations, thinking and a stop sequence: the helpers' events agree with finalMessage()", async () => {
    const citation = {
      type: 'search_result_location',
      source: 'https://a.example',
      title: 'A',
      cited_text: 'cold',
      search_result_index: 0,
      start_block_index: 0,
      end_block_index: 0,
    };
    fakes.anthropic.handler = (_request, res) =>
      sendFrames(res, [
        anthropicEvent('message_start', { message: anthropicMessage('claude-sonnet-5-5', [], null, { input_tokens: 3, output_tokens: 1 }) }),
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Look it up.' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-ant' } }),
        anthropicEvent('content_block_stop', { index: 0 }),
        anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: '', citations: [] } }),
        anthropicEvent('content_block_delta', { index: 1, delta: { type: 'citations_delta', citation } }),
        anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'It is cold' } }),
        anthropicEvent('content_block_stop', { index: 1 }),
        anthropicEvent('message_delta', { delta: { stop_reason: 'stop_sequence', stop_sequence: '###' }, usage: { output_tokens: 9 } }),
        anthropicEvent('message_stop'),
      ]);
    const stream = client().messages.stream({
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      stop_sequences: ['###'],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'search_result',
              source: 'https://a.example',
              title: 'A',
              content: [{ type: 'text', text: 'Oslo is cold.' }],
              citations: { enabled: true },
              cache_control: { type: 'ephemeral' },
            },
            { type: 'text', text: 'Weather in Oslo?' },
          ],
        },
      ],
    });
    const events: unknown[] = [];
    stream.on('thinking', (delta) => events.push(['thinking', delta]));
    stream.on('citation', (cited) => events.push(['citation', cited]));
    stream.on('text', (delta) => events.push(['text', delta]));
    const final = await stream.finalMessage();
    expect(events).toEqual([
      ['thinking', 'Look it up.'],
      ['citation', citation],
      ['text', 'It is cold'],
    ]);
    expect(final.model).toBe('anthropic/claude-sonnet-5-5');
    expect(final.stop_reason).toBe('stop_sequence');
    expect(final.stop_sequence).toBe('###');
    expect(final.content[1]).toEqual({ type: 'text', text: 'It is cold', citations: [citation] });
    // Passthrough: the search_result and its cache_control reach Anthropic untouched.
    expect((sentBody(fakes.anthropic).messages as Array<{ content: unknown[] }>)[0]!.content[0]).toMatchObject({
      cache_control: { type: 'ephemeral' },
    });
  });

  test('countTokens and beta countTokens pass through with the model unprefixed, the betas and the provider key', async () => {
    fakes.anthropic.handler = (_request, res) => sendJson(res, 200, { input_tokens: 12 });
    expect(await client().messages.countTokens({ model: 'anthropic/claude-sonnet-5-5', messages: ASK })).toMatchObject({ input_tokens: 12 });
    await client().beta.messages.countTokens({ model: 'claude-sonnet-5-5', messages: ASK, betas: ['context-management-2025-06-27'] });
    const [plain, beta] = fakes.anthropic.requests;
    expect(plain!.url).toBe('/v1/messages/count_tokens');
    expect(plain!.body!.model).toBe('claude-sonnet-5-5');
    expect(beta!.url).toBe('/v1/messages/count_tokens');
    // The SDK adds the token-counting beta after the caller's own.
    expect(beta!.headers['anthropic-beta']).toBe('context-management-2025-06-27,token-counting-2024-11-01');
    for (const request of fakes.anthropic.requests) expect(request.headers['x-api-key']).toBe(KEYS.anthropic);
  });
});

// ---------- translated routes ----------

describe.each([
  ['openai', 'openai/gpt-4o', () => fakes.openai],
  ['openrouter', 'openrouter/qwen/qwen3-32b', () => fakes.openrouter],
])('translated to %s', (_name, model, fake) => {
  const weather: Anthropic.Tool = {
    name: 'weather',
    description: 'Weather',
    input_schema: { type: 'object', properties: { city: { type: 'string' } } },
  };

  test("tool_choice none keeps the tools and sends 'none'; tool sends that function; any with disable_parallel_tool_use sends required", async () => {
    fake().handler = chatAnswer('Cold.');
    const choices: Array<[Anthropic.ToolChoice, unknown, unknown]> = [
      [{ type: 'none' }, 'none', undefined],
      [{ type: 'tool', name: 'weather' }, { type: 'function', function: { name: 'weather' } }, undefined],
      [{ type: 'any', disable_parallel_tool_use: true }, 'required', false],
      // Parallel calls are the chat default: nothing to send.
      [{ type: 'auto', disable_parallel_tool_use: false }, 'auto', undefined],
    ];
    for (const [toolChoice] of choices)
      await client().messages.create({ model, max_tokens: 20, messages: ASK, tools: [weather], tool_choice: toolChoice });
    choices.forEach(([, expected, parallel], at) => {
      const sent = sentBody(fake(), at);
      expect(sent.tool_choice).toEqual(expected);
      expect(sent.tools).toHaveLength(1);
      expect(sent.parallel_tool_calls).toEqual(parallel);
    });
  });

  test('a search_result block in a user turn or a tool_result is never left out silently', async () => {
    fake().handler = chatAnswer('Cold.');
    const result = {
      type: 'search_result' as const,
      source: 'https://a.example',
      title: 'A',
      content: [{ type: 'text' as const, text: 'Oslo is cold.' }],
    };
    for (const messages of [
      [{ role: 'user' as const, content: [result, { type: 'text' as const, text: 'Weather?' }] }],
      [
        { role: 'user' as const, content: 'Weather?' },
        { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_1', content: [result] }] },
      ],
    ]) {
      fake().reset();
      fake().handler = chatAnswer('Cold.');
      const outcome = await client()
        .messages.create({ model, max_tokens: 20, messages, tools: [weather] })
        .then(
          () => 'served',
          (error: unknown) => error,
        );
      if (outcome === 'served') expect(fake().requests[0]!.rawBody).toContain('Oslo is cold.');
      else {
        expect(outcome).toBeInstanceOf(BadRequestError);
        expect((outcome as BadRequestError).message).toContain('search_result');
        expect(fake().requests).toHaveLength(0);
      }
    }
  });

  test('cache_control on text, image and tool blocks is dropped, their content kept', async () => {
    fake().handler = chatAnswer('Cold.');
    const png = 'iVBORw0KGgo=';
    await client().messages.create({
      model,
      max_tokens: 20,
      tools: [{ ...weather, cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png }, cache_control: { type: 'ephemeral' } },
            { type: 'text', text: 'What is this?', cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    const sent = sentBody(fake());
    expect(JSON.stringify(sent)).not.toContain('cache_control');
    expect(sent.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          { type: 'text', text: 'What is this?' },
        ],
      },
    ]);
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: weather.input_schema } }]);
  });

  test('the code execution tool, which a container with skills needs, is refused: no 200 for skills the provider never saw', async () => {
    fake().handler = chatAnswer('Cold.');
    const outcome = await client()
      .beta.messages.create({
        model,
        max_tokens: 20,
        messages: ASK,
        container: { skills: [{ type: 'anthropic', skill_id: 'pptx', version: 'latest' }] },
        tools: [{ type: 'code_execution_20250825', name: 'code_execution' }],
        betas: ['skills-2025-10-02', 'code-execution-2025-08-25'],
      })
      .then(
        () => 'served',
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(BadRequestError);
    expect((outcome as BadRequestError).message).toContain('code_execution');
    expect(fake().requests).toHaveLength(0);
  });

  test('stop_sequences hit: the stream helpers and create() agree on the stop reason', async () => {
    fake().handler = chatAnswer('one two');
    const params = { model, max_tokens: 20, messages: ASK, stop_sequences: ['three'] };
    const plain = await client().messages.create(params);
    const stream = client().messages.stream(params);
    const text: string[] = [];
    stream.on('text', (delta) => text.push(delta));
    const streamed = await stream.finalMessage();
    expect(await stream.finalText()).toBe('one two');
    expect(text.join('')).toBe('one two');
    expect(streamed.stop_reason).toBe(plain.stop_reason);
    expect(streamed.stop_sequence).toBe(plain.stop_sequence);
    for (const request of fake().requests) expect(request.body!.stop).toEqual(['three']);
  });
});

// ---------- the SDK's client-side refusal fallback ----------

describe('betaRefusalFallbackMiddleware: a refusal on a translated route hops to the next model through the router', () => {
  test('OpenAI refuses (content_filter), the SDK asks anthropic/... and gets its answer after a fallback block', async () => {
    fakes.openai.handler = (_request, res) =>
      sendJson(res, 200, { ...chatCompletion({ role: 'assistant', content: null, refusal: 'I cannot help.' }, 'content_filter'), usage: USAGE });
    fakes.anthropic.handler = ANTHROPIC_OK;
    const fallbackState = new BetaFallbackState();
    const sdk = client({ middleware: [betaRefusalFallbackMiddleware([{ model: 'anthropic/claude-sonnet-5-5' }])] });
    const message = await sdk.beta.messages.create({ model: 'openai/gpt-4o', max_tokens: 20, messages: ASK }, { fallbackState });
    expect(message.content.at(-1)).toEqual({ type: 'text', text: 'Cold.' });
    expect(message.content[0]).toMatchObject({ type: 'fallback', from: { model: 'openai/gpt-4o' }, to: { model: 'anthropic/claude-sonnet-5-5' } });
    expect(fakes.openai.requests).toHaveLength(1);
    expect(fakes.anthropic.requests).toHaveLength(1);
    expect(sentBody(fakes.anthropic).model).toBe('claude-sonnet-5-5');
    expect(fakes.anthropic.requests[0]!.headers['anthropic-beta']).toContain('fallback-credit-2026-07-01');
    // The OpenAI-bound request carried nothing of the beta: no header, no field.
    expect(fakes.openai.requests[0]!.headers).not.toHaveProperty('anthropic-beta');
    // The next turn through the same client: the middleware strips its fallback block, and the provider gets the conversation.
    fakes.openai.handler = chatAnswer('Still cold.');
    const history: Anthropic.Beta.BetaMessageParam[] = [
      ...ASK,
      { role: 'assistant', content: message.content as Anthropic.Beta.BetaContentBlockParam[] },
      { role: 'user', content: 'And tomorrow?' },
    ];
    const next = await sdk.beta.messages.create(
      { model: 'openai/gpt-4o', max_tokens: 20, messages: history },
      { fallbackState: new BetaFallbackState() },
    );
    expect(next.content).toEqual([{ type: 'text', text: 'Still cold.' }]);
    expect(sentBody(fakes.openai, 1).messages).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: 'Cold.' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
    // Replayed by a client without the middleware, the block has no chat equivalent: a 400 naming it, nothing sent.
    const error = await rejectionOf(client().beta.messages.create({ model: 'openai/gpt-4o', max_tokens: 20, messages: history }), BadRequestError);
    expect((error.error as { error: { message: string } }).error.message).toContain('a "fallback" block in an assistant turn');
    expect(fakes.openai.requests).toHaveLength(2);
  });
  // Streamed, the middleware hops only with the `fallback_credit_token` Anthropic puts in a refusal's
  // `stop_details`: a chat provider's refusal has none, so the stream ends as the provider ended it.
  test("streamed: without Anthropic's credit token the SDK does not hop; the refusal reaches the client whole", async () => {
    fakes.openai.handler = (_request, res) =>
      sendFrames(res, [
        chatChunkFrame(CHAT_ID, { role: 'assistant', content: null, refusal: 'I cannot help.' }),
        chatChunkFrame(CHAT_ID, {}, 'content_filter'),
        chatUsageFrame(CHAT_ID, USAGE),
        DONE_FRAME,
      ]);
    const logged: string[] = [];
    const onError = (error: { message: string }): void => void logged.push(error.message);
    const sdk = client({ middleware: [betaRefusalFallbackMiddleware([{ model: 'anthropic/claude-sonnet-5-5' }], { onError })] });
    const final = await sdk.beta.messages
      .stream({ model: 'openai/gpt-4o', max_tokens: 20, messages: ASK }, { fallbackState: new BetaFallbackState() })
      .finalMessage();
    expect(final.stop_reason).toBe('refusal');
    expect(final.content).toMatchObject([{ type: 'text', text: 'I cannot help.' }]);
    expect(final.content).toHaveLength(1);
    expect(logged).toEqual([expect.stringContaining('fallback_credit_token')]);
    expect(fakes.openai.requests).toHaveLength(1);
    expect(fakes.anthropic.requests).toHaveLength(0);
  });
});

describe("the SDK's header params on passthrough", () => {
  // The host's key chooses the workspace and the party a request is made for, as it chooses the
  // organization: a client's `anthropic-workspace-id` / `anthropic-user-profile-id` are not forwarded
  // (DESIGN section 4's allowlist keeps `anthropic-version` and `anthropic-beta` only).
  test('user_profile_id and workspace_id, which the SDK sends as headers, do not reach Anthropic; the body is untouched', async () => {
    fakes.anthropic.handler = ANTHROPIC_OK;
    await client().messages.create({
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 20,
      messages: ASK,
      user_profile_id: 'uprof_1',
      workspace_id: 'wrkspc_1',
    });
    const sent = fakes.anthropic.requests[0]!;
    expect(sent.headers).not.toHaveProperty('anthropic-workspace-id');
    expect(sent.headers).not.toHaveProperty('anthropic-user-profile-id');
    expect(sent.body).toEqual({ model: 'claude-sonnet-5-5', max_tokens: 20, messages: ASK });
  });
});

// ---------- zod helpers ----------

describe('zod helpers on a translated route (openrouter)', () => {
  const model = 'openrouter/qwen/qwen3-32b';

  test('toolRunner() with a betaZodTool whose result holds text and an image: the tool message has the text, the image opens the next user message', async () => {
    const png = 'iVBORw0KGgo=';
    fakes.openrouter.handler = (request, res) => {
      const messages = request.body!.messages as Array<{ role: string }>;
      if (!messages.some((message) => message.role === 'tool')) {
        return sendJson(res, 200, {
          ...chatCompletion(
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'snapshot', arguments: '{"city":"Oslo","zoom":2}' } }],
            },
            'tool_calls',
          ),
          usage: USAGE,
        });
      }
      chatAnswer('Snowy.')(request, res);
    };
    const runs: unknown[] = [];
    const snapshot = betaZodTool({
      name: 'snapshot',
      description: 'A picture of a city',
      inputSchema: z.object({ city: z.string(), zoom: z.number().int().optional() }),
      run: (input) => {
        runs.push(input);
        return [
          { type: 'text', text: `${input.city} now` },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
        ];
      },
    });
    const final = await client().beta.messages.toolRunner({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Show Oslo.' }],
      tools: [snapshot],
    });
    expect(final.content).toEqual([{ type: 'text', text: 'Snowy.' }]);
    expect(runs).toEqual([{ city: 'Oslo', zoom: 2 }]);
    const first = sentBody(fakes.openrouter, 0);
    expect(first.tools).toEqual([
      {
        type: 'function',
        function: { name: 'snapshot', description: 'A picture of a city', parameters: expect.objectContaining({ required: ['city'] }) },
      },
    ]);
    expect(sentBody(fakes.openrouter, 1).messages).toEqual([
      { role: 'user', content: 'Show Oslo.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'snapshot', arguments: '{"city":"Oslo","zoom":2}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Oslo now' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] },
    ]);
  });

  test('messages.parse() with zodOutputFormat: the schema the SDK built reaches the provider as response_format, parsed_output typed', async () => {
    fakes.openrouter.handler = chatAnswer('{"city":"Oslo","days":[{"day":"Mon","celsius":-3}]}');
    const Forecast = z.object({ city: z.string(), days: z.array(z.object({ day: z.string(), celsius: z.number() })) });
    const message = await client().messages.parse({ model, max_tokens: 100, messages: ASK, output_config: { format: zodOutputFormat(Forecast) } });
    expect(message.parsed_output).toEqual({ city: 'Oslo', days: [{ day: 'Mon', celsius: -3 }] });
    const format = sentBody(fakes.openrouter).response_format as { type: string; json_schema: { name: string; schema: Record<string, unknown> } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.schema).toMatchObject({ type: 'object', required: ['city', 'days'], additionalProperties: false });
  });
});

describe('stop_details, which newer Anthropic answers carry', () => {
  test('passthrough: a whole message answered to a stream (a server that ignores stream: true) keeps its stop_details, told at the end', async () => {
    const details = { type: 'refusal', category: 'cyber', explanation: 'Exploit development.' };
    fakes.anthropic.handler = (_request, res) =>
      sendJson(res, 200, { ...anthropicMessage('claude-sonnet-5-5', [], 'refusal', { input_tokens: 5, output_tokens: 0 }), stop_details: details });
    const events: Anthropic.MessageStreamEvent[] = [];
    const stream = client().messages.stream({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 100, messages: ASK });
    stream.on('streamEvent', (event) => events.push(structuredClone(event)));
    expect(await stream.finalMessage()).toMatchObject({ stop_reason: 'refusal', stop_details: details });
    expect(events[0]).toMatchObject({ type: 'message_start', message: { stop_reason: null, stop_details: null } });
  });
});
