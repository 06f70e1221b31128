/**
 * Upstreams that behave as real ones do (DESIGN section 9, "Upstream answers, every route"):
 * SSE framing the spec allows, compressed answers, redirects, slow clients, odd ports.
 */
import http, { type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { sendFrames } from '../support/upstream-answers';
import { wireFrames, type Wire } from '../support/route-cases';
import { envFor, startHost, type Host } from '../support/host';
import { KEYS } from '../support/keys';
import { openStream } from '../support/http-client';
import { rejectionOf } from '../support/rejection';
import { streamedText } from '../support/chat-stream';
import { deferred, within } from '../support/wait';

let openai: FakeUpstream, anthropic: FakeUpstream, local: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [openai, anthropic, local] = await startFakeUpstreams('openai', 'anthropic', 'local');
  host = await startHost({ env: { ...envFor({ openai, anthropic, local }), PROVIDER_IDLE_TIMEOUT_MS: '300' } });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [openai, anthropic, local].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, anthropic, local].map((fake) => fake.close()));
});

const chatClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const HELLO = [{ role: 'user' as const, content: 'hi' }];

function chunkData(delta: Record<string, unknown>, finish: string | null = null): string {
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
}

/** A whole chat completion whose one choice answers `content`. */
function chatAnswer(content: string): Record<string, unknown> {
  return {
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  };
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${host.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('SSE framing', () => {
  test('a stream cut off in the middle of an event, the body ended there, is reported as cut off', async () => {
    const frames = [`data: ${chunkData({ role: 'assistant', content: 'Hello' })}\n\n`, 'data: {"id":"c1","choices":[{"del'];
    openai.handler = (_request, res) => sendFrames(res, frames);
    const stream = await openStream(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    expect(await stream.ended).toContain('ended before its terminator');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error', error: { message: expect.stringContaining('ended before its terminator') as unknown } });
  });

  test.each(['data: [DONE]', 'data: [DONE]\n'])(
    'a stream whose last frame lacks its blank line (%j, then the end of the body) is complete, passed through and translated',
    async (last) => {
      const frames = [`data: ${chunkData({ role: 'assistant', content: 'Hello' })}\n\n`, `data: ${chunkData({}, 'stop')}\n\n`, last];
      openai.handler = (_request, res) => sendFrames(res, frames);
      const passed = await openStream(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', stream: true, messages: HELLO });
      expect(await passed.ended).toBe(frames.join('') + (last.endsWith('\n') ? '\n' : '\n\n'));
      const translated = await new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 }).messages
        .stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HELLO })
        .finalMessage();
      expect(translated.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello' })]);
      expect(ends.map((end) => end.outcome)).toEqual(['ok', 'ok']);
    },
  );

  test('multi-line data, id: and retry: lines survive the usage-hiding passthrough byte for byte, and the SDK reads them', async () => {
    // A JSON value may be split over several data: lines; the SSE parser joins them with a newline.
    const multiLine = `id: 7\nretry: 3000\ndata: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o",\ndata: "choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}\n\n`;
    const frames = [multiLine, `data: ${chunkData({}, 'stop')}\n\n`, 'data: [DONE]\n\n'];
    openai.handler = (_request, res) => sendFrames(res, frames);
    const stream = await openStream(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    expect(await stream.ended).toBe(frames.join(''));
    expect(openai.requests[0]?.body?.stream_options).toEqual({ include_usage: true });

    openai.handler = (_request, res) => sendFrames(res, frames);
    const completion = await chatClient().chat.completions.stream({ model: 'openai/gpt-4o', messages: HELLO }).finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Hello');
  });

  test('lone CR line endings: the passthrough streams and sees the terminator', async () => {
    const crFrames = [`data: ${chunkData({ content: 'Hi' })}\r\r`, `data: ${chunkData({}, 'stop')}\r\r`, 'data: [DONE]\r\r'];
    openai.handler = (_request, res) => sendFrames(res, crFrames);
    const stream = await openStream(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    expect(await stream.ended).toBe(crFrames.join(''));
    expect(ends.at(-1)).toMatchObject({ outcome: 'ok', finishReason: 'stop' });
  });

  test('lone CR and CRLF line endings are translated for a Messages client', async () => {
    const frames = [
      `data: ${chunkData({ content: 'Hel' })}\r\r`,
      `data: ${chunkData({ content: 'lo' })}\r\n\r\n`,
      `data: ${chunkData({}, 'stop')}\r`,
      '\rdata: [DONE]\r\r',
    ];
    openai.handler = (_request, res) => sendFrames(res, frames);
    const message = await new Anthropic({ apiKey: 'x', baseURL: host.url, maxRetries: 0 }).messages
      .stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HELLO })
      .finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(ends.at(-1)).toMatchObject({ outcome: 'ok' });
  });
});

describe('a lone-CR stream whose upstream keeps its connection open after the terminator (DESIGN section 9)', () => {
  // A CR at the end of a piece used to wait for the next piece (it might be half a CRLF): each
  // frame reached the client one piece late, and the terminator never, until the idle timeout
  // ended the stream with an error.
  const routes: Array<[name: string, path: string, body: Record<string, unknown>, fake: () => FakeUpstream, wire: Wire]> = [
    ['chat passed through', '/chat/completions', { model: 'openai/gpt-4o', messages: HELLO }, () => openai, 'chat'],
    ['chat translated to Anthropic', '/chat/completions', { model: 'anthropic/claude-x', messages: HELLO }, () => anthropic, 'messages'],
    ['/messages passed through', '/messages', { model: 'anthropic/claude-x', max_tokens: 5, messages: HELLO }, () => anthropic, 'messages'],
    ['/messages translated', '/messages', { model: 'openai/gpt-4o', max_tokens: 5, messages: HELLO }, () => openai, 'chat'],
    ['/responses bridged', '/responses', { model: 'local/qwen', input: 'hi' }, () => local, 'chat'],
  ];
  test.each(routes)('%s: each frame goes on as it comes, and the stream ends at its terminator', async (_name, path, body, fake, wire) => {
    const { start, piece, end } = wireFrames('crisp')[wire];
    const frames = (start + piece + end).split('\n\n').filter((frame) => frame !== '');
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of frames) res.write(`${frame.replace(/\n/g, '\r')}\r\r`);
    };
    const response = await post(path, { ...body, stream: true });
    const text = await response.text();
    expect(text).toContain('crisp');
    expect(text).not.toContain('PROVIDER_IDLE_TIMEOUT_MS');
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });
});

