/**
 * A probe of the router against upstreams that misbehave as real ones do, read through the real
 * clients on the three routes in (chat completions with the `openai` SDK, `/messages` with
 * `@anthropic-ai/sdk`, `/responses` with the `openai` SDK's `responses`), passed through and
 * translated, streamed and not (DESIGN sections 2, 3, 8, 9 and 11). The first part holds the
 * faults this probe found, each fixed; the second what it checked and found right, where the
 * other suites do not already look (`upstream-misbehaviour`, `upstream-quirks`,
 * `streaming-errors-matrix`, `*-failures`).
 */
import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postJson } from '../support/http-client';
import { openingFrames, OPENING_TEXT, textFrames, WHOLE_TEXT, wholeAnswer } from '../support/misbehaving-upstreams';
import { observe } from '../support/observe';
import { responsesFrames, responsesObject, RESPONSES_FIXTURE_TEXT } from '../support/responses-wire';
import { dataPayloads, parseSse } from '../support/sse';
import { sendFrames } from '../support/upstream-answers';
import { chatChunkFrame, dataFrame, DONE_FRAME } from '../support/wire-frames';

/** The wire format an upstream answers a route in. */
type Wire = 'chat' | 'messages' | 'responses';
type FakeName = 'openai' | 'anthropic' | 'local';

interface Route {
  name: string;
  client: 'chat' | 'messages' | 'responses';
  model: string;
  fake: FakeName;
  wire: Wire;
}

const ROUTES: Route[] = [
  { name: 'chat → openai (passthrough)', client: 'chat', model: 'openai/gpt-4o', fake: 'openai', wire: 'chat' },
  { name: 'chat → anthropic (translated)', client: 'chat', model: 'anthropic/claude-sonnet-5-5', fake: 'anthropic', wire: 'messages' },
  { name: 'messages → anthropic (passthrough)', client: 'messages', model: 'claude-sonnet-5-5', fake: 'anthropic', wire: 'messages' },
  { name: 'messages → local (passthrough)', client: 'messages', model: 'qwen3-8b', fake: 'local', wire: 'messages' },
  { name: 'messages → openai (translated)', client: 'messages', model: 'openai/gpt-4o', fake: 'openai', wire: 'chat' },
  { name: 'responses → openai (native)', client: 'responses', model: 'openai/gpt-5.5', fake: 'openai', wire: 'responses' },
  { name: 'responses → local (bridged)', client: 'responses', model: 'qwen3-8b', fake: 'local', wire: 'chat' },
  { name: 'responses → anthropic (translated)', client: 'responses', model: 'anthropic/claude-sonnet-5-5', fake: 'anthropic', wire: 'messages' },
];
const PASSTHROUGH_MESSAGES = ROUTES.filter((route) => route.client === 'messages' && route.wire === 'messages');
const FROM_CHAT = ROUTES.filter((route) => route.wire === 'chat');
const both = (routes: Route[]): Array<[string, boolean, Route]> =>
  routes.flatMap((route) => [false, true].map((stream) => [route.name, stream, route] as [string, boolean, Route]));

const IDLE_MS = 500;
const HELLO = [{ role: 'user' as const, content: 'hi' }];
const CHAT_ID = { id: 'chatcmpl-probe', created: 1795781041, model: 'upstream-model' };
const USAGE = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };

let fakes: Record<FakeName, FakeUpstream>;
let host: Host;
const seen = observe();

beforeAll(async () => {
  const [openai, anthropic, local] = await startFakeUpstreams('openai', 'anthropic', 'local');
  fakes = { openai: openai!, anthropic: anthropic!, local: local! };
  host = await startHost({ env: { ...envFor(fakes), PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) } });
  seen.listen(host.router);
});
beforeEach(() => seen.clear());
afterEach(() => Object.values(fakes).forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

const chatClient = (maxRetries = 0): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries });
const messagesClient = (maxRetries = 0): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries });

