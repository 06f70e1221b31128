/**
 * Messages passed through (`anthropic/...` and `claude-*` to Anthropic, `local` to llama-server's
 * own `/v1/messages`) to upstreams that misbehave as real ones do, read with the official
 * `@anthropic-ai/sdk` (`messages.create`, `messages.stream().finalMessage()`, `countTokens`):
 * Anthropic's error answers before the stream, failures inside it, pings, CRLF and gzip streams,
 * llama-server's errors in its own shape, the `model` the client asked for, and what telemetry and
 * the conversation log say of each. DESIGN.md sections 2, 3, 4, 8, 9 and 10.
 */
import type { ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS, keyPiecesIn } from '../support/keys';
import { observe } from '../support/observe';
import { everythingSent, onlyRequest } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { parseSse } from '../support/sse';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { sleep, waitUntil } from '../support/wait';

/** The host's idle timeout: short, so that silence and pings can be tested against it. */
const IDLE_MS = 600;

let fakes: Fakes;
let host: Host;
let client: Anthropic;
const observed = observe();

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({
    env: { ...envFor(fakes), PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) },
    conversationLogger: observed.conversationLogger,
  });
  observed.listen(host.router);
  client = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
});

beforeEach(() => {
  fakes.reset();
  observed.clear();
});

afterEach(() => {
  // Whatever the test did, the host's own client token never reaches an upstream.
  expect(everythingSent(fakes.all())).not.toContain(CLIENT_TOKEN);
});

afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

const HELLO = [{ role: 'user' as const, content: 'Say hello.' }];
const ANTHROPIC_MODEL = 'anthropic/claude-sonnet-5-5';
const LOCAL_MODEL = 'local/qwen';
/** The text fixture's frames: message_start, content_block_start, ping, two deltas, stop, message_delta, message_stop. */
const TEXT_FRAMES = sseFrames('anthropic-messages-stream-text.sse');
/** Up to and including the first text delta ("Hello"). */
const UNTIL_FIRST_DELTA = TEXT_FRAMES.slice(0, 4);

type Mode = 'create' | 'stream';
const MODES: Mode[] = ['create', 'stream'];

/** Answers as Anthropic does: its request id as `request-id` only (the fakes' `sendJson` adds an `x-request-id`). */
function sendAnthropicJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function messageVia(mode: Mode, model: string): Promise<Anthropic.Message> {
  const params = { model, max_tokens: 64, messages: HELLO };
  return mode === 'create' ? client.messages.create(params) : client.messages.stream(params).finalMessage();
}

/** The one `request.end` of the request just made, and its conversation record. */
async function reported(): Promise<{ end: ReturnType<typeof observed.ends>[number]; record: Record<string, unknown> }> {
  const [end] = await observed.waitForEnds(1);
  await waitUntil(() => observed.records.length > 0, 2000, 'the conversation record');
  expect(observed.ends()).toHaveLength(1);
  expect(observed.records).toHaveLength(1);
  return { end: end!, record: observed.records[0]! };
}