describe('a CRLF stream whose pieces end between the CR and the LF of a blank line', () => {
  // The CR at the end of a piece may be half a CRLF: it waits for the LF, so that no frame begins
  // with it. A frame beginning with an LF was passed on a byte out of place, and read wrongly: an
  // older llama-server's `error:` line was no longer seen for the failure it is.
  const written = (frames: string[]): string[] => frames.map((frame, i) => (i === 0 ? frame : `\n${frame}`).replace(/\r\n\r\n$/, '\r\n\r'));
  const sendSplit =
    (frames: string[]) =>
    (_request: unknown, res: ServerResponse): void => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pieces = [...written(frames), '\n'];
      pieces.forEach((piece, i) => setTimeout(() => (i === pieces.length - 1 ? res.end(piece) : res.write(piece)), i * 5));
    };

  test('passed through, the stream reaches the client byte for byte', async () => {
    const frames = [
      `data: ${chunkData({ role: 'assistant', content: 'crisp' })}\r\n\r\n`,
      `data: ${chunkData({}, 'stop')}\r\n\r\n`,
      'data: [DONE]\r\n\r\n',
    ];
    openai.handler = sendSplit(frames);
    const response = await post('/chat/completions', { model: 'openai/gpt-4o', messages: HELLO, stream: true });
    expect(await response.text()).toBe(frames.join(''));
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });

  test("an older llama-server's `error:` line after such a piece is the stream's failure, with its message", async () => {
    const frames = [`data: ${chunkData({ content: 'x' })}\r\n\r\n`, 'error: {"code":500,"message":"context overflow","type":"server_error"}\r\n\r\n'];
    local.handler = sendSplit(frames);
    const response = await post('/chat/completions', { model: 'local/qwen', messages: HELLO, stream: true });
    expect(await response.text()).toMatch(/data: \{"error":\{"message":"context overflow"/);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'error', error: expect.objectContaining({ message: 'context overflow' }) as unknown })]);
  });
});