const pathOf = (route: Route): string => ({ chat: '/chat/completions', messages: '/messages', responses: '/responses' })[route.client];
function bodyOf(route: Route, stream: boolean): Record<string, unknown> {
  if (route.client === 'responses') return { model: route.model, input: 'hi', stream };
  if (route.client === 'messages') return { model: route.model, max_tokens: 50, messages: HELLO, stream };
  return { model: route.model, messages: HELLO, stream };
}
const post = (route: Route, stream: boolean) => postJson(`${host.url}/v1${pathOf(route)}`, bodyOf(route, stream));

/** A whole answer in `wire`, and the text a client reads from it. */
const wholeOf = (wire: Wire): unknown => (wire === 'responses' ? responsesObject({ type: 'text' }) : wholeAnswer(wire));
const framesOf = (wire: Wire): string[] => (wire === 'responses' ? responsesFrames({ type: 'text' }) : textFrames(wire));
const textOf = (wire: Wire): string => (wire === 'responses' ? RESPONSES_FIXTURE_TEXT : WHOLE_TEXT);

/** What an SDK call came to: the text of the answer, or the error it threw (an APIError's status). */
interface Settled {
  text?: string;
  status?: number | undefined;
  message?: string;
  /** A Responses stream's `finalResponse()` resolves failed instead of throwing (docs/decisions.md). */
  failed?: string;
}

/** Calls the route's SDK as its users do: `create` without stream, the stream helper's final answer with. */
async function viaSdk(route: Route, stream: boolean, maxRetries = 0): Promise<Settled> {
  try {
    if (route.client === 'chat') {
      const params = { model: route.model, messages: HELLO };
      const completion = stream
        ? await chatClient(maxRetries).chat.completions.stream(params).finalChatCompletion()
        : await chatClient(maxRetries).chat.completions.create(params);
      return { text: completion.choices[0]?.message.content ?? '' };
    }
    if (route.client === 'messages') {
      const params = { model: route.model, max_tokens: 50, messages: HELLO };
      const message = stream
        ? await messagesClient(maxRetries).messages.stream(params).finalMessage()
        : await messagesClient(maxRetries).messages.create(params);
      return { text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join('') };
    }
    const params = { model: route.model, input: 'hi' };
    const response = stream
      ? await chatClient(maxRetries).responses.stream(params).finalResponse()
      : await chatClient(maxRetries).responses.create(params);
    if (response.status === 'failed') return { failed: response.error?.message ?? '' };
    return { text: response.output_text };
  } catch (error) {
    const failure = error as { status?: number; message: string };
    return { status: failure.status, message: failure.message };
  }
}

/** Checks an error answer before any stream: the status, and the shape of the client's dialect. */
function expectRouteError(route: Route, response: { status: number; text: string }, status: number, message: RegExp): void {
  expect(response.status).toBe(status);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  if (route.client === 'messages') {
    expect(body).toEqual({ type: 'error', error: { type: expect.any(String), message: expect.stringMatching(message) } });
  } else {
    expect(body).toEqual({ error: expect.objectContaining({ message: expect.stringMatching(message), type: expect.any(String) }) });
  }
}

/**
 * Answers JSON: a newline every `IDLE_MS / 10` until `IDLE_MS * 1.5` have passed, then `body`. Short
 * gaps keep a loaded machine's late timers far from the idle timeout; the total still outlasts it.
 */
function keepAliveThen(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const until = performance.now() + IDLE_MS * 1.5;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    if (performance.now() < until) return void res.write('\n');
    clearInterval(timer);
    res.end(JSON.stringify(body));
  }, IDLE_MS / 10);
}

