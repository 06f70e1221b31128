/**
 * DESIGN section 9 ("Nothing lost in translation"), "Upstream answers, every route", checked on
 * every route kind where the suites held it for some only: each client dialect passed through and
 * translated, streamed and not, read with the real SDKs (`openai` for chat and Responses,
 * `@anthropic-ai/sdk` for Messages) against fakes that answer in their provider's wire format.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { KEYS } from '../support/keys';
import { responsesFrames, responsesObject } from '../support/responses-wire';
import { wireFrames, type Wire } from '../support/route-cases';
import { sendFrames } from '../support/upstream-answers';
import { anthropicMessage, chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream, groq: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];
const fakes = (): FakeUpstream[] => [openai, openrouter, local, anthropic, groq];

beforeAll(async () => {
  // groq: an OpenAI-compatible provider declared in env.
  [openai, openrouter, local, anthropic, groq] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic', 'openai');
  const env = {
    ...envFor({ openai, openrouter, local, anthropic }),
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: groq.baseUrl,
    GROQ_API_KEY: KEYS.openai,
  };
  host = await startHost({ env });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(fakes().map((fake) => fake.close()));
});

const HELLO = [{ role: 'user' as const, content: 'hi' }];
const TEXT = 'Decoded answer.';

const chatClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

/** One route kind: the fake behind it, its wire format, and the client's call returning the answer's text. */
interface Route {
  name: string;
  fake: () => FakeUpstream;
  wire: Wire;
  /** Which error shape the route answers in. */
  shape: 'openai' | 'anthropic';
  ask(stream: boolean): Promise<string>;
}

async function chatText(model: string, stream: boolean): Promise<string> {
  const completion = stream
    ? await chatClient().chat.completions.stream({ model, messages: HELLO }).finalChatCompletion()
    : await chatClient().chat.completions.create({ model, messages: HELLO });
  return completion.choices[0]?.message.content ?? '';
}