describe('a stream sent without text/event-stream (some servers and proxies label it text/plain, JSON or bytes, or not at all)', () => {
  const frames = [`data: ${chunkData({ role: 'assistant', content: 'Hello' })}\n\n`, `data: ${chunkData({}, 'stop')}\n\n`, 'data: [DONE]\n\n'];

  test.each([['text/plain; charset=utf-8'], ['application/json'], ['application/octet-stream'], [undefined]])(
    'labelled %s: read as the stream the router asked for',
    async (contentType) => {
      const answer = (_request: unknown, res: http.ServerResponse): void => {
        res.writeHead(200, contentType === undefined ? {} : { 'content-type': contentType });
        res.end(frames.join(''));
      };
      openai.handler = answer;
      const chunks = await chatClient().chat.completions.create({ model: 'openai/gpt-4o', stream: true, messages: HELLO });
      let text = '';
      for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('Hello');

      openai.handler = answer;
      const message = await new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 }).messages
        .stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HELLO })
        .finalMessage();
      expect(message.content).toEqual([{ type: 'text', text: 'Hello' }]);
    },
  );

  test('a page labelled text/html that answers a streamed request is no stream: a 502 before any stream began, quoting the page', async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    };
    const response = await post('/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    // What came instead is what tells a proxy's page from a provider's fault.
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining('HTML page: Welcome to nginx!') as unknown } });
  });

  test('a 200 that is no JSON, or empty, answering a request without stream is a 502 that quotes it or says it is empty', async () => {
    const page = `<!DOCTYPE html>\n<html>\n  <title>Sign in to the network</title>${'<p>terms</p>'.repeat(40)}</html>`;
    const text = `Service unavailable: ${'terms '.repeat(60)}`;
    for (const body of [page, text, '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"ind', '']) {
      openai.handler = (_request, res) => {
        res.writeHead(200, { 'content-type': body.startsWith('{') ? 'application/json' : body === page ? 'text/html' : 'text/plain' });
        res.end(body);
      };
      const error = await rejectionOf(chatClient().chat.completions.create({ model: 'openai/gpt-4o', messages: HELLO }), OpenAI.APIError);
      expect(error.status).toBe(502);
      expect(ends.at(-1)?.error?.message).toBe(error.message.replace(/^502 /, ''));
      if (body === '') expect(error.message).toMatch(/the answer is empty$/);
      // A page is quoted by its title (docs/decisions.md, "Upstream answers").
      else if (body === page) expect(error.message).toMatch(/the answer is not valid JSON: HTML page: Sign in to the network$/);
      else expect(error.message).toContain(`the answer is not valid JSON: ${body.replace(/\s+/g, ' ').slice(0, 60)}`);
    }
    // A quote is cut at 200 characters.
    expect(ends[1]?.error?.message).toMatch(/\.\.\.$/);
    expect(ends[1]!.error!.message.length).toBeLessThan(300);
  });

  test("text that is no stream (a proxy's Internal Server Error with status 200, labelled text/plain) ends the stream with an error that quotes it", async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('Internal Server Error\n');
    };
    const readAll = async (): Promise<void> => {
      const chunks = await chatClient().chat.completions.create({ model: 'openai/gpt-4o', stream: true, messages: HELLO });
      for await (const chunk of chunks) void chunk;
    };
    const rejection = await rejectionOf(readAll(), OpenAI.APIError);
    expect(rejection.message).toContain('text that is no stream: Internal Server Error');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error', error: { message: expect.stringContaining('Internal Server Error') } });
  });

  test('a key in text that is no stream is redacted before the quote is cut: no piece of it reaches the client', async () => {
    // The quote's 200 characters end 11 characters into the key: too short a piece to be found once cut.
    const text = `${'x'.repeat(189)} ${KEYS.openai}`;
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(text);
    };
    const response = await post('/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    const body = await response.text();
    expect(body).toContain('text that is no stream');
    expect(body).not.toContain(KEYS.openai.slice(0, 8));
  });

  test('a JSON answer labelled text/plain to a streamed request is read as JSON: streamed as the answer it is, as when labelled JSON', async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
        }),
      );
    };
    const response = await post('/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    expect(response.status).toBe(200);
    expect(streamedText(await response.text())).toBe('Hi');
    expect(ends.at(-1)).toMatchObject({ outcome: 'ok', status: 200, stream: true, finishReason: 'stop' });
  });

  test('an answer with no content type that then says nothing is a 504 at the idle timeout, not never nor twice as late', async () => {
    const quick = await startHost({ env: { ...envFor({ openai }), PROVIDER_IDLE_TIMEOUT_MS: '500' } });
    try {
      openai.handler = (_request, res) => {
        res.writeHead(200, {});
        res.flushHeaders();
      };
      const started = performance.now();
      const response = await fetch(`${quick.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: HELLO }),
      });
      // Its headers were never passed on: the client gets the timeout as a status of its own.
      expect(response.status).toBe(504);
      expect(await response.text()).toContain('PROVIDER_IDLE_TIMEOUT_MS');
      // One idle timeout, not the peek's and then the stream's own.
      expect(performance.now() - started).toBeLessThan(900);
    } finally {
      await quick.close();
    }
  });

  test("a JSON error sent with a 200 and no content type keeps the error's own status (DESIGN section 9)", async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, {});
      res.end(JSON.stringify({ error: { code: 429, message: 'Rate limited upstream' } }));
    };
    const response = await post('/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    expect(response.status).toBe(429);
    expect(await response.text()).toContain('Rate limited upstream');
  });
});

describe('a broken upstream', () => {
  test('one that answers in something other than HTTP is a 502 saying so, not an unreachable upstream, in each route’s shape', async () => {
    // What answers a plain-HTTP request on a TLS port, or another service on the port.
    const notHttp = net.createServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n')));
    await new Promise<void>((resolve) => notHttp.listen(0, '127.0.0.1', resolve));
    const wrongPort = await startHost({ env: { LOCAL_BASE_URL: `http://127.0.0.1:${(notHttp.address() as AddressInfo).port}/v1` } });
    wrongPort.router.telemetry.on('request.end', (event) => ends.push(event));
    try {
      const send = (path: string, body: unknown): Promise<Response> =>
        fetch(`${wrongPort.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const chat = await send('/chat/completions', { model: 'local/qwen', messages: HELLO, stream: true });
      expect(chat.status).toBe(502);
      expect(await chat.json()).toMatchObject({
        error: { code: 'upstream_invalid_response', message: expect.stringContaining('is not valid HTTP') as unknown },
      });
      const messages = await send('/messages', { model: 'local/qwen', max_tokens: 10, messages: HELLO });
      expect(messages.status).toBe(502);
      expect(await messages.json()).toMatchObject({
        type: 'error',
        error: { type: 'api_error', message: expect.stringContaining('is not valid HTTP') as unknown },
      });
      expect(ends.map((end) => [end.outcome, end.status])).toEqual([
        ['error', 502],
        ['error', 502],
      ]);
    } finally {
      await wrongPort.close();
      await new Promise((resolve) => notHttp.close(resolve));
    }
  });

  test.each([
    ['/chat/completions', { model: 'local/qwen', messages: HELLO, stream: true }],
    ['/messages', { model: 'openai/gpt-4o', max_tokens: 10, messages: HELLO, stream: true }],
    ['/responses', { model: 'local/qwen', input: 'hi', stream: true }],
  ])('a 204 to a streamed %s request is a 502 naming it, not an empty 204 stream', async (path, body) => {
    for (const fake of [local, openai]) {
      fake.handler = (_request, res) => {
        res.writeHead(204);
        res.end();
      };
    }
    const response = await post(path, body);
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('204');
    expect(ends.at(-1)).toMatchObject({ status: 502, outcome: 'error' });
  });

  test('one that sends [DONE] and never ends its response has its connection closed after the idle timeout', async () => {
    const upstreamClosed = deferred();
    local.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${chunkData({ role: 'assistant', content: 'Hi' }, 'stop')}\n\ndata: [DONE]\n\n`);
      res.on('close', () => upstreamClosed.resolve());
    };
    const answer = await chatClient().chat.completions.create({ model: 'local/qwen', messages: HELLO, stream: true });
    for await (const chunk of answer) void chunk;
    expect(ends.at(-1)).toMatchObject({ outcome: 'ok' });
    await within(upstreamClosed.promise, 2000, 'the held upstream connection closed');
  });

  test('an event that never ends is cut at 16 MB: the client gets an error frame, not a router holding it all', async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = 'x'.repeat(1024 * 1024);
      res.write('data: {"choices":[{"index":0,"delta":{"content":"');
      let sent = 0;
      const more = (): void => {
        while (sent < 20 && !res.destroyed) {
          sent++;
          if (!res.write(piece)) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    };
    const stream = await openStream(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', stream: true, messages: HELLO });
    const text = await stream.ended;
    expect(text.length).toBeLessThan(1024);
    expect(text).toMatch(/larger than 16777216 bytes/);
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
  });
});

describe('Anthropic answers to chat clients', () => {
  test('a streamed tool call with no input reaches the openai SDK as arguments "{}"', async () => {
    const event = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
    anthropic.handler = (_request, res) =>
      sendFrames(res, [
        event('message_start', {
          message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], usage: { input_tokens: 5, output_tokens: 0 } },
        }),
        event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} } }),
        event('content_block_stop', { index: 0 }),
        event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 3 } }),
        event('message_stop', {}),
      ]);
    const completion = await chatClient()
      .chat.completions.stream({
        model: 'anthropic/claude-sonnet-5-5',
        messages: HELLO,
        tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }],
      })
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.arguments : undefined).toBe('{}');
    expect(() => JSON.parse(call?.type === 'function' ? call.function.arguments : '')).not.toThrow();
  });
});