/** The one `request.end` of the last request. */
async function onlyEnd() {
  const ends = await seen.waitForEnds(1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(seen.ends()).toHaveLength(1);
  return ends[0]!;
}

describe('faults found and fixed', () => {
  describe('a Messages stream passed through without the usage objects the Anthropic SDK reads (some compatible servers leave them out)', () => {
    const withoutDeltaUsage = (): string[] =>
      textFrames('messages').map((frame) =>
        frame.startsWith('event: message_delta')
          ? 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null}}\n\n'
          : frame,
      );

    test.each(PASSTHROUGH_MESSAGES.map((route) => [route.name, route] as const))(
      '%s: a message_delta without usage: the SDK’s stream helper assembles the answer instead of throwing a TypeError',
      async (_name, route) => {
        fakes[route.fake].handler = (_request, res) => sendFrames(res, withoutDeltaUsage());
        const message = await messagesClient().messages.stream({ model: route.model, max_tokens: 50, messages: HELLO }).finalMessage();
        expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: WHOLE_TEXT })]);
        expect(message.stop_reason).toBe('end_turn');
        // The count message_start gave stands: nothing said it changed.
        expect(message.usage.output_tokens).toBe(1);
        expect(await onlyEnd()).toMatchObject({ outcome: 'ok', status: 200 });
      },
    );

    test('a message_start without usage, and a message_delta without: the answer, with zero counts; other frames byte for byte', async () => {
      const frames = withoutDeltaUsage().map((frame) => frame.replace(/,"usage":\{"input_tokens":20,"output_tokens":1\}/, ''));
      expect(frames[0]).not.toContain('usage');
      fakes.anthropic.handler = (_request, res) => sendFrames(res, frames);
      const message = await messagesClient().messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 50, messages: HELLO }).finalMessage();
      expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: WHOLE_TEXT })]);
      expect(message.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });

      fakes.anthropic.handler = (_request, res) => sendFrames(res, frames);
      const raw = await post(ROUTES[2]!, true);
      const events = parseSse(raw.text);
      expect(events.map((event) => event.event)).toEqual(frames.map((frame) => /^event: (\w+)/.exec(frame)![1]));
      // Only the two events that lacked usage were written again.
      const blocks = raw.text.split('\n\n').filter((block) => block !== '');
      expect(blocks.slice(1, -2)).toEqual(frames.slice(1, -2).map((frame) => frame.replace(/\n\n$/, '')));
    });
  });

  describe('a chat stream passed through whose usage chunk has no `choices` array (DeepInfra, Groq, Gemini: none; some servers: null)', () => {
    const withUsageChunk = (usageChunk: Record<string, unknown>): string[] => [
      chatChunkFrame(CHAT_ID, { role: 'assistant', content: 'Hello' }),
      chatChunkFrame(CHAT_ID, {}, 'stop'),
      dataFrame({ id: CHAT_ID.id, object: 'chat.completion.chunk', created: CHAT_ID.created, model: CHAT_ID.model, ...usageChunk, usage: USAGE }),
      DONE_FRAME,
    ];

    test.each([
      ['without choices', {}],
      ['with choices null', { choices: null }],
    ])(
      '%s reaches a client that asked for usage with `choices: []`: the SDK’s stream helper reads the answer and its usage',
      async (_name, usageChunk) => {
        fakes.openai.handler = (_request, res) => sendFrames(res, withUsageChunk(usageChunk));
        const completion = await chatClient()
          .chat.completions.stream({ model: 'openai/gpt-4o', messages: HELLO, stream_options: { include_usage: true } })
          .finalChatCompletion();
        expect(completion.choices[0]?.message.content).toBe('Hello');
        expect(completion.usage).toEqual(USAGE);
        expect(await onlyEnd()).toMatchObject({ outcome: 'ok', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 } });

        fakes.openai.handler = (_request, res) => sendFrames(res, withUsageChunk(usageChunk));
        const raw = await postJson(`${host.url}/v1/chat/completions`, {
          model: 'openai/gpt-4o',
          messages: HELLO,
          stream: true,
          stream_options: { include_usage: true },
        });
        expect(dataPayloads(raw.text)).toContainEqual(expect.objectContaining({ choices: [], usage: USAGE }));
        // The chunks that had their choices go on byte for byte.
        expect(raw.text.startsWith(withUsageChunk(usageChunk).slice(0, 2).join(''))).toBe(true);
      },
    );

    test('a chunk of nothing but an error keeps its shape: OpenAI clients read a frame without choices as the failure', async () => {
      const error = { code: 502, message: 'Provider disconnected' };
      fakes.openai.handler = (_request, res) =>
        sendFrames(res, [chatChunkFrame(CHAT_ID, { role: 'assistant', content: 'Hel' }), dataFrame({ id: CHAT_ID.id, error })]);
      const raw = await postJson(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', messages: HELLO, stream: true });
      expect(dataPayloads(raw.text)).toContainEqual({ id: CHAT_ID.id, error });
      expect(await onlyEnd()).toMatchObject({ outcome: 'error' });
    });
  });

  describe('an empty 200 to a streamed request, labelled JSON or not labelled: nothing was sent, so a 502 in the route’s shape', () => {
    test.each(ROUTES.flatMap((route) => [['application/json'], [undefined]].map(([type]) => [route.name, type, route] as const)))(
      '%s, labelled %s',
      async (_name, contentType, route) => {
        const empty = (_request: unknown, res: ServerResponse): void => {
          res.writeHead(200, contentType === undefined ? {} : { 'content-type': contentType });
          res.end();
        };
        fakes[route.fake].handler = empty;
        const response = await post(route, true);
        expectRouteError(route, response, 502, /the answer is empty/);
        expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 502 });

        seen.clear();
        fakes[route.fake].handler = empty;
        // The SDK sees the 502 as an APIError it may retry, not a 200 stream that failed.
        expect(await viaSdk(route, true)).toEqual({ status: 502, message: expect.stringMatching(/the answer is empty/) });
      },
    );
  });

  describe('a streamed request answered as JSON after newlines that keep the connection alive, for longer than the idle timeout', () => {
    const afterNewlines =
      (body: unknown) =>
      (_request: unknown, res: ServerResponse): void =>
        keepAliveThen(res, body);

    // One route of each client dialect, and both passthrough and translated for Messages.
    const routes = [ROUTES[0]!, ROUTES[2]!, ROUTES[4]!, ROUTES[6]!];
    test.each(routes.map((route) => [route.name, route] as const))(
      '%s: a JSON error keeps its own status, as without the newlines; a whole answer is streamed as the answer it is',
      async (_name, route) => {
        fakes[route.fake].handler = afterNewlines({ error: { message: 'Insufficient credits', code: 402 } });
        expectRouteError(route, await post(route, true), 402, /^Insufficient credits$/);
        expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 402 });

        seen.clear();
        fakes[route.fake].handler = afterNewlines(wholeOf(route.wire));
        expect(await viaSdk(route, true)).toEqual({ text: textOf(route.wire) });
        expect(await onlyEnd()).toMatchObject({ outcome: 'ok', status: 200, stream: true });
      },
    );
  });

  describe('a non-streamed answer cut short: the client is told the connection closed, not Node’s bare "aborted"', () => {
    const cuts: Array<[string, (res: ServerResponse, text: string) => void]> = [
      [
        'fewer bytes than its Content-Length',
        (res, text) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length + 100) });
          res.write(text.slice(0, 40));
          setTimeout(() => res.socket?.end(), 20);
        },
      ],
      [
        'a chunked body without its last chunk, the whole JSON in it',
        (res, text) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(text);
          setTimeout(() => res.socket?.end(), 20);
        },
      ],
      [
        'a reset right after the headers',
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.flushHeaders();
          setTimeout(() => res.socket?.resetAndDestroy(), 20);
        },
      ],
    ];
    test.each(ROUTES.flatMap((route) => cuts.map(([what, cut]) => [route.name, what, route, cut] as const)))(
      '%s: %s',
      async (_name, _what, route, cut) => {
        const answer = (_request: unknown, res: ServerResponse): void => cut(res, JSON.stringify(wholeOf(route.wire)));
        fakes[route.fake].handler = answer;
        const response = await post(route, false);
        expectRouteError(route, response, 502, /closed the connection before the answer was complete/);
        expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 502 });

        seen.clear();
        fakes[route.fake].handler = answer;
        expect(await viaSdk(route, false)).toEqual({ status: 502, message: expect.stringMatching(/closed the connection/) });
      },
    );
  });
});