async function messagesText(model: string, stream: boolean): Promise<string> {
  const request = { model, max_tokens: 64, messages: HELLO };
  const message = stream ? await messagesClient().messages.stream(request).finalMessage() : await messagesClient().messages.create(request);
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function responsesText(model: string, stream: boolean): Promise<string> {
  const response = stream
    ? await chatClient().responses.stream({ model, input: 'hi' }).finalResponse()
    : await chatClient().responses.create({ model, input: 'hi' });
  return response.output_text;
}

const ROUTES: Route[] = [
  { name: 'chat passed through to openai', fake: () => openai, wire: 'chat', shape: 'openai', ask: (s) => chatText('openai/gpt-4o', s) },
  {
    name: 'chat translated to anthropic',
    fake: () => anthropic,
    wire: 'messages',
    shape: 'openai',
    ask: (s) => chatText('anthropic/claude-sonnet-4-5', s),
  },
  {
    name: 'Messages passed through to anthropic',
    fake: () => anthropic,
    wire: 'messages',
    shape: 'anthropic',
    ask: (s) => messagesText('anthropic/claude-sonnet-4-5', s),
  },
  { name: 'Messages translated to openai', fake: () => openai, wire: 'chat', shape: 'anthropic', ask: (s) => messagesText('openai/gpt-4o', s) },
  { name: 'Responses native to openai', fake: () => openai, wire: 'responses', shape: 'openai', ask: (s) => responsesText('openai/gpt-4o', s) },
  { name: 'Responses bridged to local', fake: () => local, wire: 'chat', shape: 'openai', ask: (s) => responsesText('local/qwen', s) },
  {
    name: 'Responses translated to anthropic',
    fake: () => anthropic,
    wire: 'messages',
    shape: 'openai',
    ask: (s) => responsesText('anthropic/claude-sonnet-4-5', s),
  },
];
const CASES = ROUTES.flatMap((route) => [false, true].map((stream) => [route.name, stream, route] as const));
type Case = (typeof CASES)[number];

/**
 * The cases without the routes (and streamed or not) another suite already checks with a test that
 * can fail, named beside each use, so that no check is made twice.
 */
const except =
  (...covered: Array<[name: string, stream?: boolean]>) =>
  ([name, stream]: Case): boolean =>
    !covered.some(([coveredName, coveredStream]) => coveredName === name && (coveredStream === undefined || coveredStream === stream));
const CHAT_PASSTHROUGH = 'chat passed through to openai';
const MESSAGES_TRANSLATED = 'Messages translated to openai';
const RESPONSES_NATIVE = 'Responses native to openai';

/** The whole answer of `TEXT` in `wire`, as the provider writes it: JSON, or its stream's bytes. */
function answerIn(wire: Wire, stream: boolean): { contentType: string; body: string } {
  if (stream) {
    if (wire === 'responses') return { contentType: 'text/event-stream', body: responsesFrames({ type: 'text', text: TEXT }).join('') };
    const frames = wireFrames(TEXT)[wire];
    return { contentType: 'text/event-stream', body: frames.start + frames.piece + frames.end };
  }
  const json =
    wire === 'chat'
      ? chatCompletion({ role: 'assistant', content: TEXT }, 'stop')
      : wire === 'messages'
        ? anthropicMessage('m', [{ type: 'text', text: TEXT }], 'end_turn', { input_tokens: 1, output_tokens: 1 })
        : responsesObject({ type: 'text', text: TEXT });
  return { contentType: 'application/json', body: JSON.stringify(json) };
}

/** What the client's SDK rejected with: the status and the error body it read. */
async function failureOf(promise: Promise<unknown>): Promise<{ status: number | undefined; body: unknown }> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('value' in outcome) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value).slice(0, 300)}`);
  if (outcome.error instanceof OpenAI.APIError) return { status: outcome.error.status, body: outcome.error.error };
  if (outcome.error instanceof Anthropic.APIError) return { status: outcome.error.status, body: outcome.error.error };
  throw outcome.error;
}

describe('a 3xx from the upstream is not followed (DESIGN section 9, "Upstream answers, every route")', () => {
  // upstream-quirks.test.ts (chat, not streamed), messages-matrix.test.ts (Messages translated, both).
  test.each(CASES.filter(except([CHAT_PASSTHROUGH, false], [MESSAGES_TRANSLATED])))(
    '%s, streamed %s: a 502 naming the redirect status and its Location',
    async (_name, stream, route) => {
      const location = 'https://login.example.com/sso?next=%2Fv1';
      route.fake().handler = (_request, res) => {
        res.writeHead(307, { location });
        res.end();
      };
      const { status, body } = await failureOf(route.ask(stream));
      expect(status).toBe(502);
      const expected =
        route.shape === 'anthropic'
          ? { type: 'error', error: { type: 'api_error', message: expect.stringContaining(`307 to ${location}`) as unknown } }
          : { code: 'upstream_invalid_response', message: expect.stringContaining(`307 to ${location}`) as unknown };
      expect(body).toMatchObject(expected);
      expect(route.fake().requests).toHaveLength(1);
      expect(ends).toEqual([expect.objectContaining({ status: 502, outcome: 'error' })]);
    },
  );
});

describe('a compressed answer is decoded before it is read, translated or passed on (DESIGN section 9)', () => {
  const encoders: Array<[string, (data: string) => Buffer]> = [
    ['gzip', (data) => gzipSync(data)],
    ['deflate', (data) => deflateSync(data)],
    ['br', (data) => brotliCompressSync(data)],
  ];
  // upstream-quirks.test.ts reads each coding on chat passed through; messages-matrix.test.ts a gzip stream translated for Messages.
  test.each(
    CASES.filter(except([CHAT_PASSTHROUGH])).flatMap(([name, stream, route]) =>
      encoders.map(([encoding, encode]) => [name, stream, encoding, encode, route] as const),
    ),
  )('%s, streamed %s, %s', async (_name, stream, encoding, encode, route) => {
    const { contentType, body } = answerIn(route.wire, stream);
    route.fake().handler = (_request, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': contentType, 'content-encoding': encoding });
      res.end(encode(body));
    };
    expect(await route.ask(stream)).toBe(TEXT);
    expect(route.fake().requests[0]?.headers['accept-encoding']).toBe('identity');
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });

  // upstream-quirks.test.ts: a gzipped 401 on chat passed through.
  test.each(CASES.filter(except([CHAT_PASSTHROUGH])))(
    '%s, streamed %s: a gzipped error body reaches the client with its status and message',
    async (_name, stream, route) => {
      const message = 'Rate limited: slow down, compressed.';
      const error =
        route.wire === 'messages'
          ? { type: 'error', error: { type: 'rate_limit_error', message } }
          : { error: { message, type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } };
      route.fake().handler = (_request, res: ServerResponse) => {
        res.writeHead(429, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify(error)));
      };
      const { status, body } = await failureOf(route.ask(stream));
      expect(status).toBe(429);
      expect(JSON.stringify(body)).toContain(message);
      expect(ends).toEqual([expect.objectContaining({ status: 429, outcome: 'error' })]);
    },
  );
});

describe('SSE lines ending in CRLF or a lone CR are framed as LF ones (DESIGN section 9)', () => {
  // upstream-quirks.test.ts (chat passed through) and messages-matrix.test.ts (Messages translated) hold both.
  const STREAMED = ROUTES.filter((route) => route.name !== CHAT_PASSTHROUGH && route.name !== MESSAGES_TRANSLATED).flatMap((route) =>
    (['\r\n', '\r'] as const).map((eol) => [route.name, JSON.stringify(eol), eol, route] as const),
  );
  test.each(STREAMED)('%s, line endings %s', async (_name, _label, eol, route) => {
    const { body } = answerIn(route.wire, true);
    route.fake().handler = (_request, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(body.replace(/\n/g, eol));
    };
    expect(await route.ask(true)).toBe(TEXT);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });
});

describe('a 200 JSON answer that is only an error is that error (DESIGN section 9)', () => {
  const codes: Array<[label: string, error: Record<string, unknown>, status: number]> = [
    ['code 429', { code: 429, message: 'Provider returned error: busy' }, 429],
    ['code "503"', { code: '503', message: 'Provider returned error: down' }, 503],
    ['no code', { message: 'Provider returned error: gone' }, 502],
    ['code 200', { code: 200, message: 'Provider returned error: odd' }, 502],
  ];
  // docs-claims.test.ts and upstream-quirks.test.ts (chat passed through), messages-fidelity.test.ts (Messages translated),
  // responses-native-failures.test.ts (Responses native).
  test.each(
    CASES.filter(except([CHAT_PASSTHROUGH], [MESSAGES_TRANSLATED], [RESPONSES_NATIVE])).flatMap(([name, stream, route]) =>
      codes.map(([label, error, status]) => [name, stream, label, error, status, route] as const),
    ),
  )('%s, streamed %s, %s', async (_name, stream, _label, error, status, route) => {
    route.fake().handler = (_request, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error }));
    };
    const failure = await failureOf(route.ask(stream));
    expect(failure.status).toBe(status);
    expect(JSON.stringify(failure.body)).toContain(error.message as string);
    if (route.shape === 'anthropic') expect(failure.body).toMatchObject({ type: 'error', error: { type: expect.any(String) as unknown } });
    expect(ends).toEqual([expect.objectContaining({ status, outcome: 'error' })]);
  });
});

describe('client request bodies (DESIGN section 9, "Client requests")', () => {
  const endpoints: Array<[path: string, body: Record<string, unknown>, fake: () => FakeUpstream]> = [
    ['/chat/completions', { model: 'local/qwen', messages: HELLO }, () => local],
    ['/messages', { model: 'anthropic/claude-sonnet-4-5', max_tokens: 16, messages: HELLO }, () => anthropic],
    ['/responses', { model: 'local/qwen', input: 'hi' }, () => local],
  ];
  const encodings: Array<[encoding: string, encode: (data: string) => Buffer | string]> = [
    ['gzip', (data) => gzipSync(data)],
    ['deflate', (data) => deflateSync(data)],
    ['br', (data) => brotliCompressSync(data)],
    ['identity', (data) => data],
    ['GZIP', (data) => gzipSync(data)],
  ];
  const send = (path: string, encoding: string, body: Buffer | string): Promise<Response> =>
    fetch(`${host.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });

  // upstream-quirks.test.ts: gzip and identity on chat completions; messages-matrix.test.ts: identity, gzip, deflate and br on /messages.
  const covered = new Set([
    '/chat/completions gzip',
    '/chat/completions identity',
    '/messages identity',
    '/messages gzip',
    '/messages deflate',
    '/messages br',
  ]);
  const rows = endpoints.flatMap(([path, body, fake]) => encodings.map(([encoding, encode]) => [path, encoding, body, fake, encode] as const));
  test.each(rows.filter(([path, encoding]) => !covered.has(`${path} ${encoding}`)))(
    '%s with Content-Encoding %s is decoded and reaches the provider',
    async (path, _encoding, body, fake, encode) => {
      const response = await send(path, _encoding, encode(JSON.stringify(body)));
      expect(response.status).toBe(200);
      expect(fake().requests).toHaveLength(1);
      expect(JSON.stringify(fake().requests[0]?.body)).toContain('hi');
    },
  );

  // upstream-quirks.test.ts and messages-matrix.test.ts hold the decoded-size limit for gzip.
  test.each([
    ['deflate', (data: string) => deflateSync(data)],
    ['br', (data: string) => brotliCompressSync(data)],
  ])('PROVIDER_MAX_BODY_BYTES applies to the decoded size of a %s body, on each endpoint, in its shape', async (encoding, encode) => {
    const small = await startHost({ env: { ...envFor({ local, anthropic }), PROVIDER_MAX_BODY_BYTES: '2000' } });
    try {
      const long = 'a'.repeat(50_000);
      for (const [path, body] of [
        ['/chat/completions', { model: 'local/qwen', messages: [{ role: 'user', content: long }] }],
        ['/messages', { model: 'anthropic/claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: long }] }],
        ['/responses', { model: 'local/qwen', input: long }],
      ] as const) {
        const compressed = encode(JSON.stringify(body));
        expect(compressed.length).toBeLessThan(2000);
        const response = await fetch(`${small.url}/v1${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: compressed,
        });
        expect([path, response.status]).toEqual([path, 413]);
        const error = (await response.json()) as Record<string, unknown>;
        if (path === '/messages') expect(error).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
        else expect(error).toMatchObject({ error: { code: 'body_too_large' } });
      }
      expect([...local.requests, ...anthropic.requests]).toHaveLength(0);
    } finally {
      await small.close();
    }
  });

  // upstream-quirks.test.ts and messages-matrix.test.ts hold the 415 on chat completions and /messages.
  test('/responses with an encoding the router does not decode is a 415 in OpenAI’s shape, nothing sent', async () => {
    const response = await send('/responses', 'zstd', JSON.stringify({ model: 'local/qwen', input: 'hi' }));
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining('zstd') as unknown } });
    expect(local.requests).toHaveLength(0);
  });
});

/** The chat completions providers a Messages request is translated for (`local` takes Messages as they are). */
const TRANSLATED: Array<[model: string, fake: () => FakeUpstream]> = [
  ['openai/gpt-4o', () => openai],
  ['openrouter/openai/gpt-4o', () => openrouter],
  ['groq/llama-3.3-70b', () => groq],
];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PDF = Buffer.from('%PDF-1.4 a tiny document').toString('base64');
const tool = (id: string): Anthropic.ToolUseBlockParam => ({ type: 'tool_use', id, name: 'shot', input: {} });

describe('Messages in, tool results holding media (DESIGN section 9, "Requests")', () => {
  // messages-matrix.test.ts and messages-fidelity.test.ts hold one tool_result with media and a text is_error result.
  test.each(TRANSLATED)(
    '%s: the media of several results open one user message after all the tool messages; is_error marks each text',
    async (model, fake) => {
      await messagesClient().messages.create({
        model,
        max_tokens: 16,
        tools: [{ name: 'shot', input_schema: { type: 'object' } }],
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [tool('toolu_a'), tool('toolu_b'), tool('toolu_c'), tool('toolu_d')] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_a',
                is_error: true,
                content: [
                  { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
                  { type: 'text', text: 'the screen went dark' },
                ],
              },
              {
                type: 'tool_result',
                tool_use_id: 'toolu_b',
                content: [
                  { type: 'text', text: 'two documents' },
                  { type: 'document', title: 'notes', source: { type: 'text', media_type: 'text/plain', data: 'note text' } },
                  { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
                ],
              },
              { type: 'tool_result', tool_use_id: 'toolu_c', is_error: true, content: 'boom' },
              { type: 'tool_result', tool_use_id: 'toolu_d', is_error: true },
              { type: 'text', text: 'what now?' },
            ],
          },
        ],
      });
      const messages = (fake().requests.at(-1)?.body?.messages ?? []) as unknown[];
      expect(messages.slice(2)).toEqual([
        { role: 'tool', tool_call_id: 'toolu_a', content: 'Error: the screen went dark' },
        { role: 'tool', tool_call_id: 'toolu_b', content: 'two documents' },
        { role: 'tool', tool_call_id: 'toolu_c', content: 'Error: boom' },
        { role: 'tool', tool_call_id: 'toolu_d', content: expect.stringMatching(/^Error: /) as unknown },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'text', text: 'notes\nnote text' },
            { type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
            { type: 'text', text: 'what now?' },
          ],
        },
      ]);
    },
  );

  test.each(TRANSLATED)('%s: a url document inside a tool_result goes to OpenRouter as file_data, elsewhere a 400 naming it', async (model, fake) => {
    const request = messagesClient().messages.create({
      model,
      max_tokens: 16,
      tools: [{ name: 'shot', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [tool('toolu_a')] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_a',
              content: [
                { type: 'text', text: 'fetched' },
                { type: 'document', source: { type: 'url', url: 'https://files.example/a.pdf' } },
              ],
            },
          ],
        },
      ],
    });
    if (fake() === openrouter) {
      await request;
      expect(((fake().requests.at(-1)?.body?.messages ?? []) as unknown[]).slice(2)).toEqual([
        { role: 'tool', tool_call_id: 'toolu_a', content: 'fetched' },
        { role: 'user', content: [{ type: 'file', file: { filename: 'document.pdf', file_data: 'https://files.example/a.pdf' } }] },
      ]);
      return;
    }
    const { status, body } = await failureOf(request);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages[2].content[0].content[1]') as unknown },
    });
    expect(fake().requests).toHaveLength(0);
  });
});

describe('Messages in, a chat stream translated: blocks strictly sequential (DESIGN section 9, "Streams")', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    chatChunkFrame({ id: 'c1', created: 1, model: 'm' }, delta, finish);
  const call = (index: number, fields: Record<string, unknown>): Record<string, unknown> => ({ tool_calls: [{ index, ...fields }] });

  /** The router's Messages frames for a streamed request to `model` whose upstream sends `frames`. */
  async function framesFor(model: string, fake: FakeUpstream, frames: string[]): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
    fake.handler = (_request, res) => sendFrames(res, [...frames, DONE_FRAME]);
    const response = await fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 100, stream: true, messages: HELLO }),
    });
    return (await response.text())
      .split('\n\n')
      .filter((frame) => frame.trim() !== '')
      .map((frame) => {
        const [eventLine = '', dataLine = ''] = frame.split('\n');
        return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown> };
      });
  }

  /** Fails when a block starts before the one before it stopped, or a delta follows its block's stop. */
  function expectSequential(frames: Array<{ event: string; data: Record<string, unknown> }>): void {
    let open: unknown;
    for (const { event, data } of frames) {
      if (event === 'content_block_start') {
        expect(open).toBeUndefined();
        open = data.index;
      } else if (event === 'content_block_delta') expect(data.index).toBe(open);
      else if (event === 'content_block_stop') {
        expect(data.index).toBe(open);
        open = undefined;
      }
    }
    expect(open).toBeUndefined();
  }

  // messages-matrix.test.ts and messages-fidelity.test.ts hold text while a call is open, and interleaved calls, each alone.
  test.each(TRANSLATED)('%s: reasoning, a refusal, text and two more calls while call 0 is open: each whole, after it', async (model, fake) => {
    const frames = await framesFor(model, fake(), [
      chunk({ role: 'assistant', content: null }),
      chunk(call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a"' } })),
      chunk({ reasoning_content: 'Thinking mid-call.' }),
      chunk({ refusal: 'Not that. ' }),
      chunk(call(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"b":2}' } })),
      chunk({ content: 'More text.' }),
      chunk(call(0, { function: { arguments: ':1}' } })),
      chunk(call(2, { id: 'call_c', type: 'function', function: { arguments: '{"c":' } })),
      chunk(call(2, { function: { name: 'h', arguments: '3}' } })),
      chunk({}, 'tool_calls'),
    ]);
    expectSequential(frames);
    expect(frames.at(-1)?.event).toBe('message_stop');
    // The same upstream answer, read by the SDK as Claude Code reads it.
    const message = await messagesClient().messages.stream({ model, max_tokens: 100, messages: HELLO }).finalMessage();
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'g', input: { b: 2 } },
      { type: 'tool_use', id: 'call_c', name: 'h', input: { c: 3 } },
      { type: 'thinking', thinking: 'Thinking mid-call.', signature: expect.stringMatching(/^epr1\./) as unknown },
      expect.objectContaining({ type: 'text', text: 'Not that. More text.' }),
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  test.each(TRANSLATED)(
    '%s: a call still without a name at the end, beside a named one, ends in the error frame, not message_stop',
    async (model, fake) => {
      const frames = await framesFor(model, fake(), [
        chunk({ role: 'assistant', content: null }),
        chunk(call(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"b":2}' } })),
        chunk(call(0, { id: 'call_a', type: 'function', function: { arguments: '{}' } })),
        chunk({}, 'tool_calls'),
      ]);
      expectSequential(frames);
      expect(frames.at(-1)).toEqual({
        event: 'error',
        data: { type: 'error', error: { type: 'api_error', message: expect.stringContaining('call_a') as unknown } },
      });
      expect(frames.some((frame) => frame.event === 'message_stop')).toBe(false);
      expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
    },
  );
});

describe('requestStreamUsage: false applies to every route (DESIGN section 9)', () => {
  // messages-matrix.test.ts holds /messages, core-proxy.test.ts chat completions passed through.
  test.each([
    ['local/qwen', () => local],
    ['groq/llama-3.3-70b', () => groq],
  ])('a Responses stream bridged to %s asks for no stream_options', async (model, fake) => {
    const quiet = await startHost({
      requestStreamUsage: false,
      env: { ...envFor({ local }), OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: groq.baseUrl, GROQ_API_KEY: KEYS.openai },
    });
    try {
      const client = new OpenAI({ apiKey: 'host-token', baseURL: `${quiet.url}/v1`, maxRetries: 0 });
      await client.responses.stream({ model, input: 'hi' }).finalResponse();
      expect(fake().requests.at(-1)?.body).toMatchObject({ stream: true });
      expect(fake().requests.at(-1)?.body).not.toHaveProperty('stream_options');
    } finally {
      await quiet.close();
    }
  });
});

describe('SSE passthrough keeps frames byte-exact apart from the usage chunk it hides (DESIGN section 9)', () => {
  // upstream-quirks.test.ts holds multi-line data, id: and retry: with no usage chunk to hide, and lone CRs alone.
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] });
  const usage = JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o',
    choices: [],
    usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
  });
  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['a lone CR', '\r'],
  ])('lines ending in %s: comments, event:, id:, retry: and multi-line data survive; the usage chunk alone is left out', async (_label, eol) => {
    const kept = [
      `: OPENROUTER PROCESSING${eol}${eol}`,
      `event: message${eol}id: 1${eol}data: ${chunk({ role: 'assistant', content: 'Hel' })}${eol}${eol}`,
      // A JSON value split over two data: lines, between two of its members.
      `: a comment inside an event${eol}retry: 500${eol}data: ${chunk({ content: 'lo' }).replace(',"choices"', `,${eol}data: "choices"`)}${eol}${eol}`,
      `data: ${chunk({}, 'stop')}${eol}${eol}`,
    ];
    const hidden = `event: message${eol}id: 9${eol}data: ${usage}${eol}${eol}`;
    const done = `data: [DONE]${eol}${eol}`;
    openai.handler = (_request, res) => sendFrames(res, [...kept, hidden, done]);
    const response = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: HELLO }),
    });
    expect(await response.text()).toBe([...kept, done].join(''));
    expect(openai.requests[0]?.body?.stream_options).toEqual({ include_usage: true });
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok', usage: expect.objectContaining({ totalTokens: 6 }) as unknown })]);

    openai.handler = (_request, res) => sendFrames(res, [...kept, hidden, done]);
    const completion = await chatClient().chat.completions.stream({ model: 'openai/gpt-4o', messages: HELLO }).finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Hello');
    expect(completion.usage ?? undefined).toBeUndefined();
  });
});

describe('the other endpoints are routes too: count_tokens, completions, embeddings (DESIGN section 9)', () => {
  const endpoints: Array<[path: string, body: Record<string, unknown>, fake: () => FakeUpstream, answer: Record<string, unknown>]> = [
    ['/messages/count_tokens', { model: 'anthropic/claude-sonnet-4-5', messages: HELLO }, () => anthropic, { input_tokens: 7 }],
    [
      '/completions',
      { model: 'openai/gpt-3.5-turbo-instruct', prompt: 'hi' },
      () => openai,
      { id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: TEXT, finish_reason: 'stop' }] },
    ],
    [
      '/embeddings',
      { model: 'openai/text-embedding-3-small', input: 'hi' },
      () => openai,
      { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5] }], model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } },
    ],
  ];
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${host.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test.each(endpoints)('%s: a 3xx is a 502 naming it and its Location; a gzip answer is decoded', async (path, body, fake, answer) => {
    fake().handler = (_request, res: ServerResponse) => {
      res.writeHead(302, { location: 'https://login.example.com/sso' });
      res.end();
    };
    const redirected = await post(path, body);
    expect(redirected.status).toBe(502);
    const error = (await redirected.json()) as Record<string, unknown>;
    const message = { message: expect.stringContaining('302 to https://login.example.com/sso') as unknown };
    expect(error).toMatchObject(
      path === '/messages/count_tokens'
        ? { type: 'error', error: { type: 'api_error', ...message } }
        : { error: { code: 'upstream_invalid_response', ...message } },
    );

    fake().handler = (_request, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(answer)));
    };
    const decoded = await post(path, body);
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual(answer);
  });

  // completions-embeddings.test.ts holds the 200 JSON error on /completions and /embeddings.
  test('/messages/count_tokens: a 200 JSON error is that error, with its status', async () => {
    anthropic.handler = (_request, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 429, message: 'Provider returned error: busy' } }));
    };
    const response = await post('/messages/count_tokens', { model: 'anthropic/claude-sonnet-4-5', messages: HELLO });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringContaining('busy') as unknown },
    });
  });
});