describe('chat streams translated for Messages and Responses clients', () => {
  // Some servers send the finish reason in a choice of its own, without `delta`.
  const lengthWithoutDelta = [
    `data: ${chunkData({ role: 'assistant', content: 'Cut sh' })}\n\n`,
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, finish_reason: 'length' }] })}\n\n`,
    'data: [DONE]\n\n',
  ];

  // OpenRouter ends a generation that failed part-way with finish_reason "error", at times with no error beside it.
  const failedFinish = [
    `data: ${chunkData({ role: 'assistant', content: 'Half an ans' })}\n\n`,
    `data: ${chunkData({}, 'error')}\n\n`,
    'data: [DONE]\n\n',
  ];

  test('finish_reason "error" is a failure for every client, not a finished answer, and telemetry says error', async () => {
    for (const fake of [local, openai]) fake.handler = (_request, res) => sendFrames(res, failedFinish);
    const chat = await post('/chat/completions', { model: 'local/qwen', messages: HELLO, stream: true });
    const chatText = await chat.text();
    expect(chatText).toContain('"finish_reason":"error"');
    expect(chatText).toMatch(/data: \{"error":\{"message":"The provider ended the answer with finish_reason \\"error\\"/);
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });

    const anthropicClient = new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
    const messagesFailure = await anthropicClient.messages
      .stream({ model: 'openai/gpt-4o', max_tokens: 50, messages: HELLO })
      .finalMessage()
      .catch((error: unknown) => error as Error);
    expect(String(messagesFailure)).toContain('the generation failed before it was complete');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });

    const response = await chatClient().responses.stream({ model: 'local/qwen', input: 'hi' }).finalResponse();
    expect(response.status).toBe('failed');
    expect(response.error?.message).toContain('finish_reason "error"');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
  });

  test('a finish reason in a choice without delta still reaches a Messages client as its stop_reason', async () => {
    openai.handler = (_request, res) => sendFrames(res, lengthWithoutDelta);
    const anthropicClient = new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
    const message = await anthropicClient.messages.stream({ model: 'openai/gpt-4o', max_tokens: 5, messages: HELLO }).finalMessage();
    expect(message.stop_reason).toBe('max_tokens');
  });

  test('a finish reason in a choice without delta still makes a Responses answer incomplete', async () => {
    local.handler = (_request, res) => sendFrames(res, lengthWithoutDelta);
    const response = await chatClient().responses.stream({ model: 'local/qwen', input: 'hi', max_output_tokens: 16 }).finalResponse();
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });
});

describe('redirects and compression', () => {
  test('an upstream 3xx is a 502 naming the redirect and its Location, in each route’s shape', async () => {
    const redirect = (_request: unknown, res: http.ServerResponse): void => {
      res.writeHead(301, { location: 'https://api.example.com/v2/chat/completions' });
      res.end();
    };
    openai.handler = redirect;
    const chat = await post('/chat/completions', { model: 'openai/gpt-4o', messages: HELLO });
    expect(chat.status).toBe(502);
    expect(await chat.json()).toMatchObject({
      error: { code: 'upstream_invalid_response', message: expect.stringMatching(/301.*https:\/\/api\.example\.com\/v2/) },
    });
    openai.handler = redirect;
    const messages = await post('/messages', { model: 'openai/gpt-4o', max_tokens: 5, messages: HELLO });
    expect(messages.status).toBe(502);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('301') } });
    expect(ends.map((event) => event.outcome)).toEqual(['error', 'error']);
  });

  test('a gzip JSON answer, a brotli stream and a gzipped 401 are read as if plain', async () => {
    const answer = chatAnswer('zipped');
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(answer)));
    };
    const completion = await chatClient().chat.completions.create({ model: 'openai/gpt-4o', messages: HELLO });
    expect(completion.choices[0]?.message.content).toBe('zipped');

    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'br' });
      res.end(
        brotliCompressSync(`data: ${chunkData({ role: 'assistant', content: 'squeezed' })}\n\ndata: ${chunkData({}, 'stop')}\n\ndata: [DONE]\n\n`),
      );
    };
    const streamed = await chatClient().chat.completions.stream({ model: 'openai/gpt-4o', messages: HELLO }).finalChatCompletion();
    expect(streamed.choices[0]?.message.content).toBe('squeezed');

    openai.handler = (_request, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEYS.openai}`, type: 'invalid_request_error' } })));
    };
    const response = await post('/chat/completions', { model: 'openai/gpt-4o', messages: HELLO });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^Incorrect API key provided: /);
    expect(body.error.message).not.toContain(KEYS.openai.slice(0, 12));
    expect(ends.at(-1)?.error?.message).toMatch(/^Incorrect API key provided/);
  });

  test('gzip without its trailer and deflate that is raw are read as fetch(), and so the providers’ SDKs, read them', async () => {
    const answer = JSON.stringify(chatAnswer('lenient'));
    const withoutTrailer = (data: string): Buffer => gzipSync(data).subarray(0, -8);
    const frames = `data: ${chunkData({ role: 'assistant', content: 'lenient' })}\n\ndata: ${chunkData({}, 'stop')}\n\ndata: [DONE]\n\n`;
    const cases: Array<[string, string, Buffer]> = [
      ['gzip', 'application/json', withoutTrailer(answer)],
      ['deflate', 'application/json', deflateRawSync(answer)],
      ['deflate', 'application/json', deflateSync(answer)],
      ['gzip', 'text/event-stream', withoutTrailer(frames)],
      ['deflate', 'text/event-stream', deflateRawSync(frames)],
    ];
    for (const [encoding, contentType, body] of cases) {
      const answerWith = (_request: unknown, res: http.ServerResponse): void => {
        res.writeHead(200, { 'content-type': contentType, 'content-encoding': encoding });
        res.end(body);
      };
      // What a client of the provider itself reads.
      openai.handler = answerWith;
      const direct = await fetch(`${openai.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
      expect(await direct.text()).toContain('lenient');

      const stream = contentType === 'text/event-stream';
      openai.handler = answerWith;
      const text = stream
        ? (await chatClient().chat.completions.stream({ model: 'openai/gpt-4o', messages: HELLO }).finalChatCompletion()).choices[0]?.message.content
        : (await chatClient().chat.completions.create({ model: 'openai/gpt-4o', messages: HELLO })).choices[0]?.message.content;
      openai.handler = answerWith;
      const messagesClient = new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
      const request = { model: 'openai/gpt-4o', max_tokens: 10, messages: HELLO };
      const message = stream ? await messagesClient.messages.stream(request).finalMessage() : await messagesClient.messages.create(request);
      expect([encoding, contentType, text, message.content]).toEqual([encoding, contentType, 'lenient', [{ type: 'text', text: 'lenient' }]]);
    }
    expect(ends.map((end) => end.outcome)).toEqual(Array(cases.length * 2).fill('ok'));
  });

  test('a client body sent with Content-Encoding gzip or identity is read; any other encoding is a 415 (DESIGN section 9)', async () => {
    const plain = JSON.stringify({ model: 'openai/gpt-4o', messages: HELLO });
    const send = (encoding: string, body: Buffer | string): Promise<Response> =>
      fetch(`${host.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body,
      });
    expect((await send('gzip', gzipSync(plain))).status).toBe(200);
    expect((await send('identity', plain)).status).toBe(200);
    expect(openai.requests.map((request) => request.body?.model)).toEqual(['gpt-4o', 'gpt-4o']);

    // Names an object's prototype holds too: a table lookup must not find them.
    for (const encoding of ['zstd', 'none', 'compress', 'constructor', '__proto__', 'toString']) {
      expect([encoding, (await send(encoding, plain)).status]).toEqual([encoding, 415]);
    }
    expect(openai.requests).toHaveLength(2);
  });

  test('an answer in zstd is decoded; one whose Content-Encoding names no coding the router knows is read as sent, as fetch() reads it', async () => {
    const answer = JSON.stringify(chatAnswer('read'));
    for (const [encoding, body] of [
      ['zstd', zstdCompressSync(answer)],
      ['utf-8', answer],
      ['none', answer],
      // Names an object's prototype holds: read as sent, never looked up as a decoder (the host would crash).
      ['constructor', answer],
      ['__proto__', answer],
    ] as const) {
      openai.handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
        res.end(body);
      };
      const completion = await chatClient().chat.completions.create({ model: 'openai/gpt-4o', messages: HELLO });
      expect(completion.choices[0]?.message.content).toBe('read');
    }
  });

  test('PROVIDER_MAX_BODY_BYTES applies to the decoded size of a compressed body', async () => {
    const small = await startHost({ env: { ...envFor({ openai }), PROVIDER_MAX_BODY_BYTES: '2000' } });
    try {
      const inflated = gzipSync(JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'a'.repeat(50_000) }] }));
      expect(inflated.length).toBeLessThan(2000);
      const response = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: inflated,
      });
      expect(response.status).toBe(413);

      // The other way round: a body that does not compress is longer compressed than decoded.
      const body = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'b'.repeat(1930) }] });
      const stored = gzipSync(body, { level: 0 });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(2000);
      expect(stored.length).toBeGreaterThan(2000);
      const accepted = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(stored.length) },
        body: stored,
      });
      expect(accepted.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('a slow client', () => {
  test('is not cut off by PROVIDER_IDLE_TIMEOUT_MS while it holds the stream back', async () => {
    const big = 'x'.repeat(64 * 1024);
    // Far more than the socket buffers between the router and the client hold.
    const frames = Array.from({ length: 400 }, () => `data: ${chunkData({ content: big })}\n\n`);
    openai.handler = (_request, res) => sendFrames(res, [...frames, `data: ${chunkData({}, 'stop')}\n\n`, 'data: [DONE]\n\n']);
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${host.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false });
      req.on('error', reject);
      req.on('response', (res) => {
        // Read nothing for well past the idle timeout (300 ms), then everything.
        res.pause();
        setTimeout(() => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (piece: string) => (text += piece));
          res.on('end', () => resolve(text));
          res.resume();
        }, 1000);
      });
      req.end(JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: HELLO }));
    });
    expect(received.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(received).not.toContain('PROVIDER_IDLE_TIMEOUT_MS');
    expect(ends.at(-1)).toMatchObject({ outcome: 'ok' });
  });
});