describe('faults found and fixed: an HTML page from a proxy in front of the provider', () => {
  /** Cloudflare's 5xx page, shortened: its styles come first, kilobytes of them in the real one. */
  const CLOUDFLARE_522 = [
    '<!DOCTYPE html>\n<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->\n<html lang="en-US">\n<head>',
    '<title>api.provider.example | 522: Connection timed out</title>',
    `<style>${'#cf-wrapper .cf-error-details{margin:0 auto;} '.repeat(60)}</style>`,
    '<script>window._cf_chl_opt={cvId: "3"};</script></head>',
    '<body><div id="cf-wrapper"><h1><span class="cf-error-type">Error</span> <span class="cf-error-code">522</span></h1>',
    '<p>Connection timed out</p><p>Cloudflare Ray ID: <strong>8f2a3b4c5d6e7f80</strong></p></div></body></html>',
  ].join('\n');
  const CF_MESSAGE = 'HTML page: api.provider.example | 522: Connection timed out';

  test.each(both(ROUTES))(
    '%s: a 522 page’s message is its title, not its markup, for the SDK and in telemetry (stream: %s)',
    async (_name, stream, route) => {
      const page = (_request: unknown, res: ServerResponse): void => {
        res.writeHead(522, { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare' });
        res.end(CLOUDFLARE_522);
      };
      fakes[route.fake].handler = page;
      const response = await post(route, stream);
      expectRouteError(route, response, 522, /^HTML page: api\.provider\.example \| 522: Connection timed out$/);
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 522, error: { message: CF_MESSAGE } });
      seen.clear();
      fakes[route.fake].handler = page;
      expect(await viaSdk(route, stream)).toEqual({
        status: 522,
        message: `522 ${route.client === 'messages' ? JSON.stringify(JSON.parse(response.text)) : CF_MESSAGE}`,
      });
    },
  );

  test.each(both(ROUTES))(
    '%s: a page without a title, answering 200, is quoted by its text, without tags, scripts or styles (stream: %s)',
    async (_name, stream, route) => {
      fakes[route.fake].handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          '<html><head><style>body{color:red}</style><script>track()</script></head><body><h1>Captive portal</h1><p>Sign in to the hotel Wi-Fi</p></body></html>',
        );
      };
      const response = await post(route, stream);
      expectRouteError(route, response, 502, /the answer is not valid JSON: HTML page: Captive portal Sign in to the hotel Wi-Fi$/);
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 502 });
    },
  );
});