describe("Anthropic's error answers before the stream reach the client as Anthropic wrote them", () => {
  const cases: Array<{
    status: number;
    errorClass: abstract new (...args: never[]) => InstanceType<typeof Anthropic.APIError>;
    body: { type: string; error: { type: string; message: string }; request_id: string };
    headers: Record<string, string>;
  }> = [
    {
      status: 400,
      errorClass: Anthropic.BadRequestError,
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: 64001 > 64000, which is the maximum allowed' },
        request_id: 'req_011CA',
      },
      headers: { 'request-id': 'req_011CA' },
    },
    {
      status: 413,
      errorClass: Anthropic.APIError,
      body: {
        type: 'error',
        error: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
        request_id: 'req_011CB',
      },
      headers: { 'request-id': 'req_011CB' },
    },
    {
      status: 429,
      errorClass: Anthropic.RateLimitError,
      body: {
        type: 'error',
        error: { type: 'rate_limit_error', message: 'This request would exceed the rate limit for your organization of 50 requests per minute.' },
        request_id: 'req_011CC',
      },
      headers: {
        'request-id': 'req_011CC',
        'retry-after': '17',
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-11-28T12:00:17Z',
        'anthropic-organization-id': 'org-0123',
        'set-cookie': 'session=abc',
      },
    },
    {
      status: 500,
      errorClass: Anthropic.InternalServerError,
      body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' }, request_id: 'req_011CD' },
      headers: { 'request-id': 'req_011CD' },
    },
    {
      status: 529,
      errorClass: Anthropic.APIError,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011CE' },
      headers: { 'request-id': 'req_011CE' },
    },
  ];

  describe.each(cases)('$status $body.error.type', (c) => {
    it.each(MODES)('keeps status, body and the allowed headers, and reports the error (%s)', async (mode) => {
      fakes.anthropic.handler = (_recorded, res) => sendAnthropicJson(res, c.status, c.body, c.headers);
      const error = await rejectionOf(messageVia(mode, ANTHROPIC_MODEL), c.errorClass);
      expect(error.status).toBe(c.status);
      // As Anthropic wrote it: Claude Code decides on retries from its wording.
      expect(error.error).toEqual(c.body);
      const headers = error.headers!;
      // The upstream's request id under a name of ours; `request-id` is the router's own.
      expect(headers.get('x-provider-request-id')).toBe(c.headers['request-id']);
      expect(headers.get('request-id')).toBe(error.requestID);
      expect(headers.get('request-id')).not.toBe(c.headers['request-id']);
      for (const [name, value] of Object.entries(c.headers)) {
        if (name === 'retry-after' || name.startsWith('anthropic-ratelimit-')) expect(headers.get(name)).toBe(value);
      }
      expect(headers.get('anthropic-organization-id')).toBeNull();
      expect(headers.get('set-cookie')).toBeNull();

      const { end, record } = await reported();
      expect(end).toMatchObject({
        status: c.status,
        outcome: 'error',
        endpoint: 'messages',
        model: ANTHROPIC_MODEL,
        error: { type: c.body.error.type },
      });
      expect(record).toMatchObject({ status: c.status, outcome: 'error', model: ANTHROPIC_MODEL });
    });
  });

  it.each(MODES)('redacts the key Anthropic echoes in a 401, keeping the rest of its body (%s)', async (mode) => {
    const body = { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${KEYS.anthropic}` }, request_id: 'req_011CF' };
    fakes.anthropic.handler = (_recorded, res) => sendAnthropicJson(res, 401, body, { 'request-id': 'req_011CF' });
    const error = await rejectionOf(messageVia(mode, ANTHROPIC_MODEL), Anthropic.AuthenticationError);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringContaining('invalid x-api-key') },
      request_id: 'req_011CF',
    });
    const { end, record } = await reported();
    const seen = [
      JSON.stringify(error.error),
      error.message,
      JSON.stringify([...error.headers!.entries()]),
      JSON.stringify(end),
      JSON.stringify(record),
    ];
    expect(keyPiecesIn(seen.join('\n'), KEYS.anthropic)).toEqual([]);
  });

  it.each(MODES)('answers an HTML 502 page from a proxy in front as an Anthropic api_error 502 with its text (%s)', async (mode) => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';
    fakes.anthropic.handler = (_recorded, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(page);
    };
    const error = await rejectionOf(messageVia(mode, ANTHROPIC_MODEL), Anthropic.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.error).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('502 Bad Gateway') } });
    expect((await reported()).end).toMatchObject({ status: 502, outcome: 'error' });
  });

  it('passes a count_tokens 429 through with its retry-after', async () => {
    const body = { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } };
    fakes.anthropic.handler = (_recorded, res) => sendAnthropicJson(res, 429, body, { 'retry-after': '4', 'request-id': 'req_count' });
    const error = await rejectionOf(client.messages.countTokens({ model: ANTHROPIC_MODEL, messages: HELLO }), Anthropic.RateLimitError);
    expect(error.error).toEqual(body);
    expect(error.headers?.get('retry-after')).toBe('4');
    expect(error.headers?.get('x-provider-request-id')).toBe('req_count');
    expect((await reported()).end).toMatchObject({ status: 429, outcome: 'error', endpoint: 'messages.count_tokens' });
  });
});

describe("llama-server's errors, in OpenAI's shape on its Messages endpoint, reach a Messages client in Anthropic's", () => {
  it.each([
    [
      400,
      Anthropic.BadRequestError,
      'invalid_request_error',
      { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error' },
    ],
    [503, Anthropic.APIError, 'api_error', { code: 503, message: 'Loading model', type: 'unavailable_error' }],
  ] as const)('%i before the stream', async (status, errorClass, type, fields) => {
    for (const mode of MODES) {
      fakes.local.handler = (_recorded, res) => sendJson(res, status, { error: fields });
      const error = await rejectionOf(messageVia(mode, LOCAL_MODEL), errorClass);
      expect(error.status).toBe(status);
      expect(error.error).toEqual({ type: 'error', error: { type, message: fields.message } });
    }
  });

  it.each([
    [
      "its current form: `event: error` with the error's fields as the data",
      'event: error\ndata: {"code":500,"message":"slot 0 died","type":"server_error"}\n\n',
    ],
    ['`event: error` with the fields under `error`', 'event: error\ndata: {"error":{"code":500,"message":"slot 0 died","type":"server_error"}}\n\n'],
    ['a data frame of nothing but an error, with no event line', 'data: {"error":{"code":500,"message":"slot 0 died","type":"server_error"}}\n\n'],
    ['an `error:` line, as older builds end a failed stream', 'error: {"code":500,"message":"slot 0 died","type":"server_error"}\n\n'],
  ])('mid-stream, as %s', async (_form, errorFrame) => {
    fakes.local.handler = (_recorded, res) => sendFrames(res, [...UNTIL_FIRST_DELTA, errorFrame]);
    const stream = client.messages.stream({ model: LOCAL_MODEL, max_tokens: 64, messages: HELLO });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const error = await rejectionOf(stream.finalMessage(), Anthropic.APIError);
    expect(texts).toEqual(['Hello']);
    expect(error.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'slot 0 died' } });

    const { end, record } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'error', error: { message: 'slot 0 died' } });
    expect(record).toMatchObject({ outcome: 'error', response: { text: 'Hello' } });
  });

  it('writes every frame it passes on with an event line the SDK reads: a frame of no type is left out', async () => {
    fakes.local.handler = (_recorded, res) =>
      sendFrames(res, [...TEXT_FRAMES.slice(0, 2), 'data: {"slot_id":0,"n_past":12}\n\n', ...TEXT_FRAMES.slice(2)]);
    const response = await fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: LOCAL_MODEL, max_tokens: 64, stream: true, messages: HELLO }),
    });
    const frames = parseSse(await response.text());
    expect(frames.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });
});

describe('failures inside a stream from Anthropic', () => {
  it("passes Anthropic's overloaded_error after the first delta as it came, and reports the usage so far", async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    fakes.anthropic.handler = (_recorded, res) => sendFrames(res, [...UNTIL_FIRST_DELTA, `event: error\ndata: ${JSON.stringify(overloaded)}\n\n`]);
    const stream = client.messages.stream({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const error = await rejectionOf(stream.finalMessage(), Anthropic.APIError);
    expect(texts).toEqual(['Hello']);
    expect(error.error).toEqual(overloaded);

    const { end, record } = await reported();
    expect(end).toMatchObject({
      status: 200,
      outcome: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      usage: { promptTokens: 25 },
    });
    expect(record).toMatchObject({ outcome: 'error', response: { text: 'Hello' } });
  });

  it.each([
    ['after message_start', TEXT_FRAMES.slice(0, 1), ''],
    ['inside a content block', UNTIL_FIRST_DELTA, 'Hello'],
    ['inside a frame', [...UNTIL_FIRST_DELTA, TEXT_FRAMES[4]!.slice(0, 30)], 'Hello'],
  ])('ends a stream cut %s with an api_error frame; finalMessage() rejects', async (_where, frames, text) => {
    fakes.anthropic.handler = (_recorded, res) => sendFrames(res, frames);
    const error = await rejectionOf(
      client.messages.stream({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO }).finalMessage(),
      Anthropic.APIError,
    );
    expect(error.error).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('ended before its terminator') } });
    const { end, record } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'error' });
    expect(record).toMatchObject({ outcome: 'error', response: { text } });
  });

  it('ends a stream that falls silent (no pings either) after PROVIDER_IDLE_TIMEOUT_MS with an error frame', async () => {
    fakes.anthropic.handler = (_recorded, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of UNTIL_FIRST_DELTA) res.write(frame);
    };
    const error = await rejectionOf(
      client.messages.stream({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO }).finalMessage(),
      Anthropic.APIError,
    );
    expect(error.error).toMatchObject({ type: 'error', error: { message: expect.stringContaining('PROVIDER_IDLE_TIMEOUT_MS') } });
    expect((await reported()).end).toMatchObject({ outcome: 'error' });
  });

  it("counts Anthropic's pings as the upstream's activity: a stream that sends only pings for longer than PROVIDER_IDLE_TIMEOUT_MS is not cut", async () => {
    const PING = 'event: ping\ndata: {"type": "ping"}\n\n';
    fakes.anthropic.handler = (_recorded, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(TEXT_FRAMES[0]);
      // Twice the idle timeout of nothing but pings, as Anthropic sends while the model thinks
      // without streaming its thinking or runs a server tool.
      void (async () => {
        for (let elapsed = 0; elapsed < 2 * IDLE_MS; elapsed += IDLE_MS / 3) {
          await sleep(IDLE_MS / 3);
          if (res.destroyed) return;
          res.write(PING);
        }
        res.end(TEXT_FRAMES.slice(1).join(''));
      })();
    };
    const message = await client.messages.stream({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there!' }]);
    expect((await reported()).end).toMatchObject({ status: 200, outcome: 'ok', finishReason: 'end_turn' });
  });

  it.each([
    [
      'CRLF line endings',
      (res: ServerResponse) =>
        sendFrames(
          res,
          TEXT_FRAMES.map((frame) => frame.replace(/\n/g, '\r\n')),
        ),
    ],
    [
      'gzip although identity was asked for',
      (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync(TEXT_FRAMES.join('')));
      },
    ],
  ])('reads a stream with %s to its end', async (_how, send) => {
    fakes.anthropic.handler = (_recorded, res) => send(res);
    const message = await client.messages.stream({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO }).finalMessage();
    expect(message).toMatchObject({ model: ANTHROPIC_MODEL, content: [{ type: 'text', text: 'Hello there!' }], stop_reason: 'end_turn' });
    const { end, record } = await reported();
    expect(end).toMatchObject({ outcome: 'ok', finishReason: 'end_turn', usage: { promptTokens: 25, completionTokens: 15 } });
    expect(record).toMatchObject({ response: { text: 'Hello there!' } });
  });
});

describe('the model the client asked for, and usage with cache tokens, on passthrough', () => {
  const DATED = 'claude-sonnet-5-5-20260915';
  const USAGE = { input_tokens: 3, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 7 };

  it.each(['claude-sonnet-5-5', ANTHROPIC_MODEL])('answers %s, not the dated name Anthropic gives, in JSON and in message_start', async (model) => {
    const answer = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: DATED,
      content: [{ type: 'text', text: 'Hi' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: USAGE,
    };
    const frames = TEXT_FRAMES.map((frame) =>
      frame.startsWith('event: message_start')
        ? `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { ...answer, content: [], stop_reason: null, usage: { ...USAGE, output_tokens: 1 } } })}\n\n`
        : frame,
    );
    fakes.anthropic.handler = (recorded, res) => (recorded.body?.stream ? sendFrames(res, frames) : sendJson(res, 200, answer));
    for (const mode of MODES) {
      observed.clear();
      const message = await messageVia(mode, model);
      expect(message.model).toBe(model);
      const { end } = await reported();
      // Anthropic's input_tokens leaves out the cached ones: the prompt is all three.
      expect(end.usage).toMatchObject({ promptTokens: 1203, completionTokens: mode === 'create' ? 7 : 15 });
    }
  });

  it('a block that is no object passes through as sent, and telemetry still reads the rest of the answer', async () => {
    fakes.anthropic.handler = (_request, res) =>
      sendJson(res, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: DATED,
        content: [null, { type: 'text', text: 'Hi' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 3, output_tokens: 7 },
      });
    const message = await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO });
    expect(message.content).toEqual([null, { type: 'text', text: 'Hi' }]);
    const { end, record } = await reported();
    expect(end).toMatchObject({ outcome: 'ok', finishReason: 'end_turn', usage: { promptTokens: 3, completionTokens: 7 } });
    expect(record).toMatchObject({ response: { text: 'Hi' }, finishReason: 'end_turn' });
  });

  it('keeps ?beta=true and the anthropic-beta header, and sends the provider key alone', async () => {
    await fetch(`${host.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': CLIENT_TOKEN,
        authorization: `Bearer ${CLIENT_TOKEN}`,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'context-management-2025-06-27,interleaved-thinking-2025-05-14',
      },
      body: JSON.stringify({ model: ANTHROPIC_MODEL, max_tokens: 64, messages: HELLO }),
    }).then((response) => response.text());
    const sent = onlyRequest(fakes.anthropic);
    expect(sent.url).toBe('/v1/messages?beta=true');
    expect(sent.headers).toMatchObject({
      'x-api-key': KEYS.anthropic,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'context-management-2025-06-27,interleaved-thinking-2025-05-14',
    });
    expect(sent.headers.authorization).toBeUndefined();
  });
});