describe('model lists', () => {
  test('a llama-server on a port fetch() refuses (6000) is listed', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'qwen-on-6000', object: 'model', created: 1, owned_by: 'llamacpp' }] }));
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(6000, '127.0.0.1', () => resolve(true));
    });
    if (!listening) {
      // Another process holds the port; the bad-port path cannot be shown on this machine now.
      console.warn('port 6000 is taken; skipping the bad-port model list check');
      return;
    }
    const onBadPort = await startHost({ env: { LOCAL_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` } });
    try {
      expect((await onBadPort.router.listModels()).map((model) => model.id)).toContain('qwen-on-6000');
    } finally {
      await onBadPort.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('kept-alive connections the upstream closed', () => {
  /** Destroys the connection of every request after the first on it, as a server does that closed an idle connection just as the router reused it. */
  function closeReusedConnections(fake: FakeUpstream): void {
    const served = new WeakMap<object, number>();
    fake.handler = (_request, _res, req) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count === 1) return false;
      req.socket.destroy();
      return true;
    };
  }

  test.each([false, true])('stream=%s: a request on a reused connection that closes is sent once more, on a new connection', async (stream) => {
    closeReusedConnections(openai);
    const body = { model: 'gpt-4o-mini', messages: HELLO, stream };
    expect((await post('/chat/completions', body)).status).toBe(200);
    const connectionsBefore = openai.connections;
    const second = await post('/chat/completions', body);
    expect(second.status).toBe(200);
    expect(await second.text()).toContain(stream ? 'data: [DONE]' : '"choices"');
    expect(openai.requests).toHaveLength(3);
    expect(openai.connections).toBe(connectionsBefore + 1);
    expect(ends.map((end) => end.outcome)).toEqual(['ok', 'ok']);
  });

  test("a model list request on a reused connection that closes is sent once more: the provider's models stay listed", async () => {
    closeReusedConnections(openai);
    expect((await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO })).status).toBe(200);
    const errors: unknown[] = [];
    const onError = (event: unknown): number => errors.push(event);
    host.router.telemetry.on('models.error', onError);
    const models = await host.router.listModels().finally(() => host.router.telemetry.off('models.error', onError));
    expect(models.filter((model) => model.provider === 'openai').length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(openai.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /v1/chat/completions',
      'GET /v1/models',
      'GET /v1/models',
    ]);
  });

  test('a request the upstream read and worked on before its connection closed is not sent again: it may be generating', async () => {
    expect((await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO })).status).toBe(200);
    openai.reset();
    // The request arrives on the reused connection; the upstream fails a while later, as a crash or a
    // middlebox would: no stale connection, so a second attempt would be a second generation.
    openai.handler = (_request, _res, req) => {
      setTimeout(() => req.socket.destroy(), 1500);
      return true;
    };
    const answer = await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO });
    expect(answer.status).toBe(502);
    expect(openai.requests).toHaveLength(1);
  });

  test.each([false, true])(
    'stream=%s: a request whose answer had begun (headers cut off) when the reused connection closed is not sent again, and the 502 does not call the upstream unreachable',
    async (stream) => {
      expect((await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO })).status).toBe(200);
      openai.reset();
      openai.handler = (_request, _res, req) => {
        req.socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event');
        setTimeout(() => req.socket.destroy(), 30);
        return true;
      };
      const answer = await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO, stream });
      expect(answer.status).toBe(502);
      expect(((await answer.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'upstream_invalid_response',
        message: expect.stringMatching(/closed before its answer's headers were complete/) as unknown,
      });
      expect(openai.requests).toHaveLength(1);
      expect(ends.map((end) => [end.outcome, end.status])).toEqual([
        ['ok', 200],
        ['error', 502],
      ]);
    },
  );

  test('it is sent once more only: an upstream that closes every connection is a 502 after two attempts', async () => {
    expect((await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO })).status).toBe(200);
    openai.reset();
    openai.handler = (_request, _res, req) => {
      req.socket.destroy();
      return true;
    };
    const answer = await post('/chat/completions', { model: 'gpt-4o-mini', messages: HELLO });
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'upstream_unreachable',
      message: expect.stringContaining('ECONNRESET') as unknown,
    });
    expect(openai.requests).toHaveLength(2);
  });
});