describe('checked and found right', () => {
  const CHALLENGE_PAGE =
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>';

  test.each(both(ROUTES))(
    '%s: a 200 Cloudflare challenge page (text/html) is a 502 in the route’s shape quoting it (stream: %s)',
    async (_name, stream, route) => {
      const page = (_request: unknown, res: ServerResponse): void => {
        res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' });
        res.end(CHALLENGE_PAGE);
      };
      fakes[route.fake].handler = page;
      expectRouteError(route, await post(route, stream), 502, /the answer is not valid JSON: HTML page: Just a moment\.\.\.$/);
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 502 });
      seen.clear();
      fakes[route.fake].handler = page;
      expect(await viaSdk(route, stream)).toMatchObject({ status: 502, message: expect.stringMatching(/not valid JSON/) });
    },
  );

  test.each(both(ROUTES))('%s: a load balancer’s 503 page keeps its status for the SDK (stream: %s)', async (_name, stream, route) => {
    fakes[route.fake].handler = (_request, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
    };
    expect(await viaSdk(route, stream)).toMatchObject({ status: 503, message: expect.stringMatching(/Service Temporarily Unavailable/) });
    expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 503 });
  });

  test.each(both(ROUTES))(
    '%s: JSON with a byte order mark and a charset, and text/event-stream with a charset, are read (stream: %s)',
    async (_name, stream, route) => {
      fakes[route.fake].handler = (_request, res) => {
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
          res.end(framesOf(route.wire).join(''));
        } else {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(`\uFEFF${JSON.stringify(wholeOf(route.wire))}`);
        }
      };
      expect(await viaSdk(route, stream)).toEqual({ text: textOf(route.wire) });
      expect(await onlyEnd()).toMatchObject({ outcome: 'ok', status: 200 });
    },
  );

  describe('a 429 with retry headers and a body that is no JSON', () => {
    const limited =
      (headers: Record<string, string>, body = 'Too Many Requests') =>
      (_request: unknown, res: ServerResponse): void => {
        res.writeHead(429, { 'content-type': 'text/plain', 'x-ratelimit-remaining-requests': '0', ...headers });
        res.end(body);
      };

    test.each(both(ROUTES))('%s: the SDK gets a 429 with the text and the headers (stream: %s)', async (_name, stream, route) => {
      fakes[route.fake].handler = limited({ 'retry-after': '7', 'retry-after-ms': '7000' });
      const response = await post(route, stream);
      expectRouteError(route, response, 429, /^Too Many Requests$/);
      expect(response.headers).toMatchObject({ 'retry-after': '7', 'retry-after-ms': '7000', 'x-ratelimit-remaining-requests': '0' });
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 429 });
    });

    test.each(ROUTES.map((route) => [route.name, route] as const))(
      '%s: the SDK’s own retries honour retry-after-ms, each one upstream request and one request.end; x-should-retry false stops them',
      async (_name, route) => {
        const fake = fakes[route.fake];
        fake.handler = limited({ 'retry-after-ms': '5' });
        expect(await viaSdk(route, true, 2)).toMatchObject({ status: 429 });
        expect(fake.requests).toHaveLength(3);
        await seen.waitForEnds(3);
        expect(seen.ends().map((end) => [end.outcome, end.status])).toEqual([
          ['error', 429],
          ['error', 429],
          ['error', 429],
        ]);

        fake.reset();
        seen.clear();
        fake.handler = limited({ 'x-should-retry': 'false' }, '<html><body>429 Too Many Requests</body></html>');
        expect(await viaSdk(route, false, 2)).toMatchObject({ status: 429, message: expect.stringMatching(/429 Too Many Requests/) });
        expect(fake.requests).toHaveLength(1);
        expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 429 });
      },
    );
  });

  describe('errors inside a stream from OpenAI-compatible servers', () => {
    const errorFrames: Array<[string, string[], string]> = [
      ['llama-server’s error chunk', ['data: {"error":{"code":500,"message":"llama slot failed","type":"server_error"}}\n\n'], 'llama slot failed'],
      ['TGI’s error string', ['data: {"error":"Input validation error: tgi said no","error_type":"validation"}\n\n'], 'tgi said no'],
      [
        'vLLM’s error object, then [DONE]',
        ['data: {"error":{"object":"error","message":"vllm said no","type":"BadRequestError","param":null,"code":400}}\n\n', DONE_FRAME],
        'vllm said no',
      ],
      [
        'an `event: error` frame',
        ['event: error\ndata: {"error":{"message":"named frame failure","type":"server_error"}}\n\n'],
        'named frame failure',
      ],
    ];
    test.each(FROM_CHAT.flatMap((route) => errorFrames.map(([what, frames, message]) => [route.name, what, route, frames, message] as const)))(
      '%s: %s after text: the SDK fails with its message; request.end says error once',
      async (_name, _what, route, frames, message) => {
        fakes[route.fake].handler = (_request, res) => sendFrames(res, [...openingFrames('chat'), ...frames]);
        const settled = await viaSdk(route, true);
        if (route.client === 'responses') expect(settled).toEqual({ failed: expect.stringContaining(message) });
        else expect(settled).toMatchObject({ message: expect.stringContaining(message) });
        expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 200, error: { message: expect.stringContaining(message) } });
      },
    );
  });

  test.each([ROUTES[0]!, ROUTES[3]!, ROUTES[4]!, ROUTES[5]!].map((route) => [route.name, route] as const))(
    '%s: a non-streamed answer after newlines that keep the connection alive past the idle timeout is read, not a 504',
    async (_name, route) => {
      // DESIGN names no overall limit for an answer: PROVIDER_IDLE_TIMEOUT_MS is for silence, and a
      // body that keeps coming is left to the client's own timeout (10 minutes in both SDKs).
      fakes[route.fake].handler = (_request, res) => keepAliveThen(res, wholeOf(route.wire));
      expect(await viaSdk(route, false)).toEqual({ text: textOf(route.wire) });
      expect(await onlyEnd()).toMatchObject({ outcome: 'ok', status: 200 });
    },
  );

  test.each(ROUTES.map((route) => [route.name, route] as const))(
    '%s: keep-alive comments before the first event and between events reach no client as text',
    async (_name, route) => {
      const frames = framesOf(route.wire);
      fakes[route.fake].handler = (_request, res) =>
        sendFrames(res, [': OPENROUTER PROCESSING\n\n', frames[0]!, ': OPENROUTER PROCESSING\n\n', ...frames.slice(1)]);
      expect(await viaSdk(route, true)).toEqual({ text: textOf(route.wire) });
      expect(await onlyEnd()).toMatchObject({ outcome: 'ok' });
    },
  );

  test.each(ROUTES.filter((route) => route.wire === 'messages').map((route) => [route.name, route] as const))(
    '%s: Anthropic’s 529 overloaded_error before the stream keeps its status and x-should-retry; mid-stream, the SDK fails with it',
    async (_name, route) => {
      const overloaded = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
      fakes[route.fake].handler = (_request, res) => {
        res.writeHead(529, { 'content-type': 'application/json', 'x-should-retry': 'true' });
        res.end(overloaded);
      };
      const response = await post(route, true);
      expectRouteError(route, response, 529, /^Overloaded$/);
      expect(response.headers['x-should-retry']).toBe('true');
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 529 });

      seen.clear();
      fakes[route.fake].handler = (_request, res) => sendFrames(res, [...openingFrames('messages'), `event: error\ndata: ${overloaded}\n\n`]);
      const settled = await viaSdk(route, true);
      if (route.client === 'responses') expect(settled).toEqual({ failed: 'Overloaded' });
      else expect(settled).toMatchObject({ message: expect.stringContaining('Overloaded') });
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 200 });
    },
  );

  test.each(ROUTES.filter((route) => route.wire === 'messages').map((route) => [route.name, route] as const))(
    '%s: a stream that ends without message_stop is an error for the SDK, with the text so far passed on',
    async (_name, route) => {
      fakes[route.fake].handler = (_request, res) => sendFrames(res, textFrames('messages').slice(0, -1));
      const raw = await post(route, true);
      expect(raw.text).toContain(OPENING_TEXT);
      expect(raw.text).toContain('ended before its terminator');
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 200 });
    },
  );
});

describe('checked and found right: the upstream request is given up where it should be', () => {
  const HELD_ERRORS: Record<'chat' | 'messages', string> = {
    chat: 'data: {"error":{"code":500,"message":"llama slot failed","type":"server_error"}}\n\n',
    messages: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  };
  test.each(ROUTES.filter((route) => route.wire !== 'responses').map((route) => [route.name, route] as const))(
    '%s: an error in a stream the upstream then holds open ends the client’s stream and closes the upstream connection at once',
    async (_name, route) => {
      const fake = fakes[route.fake];
      const wire = route.wire as 'chat' | 'messages';
      fake.handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const frame of [...openingFrames(wire), HELD_ERRORS[wire]]) res.write(frame);
      };
      const closed = fake.waitForClientClose();
      const startedAt = performance.now();
      const raw = await post(route, true);
      expect(raw.status).toBe(200);
      await closed;
      expect(performance.now() - startedAt).toBeLessThan(IDLE_MS);
      expect(await onlyEnd()).toMatchObject({ outcome: 'error', status: 200 });
    },
  );
});
