/**
 * Upstreams that answer in the wrong shape, as real ones sometimes do: a JSON answer to a streamed
 * request and a stream to a plain one, an unreadable frame in a passthrough stream, llama-server's
 * old `error:` lines, named error frames, a JSON error labelled as a stream, a byte order mark, an
 * error whose connection stays open; and, on every route kind (passed through, translated,
 * bridged), a connection cut, a stall, a missing terminator and events past it.
 * Each reaches the real SDK as an error carrying the provider's reason, never as a 200 with nothing
 * in it or a parse error of the SDK's own.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { IncomingMessage, ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { sendRequest } from '../support/http-client';
import { sleep, waitUntil, within } from '../support/wait';
import { chatChunkFrame } from '../support/wire-frames';

let openai: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream, openrouter: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [openai, local, anthropic, openrouter] = await startFakeUpstreams('openai', 'local', 'anthropic', 'openrouter');
  host = await startHost({ env: { ...envFor({ openai, local, anthropic, openrouter }), OPENAI_RESPONSES: 'chat' } });
});
afterEach(() => [openai, local, anthropic, openrouter].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, local, anthropic, openrouter].map((fake) => fake.close()));
});

const chatClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
const HI = [{ role: 'user' as const, content: 'hi' }];
const IDENTITY = { id: 'c1', created: 1, model: 'gpt-4o' };
/** A chat completion chunk frame of choice 0. */
const chunk = (delta: Record<string, unknown>, finish: string | null = null): string => chatChunkFrame(IDENTITY, delta, finish);

/** The error a promise rejects with (or fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number };
  }
  throw new Error('expected the call to fail');
}

/** Reads a chat stream whole; rejects as the SDK does. */
async function readChatStream(model: string): Promise<string> {
  let text = '';
  for await (const chunk of await chatClient().chat.completions.create({ model, messages: HI, stream: true })) {
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  return text;
}

function sendText(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, { 'content-type': contentType });
  res.end(text);
}

describe('an answer in the other shape', () => {
  test('a streamed request answered with a whole JSON answer gets that answer as its stream, on every route', async () => {
    const json = (_request: unknown, res: ServerResponse): void => sendJson(res, 200, fixtureJson('openai-chat.json'));
    openai.handler = json;
    local.handler = json;
    const text = 'Hello! How can I assist you today?';
    expect(await readChatStream('gpt-4o')).toBe(text);
    const message = await messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text }]);
    const response = await chatClient().responses.stream({ model: 'openai/gpt-4o', input: 'hi' }).finalResponse();
    expect(response.output_text).toBe(text);
  });

  test('a streamed request answered with JSON that is no answer is a 502 saying so, on every route', async () => {
    const json = (_request: unknown, res: ServerResponse): void => sendJson(res, 200, { object: 'list', data: [] });
    openai.handler = json;
    local.handler = json;
    const chat = await rejection(readChatStream('gpt-4o'));
    expect(chat).toMatchObject({ status: 502, message: expect.stringContaining('JSON that is neither a stream nor an answer') as unknown });
    const messages = await rejection(messagesClient().messages.stream({ model: 'local/qwen', max_tokens: 10, messages: HI }).finalMessage());
    expect(messages).toMatchObject({ status: 502 });
    const responses = await rejection(chatClient().responses.stream({ model: 'openai/gpt-4o', input: 'hi' }).finalResponse());
    expect(responses).toMatchObject({ status: 502 });
  });

  test('a plain request answered with a stream is a 502 saying so; JSON labelled as a stream is read as JSON', async () => {
    openai.handler = (_request, res) => sendFrames(res, sseFrames('openai-chat-stream-usage.sse'));
    expect(await rejection(chatClient().chat.completions.create({ model: 'gpt-4o', messages: HI }))).toMatchObject({
      status: 502,
      message: expect.stringContaining('answered a request without `stream` with a stream') as unknown,
    });
    openai.handler = (_request, res) => sendText(res, 'text/event-stream', JSON.stringify(fixtureJson('openai-chat.json')));
    const completion = await chatClient().chat.completions.create({ model: 'gpt-4o', messages: HI });
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });

  test('a JSON error labelled as a stream reaches a streaming client with its message', async () => {
    openai.handler = (_request, res) =>
      sendText(
        res,
        'text/event-stream',
        JSON.stringify({ error: { message: 'maximum context length is 8192 tokens', type: 'invalid_request_error' } }),
      );
    expect((await rejection(readChatStream('gpt-4o'))).message).toContain('maximum context length is 8192 tokens');
  });

  test('an error status whose body is written as a stream keeps its status and reaches the SDKs with its message, not the frame', async () => {
    openai.handler = (_request, res) =>
      sendFrames(
        res,
        [': keep-alive\n\n', 'data: {"error":{"message":"max_tokens is too large","type":"invalid_request_error","code":null}}\n\n'],
        400,
      );
    anthropic.handler = (_request, res) =>
      sendFrames(res, ['event: error\r\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\r\n\r\n'], 529);
    const chat = await rejection(readChatStream('gpt-4o'));
    expect(chat).toMatchObject({ status: 400, message: '400 max_tokens is too large' });
    const messages = await rejection(messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }));
    expect(messages).toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens is too large' } },
    });
    const responses = await rejection(chatClient().responses.create({ model: 'anthropic/claude-sonnet-5-5', input: 'hi' }));
    expect(responses).toMatchObject({ status: 529, message: '529 Overloaded' });
  });

  test('an error status whose connection stays open after its body reaches every SDK at once, with its message', async () => {
    // Written whole, then held open: the router must not wait for an end that never comes.
    const holdOpen =
      (status: number, contentType: string, body: string) =>
      (_request: unknown, res: ServerResponse): void => {
        res.writeHead(status, { 'content-type': contentType });
        res.write(body);
      };
    openai.handler = holdOpen(429, 'application/json', JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o', type: 'requests' } }));
    anthropic.handler = holdOpen(
      400,
      'application/json',
      JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } }),
    );
    local.handler = holdOpen(400, 'text/event-stream', 'data: {"error":{"message":"the request exceeds the available context size"}}\n\n');
    const started = performance.now();
    const chat = await rejection(readChatStream('gpt-4o'));
    const messages = await rejection(messagesClient().messages.create({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 10, messages: HI }));
    const responses = await rejection(chatClient().responses.create({ model: 'local/qwen', input: 'hi' }));
    // Well within the 2-second PROVIDER_IDLE_TIMEOUT_MS each would otherwise wait.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(chat).toMatchObject({ status: 429, message: '429 Rate limit reached for gpt-4o' });
    expect(messages).toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } },
    });
    expect(responses).toMatchObject({ status: 400, message: '400 the request exceeds the available context size' });
    // Their connections are not left open either.
    await waitUntil(() => [openai, anthropic, local].every((fake) => fake.closedRequests === 1), 1000, 'every upstream connection closed');
  });

  test('an error page sent one line per chunk is read in time linear in its size', async () => {
    // 20,000 lines of 50 bytes, each its own HTTP chunk (uncorked writes), each ending with a line
    // break as a whole body could: joined and parsed again for every chunk, they blocked the
    // event loop for 15 seconds.
    const line = `<p>${'x'.repeat(44)}</p>\n`;
    openai.handler = (_request, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      for (let count = 0; count < 20_000; count++) res.write(line);
      res.end();
    };
    const started = performance.now();
    const chat = await rejection(chatClient().chat.completions.create({ model: 'gpt-4o', messages: HI }));
    expect(chat).toMatchObject({ status: 502 });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test('a JSON answer that begins with a byte order mark is read', async () => {
    openai.handler = (_request, res) => sendText(res, 'application/json', `\uFEFF${JSON.stringify(fixtureJson('openai-chat.json'))}`);
    expect((await chatClient().chat.completions.create({ model: 'gpt-4o', messages: HI })).choices[0]?.message.content).toBeTruthy();
  });
});

describe('a whole chat answer in a broken shape, translated for a Messages or Responses client', () => {
  const answerWithChoice = (choice: unknown): Record<string, unknown> => ({
    ...fixtureJson<Record<string, unknown>>('openai-chat.json'),
    choices: [choice],
  });
  test.each([
    ['a choice without a message', answerWithChoice({ index: 0, finish_reason: 'stop' }), /choice 0 holds no `message` object/],
    ['a choice whose message is null', answerWithChoice({ index: 0, message: null, finish_reason: 'stop' }), /choice 0 holds no `message` object/],
    [
      'tool_calls holding null',
      answerWithChoice({ index: 0, message: { role: 'assistant', content: null, tool_calls: [null] }, finish_reason: 'tool_calls' }),
      /`tool_calls` that are not a list of objects/,
    ],
  ])('%s is a 502 saying so, not an empty answer or a TypeError', async (_what, answer, reason) => {
    openai.handler = (_request, res) => sendJson(res, 200, answer);
    const messages = await rejection(messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }));
    expect(messages).toMatchObject({ status: 502, message: expect.stringMatching(reason) as unknown });
    const responses = await rejection(chatClient().responses.create({ model: 'openai/gpt-4o', input: 'hi' }));
    expect(responses).toMatchObject({ status: 502, message: expect.stringMatching(reason) as unknown });
  });
});

describe('errors inside a stream', () => {
  test("an unreadable frame in a passed-through stream is not passed on: the SDK gets the router's error", async () => {
    const first = sseFrames('openai-chat-stream-usage.sse')[1]!;
    openai.handler = (_request, res) => sendFrames(res, [first, 'data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"oops"\n\n']);
    const chat = await rejection(readChatStream('gpt-4o'));
    expect(chat.constructor.name).not.toBe('SyntaxError');
    expect(chat.message).toContain('not valid JSON');

    const frames = sseFrames('anthropic-messages-stream-text.sse');
    anthropic.handler = (_request, res) => sendFrames(res, [frames[0]!, 'event: content_block_start\ndata: {"type":"content_bl\n\n']);
    const messages = await rejection(
      messagesClient().messages.stream({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 10, messages: HI }).finalMessage(),
    );
    expect(messages.constructor.name).not.toBe('SyntaxError');
    expect(messages.message).toContain('not valid JSON');
  });

  test("llama-server's old `error:` line ends the stream with its message, passed through and bridged", async () => {
    const error = 'error: {"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}\n\n';
    local.handler = (_request, res) => sendFrames(res, [error, 'data: [DONE]\n\n']);
    expect((await rejection(readChatStream('local/qwen'))).message).toContain('exceeds the available context size');
    const response = await chatClient().responses.stream({ model: 'local/qwen', input: 'hi' }).finalResponse();
    expect(response.status).toBe('failed');
    expect(response.error?.message).toContain('exceeds the available context size');
  });

  test('a Responses stream that fails before its first event still opens with response.created, passed through or bridged', async () => {
    const cut = (_request: unknown, res: ServerResponse): void => sendFrames(res, []);
    openrouter.handler = cut;
    local.handler = cut;
    const ids = new Set<string>();
    for (const model of ['openrouter/openai/gpt-5.5', 'openrouter/openai/gpt-5.5', 'local/qwen']) {
      const response = await chatClient().responses.stream({ model, input: 'hi' }).finalResponse();
      expect(response.status).toBe('failed');
      expect(response.error?.message).toMatch(/ended before its terminator|neither a stream nor an answer/);
      // An id of its own each time: clients key responses by it.
      expect(response.id).toMatch(/^resp_./);
      ids.add(response.id);
    }
    expect(ids.size).toBe(3);
  });

  test("llama-server's Messages error frame (its error fields under `event: error`) ends the stream with its message, passed through or translated", async () => {
    const failure =
      'event: error\ndata: {"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}\n\n';
    const failing = (_request: unknown, res: ServerResponse): void =>
      sendFrames(res, [...sseFrames('anthropic-messages-stream-text.sse').slice(0, 3), failure]);
    local.handler = failing;
    anthropic.handler = failing;
    const ends: Array<{ outcome: string; error?: { message: string } }> = [];
    const record = (event: (typeof ends)[number]): void => void ends.push(event);
    host.router.telemetry.on('request.end', record);
    try {
      const raw = await fetch(`${host.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local/qwen', max_tokens: 10, stream: true, messages: HI }),
      });
      const text = await raw.text();
      // In Anthropic's shape, the one the SDK and Claude Code read, typed by its code, and not
      // followed by a second error of the router's own.
      const anthropicFailure = { type: 'error', error: { type: 'invalid_request_error', message: 'the request exceeds the available context size' } };
      expect(text.endsWith(`event: error\ndata: ${JSON.stringify(anthropicFailure)}\n\n`)).toBe(true);
      expect(text.match(/event: error/g)).toHaveLength(1);
      expect(ends.at(-1)).toMatchObject({ outcome: 'error', error: { message: 'the request exceeds the available context size' } });

      const passedThrough = messagesClient().messages.stream({ model: 'local/qwen', max_tokens: 10, messages: HI }).finalMessage();
      expect((await rejection(passedThrough)).message).toContain('exceeds the available context size');
      // An Anthropic-dialect upstream read for a chat client: the message is the provider's, not "ended before its terminator".
      expect((await rejection(readChatStream('anthropic/claude-sonnet-5-5'))).message).toContain('exceeds the available context size');
      const response = await chatClient().responses.stream({ model: 'anthropic/claude-sonnet-5-5', input: 'hi' }).finalResponse();
      expect(response.error).toMatchObject({ code: 'context_length_exceeded', message: 'the request exceeds the available context size' });
    } finally {
      host.router.telemetry.off('request.end', record);
    }
  });

  test('a named `event: error` frame keeps its message when translated for a Messages client', async () => {
    openai.handler = (_request, res) => sendFrames(res, ['event: error\ndata: {"error":{"message":"CUDA out of memory","type":"server_error"}}\n\n']);
    const error = await rejection(messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage());
    expect(error.message).toContain('CUDA out of memory');
  });

  test('a passed-through Messages stream whose frames lack their `event:` line gets it: the SDK ignores such frames', async () => {
    const dataOnly = sseFrames('anthropic-messages-stream-text.sse').map((frame) => frame.replace(/^event: [^\n]*\n/m, ''));
    expect(dataOnly.join('')).not.toContain('event:');
    for (const [fake, model] of [
      [anthropic, 'anthropic/claude-sonnet-5-5'],
      [local, 'local/qwen'],
    ] as const) {
      fake.handler = (_request, res) => sendFrames(res, dataOnly);
      const message = await messagesClient().messages.stream({ model, max_tokens: 10, messages: HI }).finalMessage();
      expect(message.content.some((block) => block.type === 'text' && block.text.length > 0)).toBe(true);
    }
  });

  test("the router's own mid-stream errors reach Messages clients with an Anthropic error type", async () => {
    const frames = sseFrames('anthropic-messages-stream-text.sse');
    anthropic.handler = (_request, res) => sendFrames(res, frames.slice(0, 3));
    const response = await fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 10, stream: true, messages: HI }),
    });
    const text = await response.text();
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
  });
});

/** The OpenAI upstream answers with these tool calls and `finish_reason: "tool_calls"`, streamed or whole as asked. */
function answerWithToolCalls(calls: Record<string, unknown>[]): void {
  openai.handler = (request, res) => {
    if (request.body?.stream === true) {
      sendFrames(res, [chunk({ role: 'assistant', tool_calls: calls }), chunk({}, 'tool_calls'), 'data: [DONE]\n\n']);
    } else {
      sendJson(res, 200, {
        ...fixtureJson<Record<string, unknown>>('openai-chat.json'),
        choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }],
      });
    }
  };
}

describe('tool call arguments sent as a JSON object instead of its text, as some servers do', () => {
  const objectCall = { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } };

  test('reach a Messages client as the tool input, streamed and whole', async () => {
    answerWithToolCalls([objectCall]);
    const streamed = await messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage();
    const whole = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI });
    for (const message of [streamed, whole]) {
      expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })]);
    }
  });

  test('reach a Responses client as the arguments text, streamed and whole', async () => {
    answerWithToolCalls([objectCall]);
    // Bridged through chat completions (OPENAI_RESPONSES=chat).
    const request = { model: 'openai/gpt-4o', input: 'hi' };
    const streamed = await chatClient().responses.stream(request).finalResponse();
    const whole = await chatClient().responses.create(request);
    for (const response of [streamed, whole]) {
      expect(response.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' })]);
    }
  });
});

/** A user turn answering the tool call `id` with `content`. */
function toolResult(id: string, content: string): Anthropic.MessageParam {
  return { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content }] };
}

describe('tool call ids a provider numbers per answer (call_0, call_1 in every turn)', () => {
  const numberedCall = (index: number, command: string): Record<string, unknown> => ({
    index,
    id: `call_${index}`,
    type: 'function',
    function: { name: 'Bash', arguments: JSON.stringify({ command }) },
  });
  /** A conversation whose first tool turn got `call_0` already. */
  const SECOND_TURN = [
    { role: 'user' as const, content: 'run two commands' },
    { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'call_0', name: 'Bash', input: { command: 'echo one' } }] },
    { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'call_0', content: 'one' }] },
  ];

  test('a call repeating an id of the conversation, or of another call in the answer, gets an id of its own, streamed and whole', async () => {
    // call_0 again, and a parallel call that repeats call_0 too: Claude Code would keep one call of those sharing an id.
    const calls = [numberedCall(0, 'echo two'), { ...numberedCall(1, 'echo three'), id: 'call_0' }, numberedCall(2, 'echo four')];
    answerWithToolCalls(calls);
    const request = { model: 'openai/gpt-4o', max_tokens: 10, messages: SECOND_TURN };
    const streamed = await messagesClient().messages.stream(request).finalMessage();
    const whole = await messagesClient().messages.create(request);
    for (const message of [streamed, whole]) {
      const uses = message.content.filter((block) => block.type === 'tool_use');
      expect(uses.map((use) => use.input)).toEqual([{ command: 'echo two' }, { command: 'echo three' }, { command: 'echo four' }]);
      const ids = uses.map((use) => use.id);
      expect(new Set([...ids, 'call_0']).size).toBe(4);
      // An id nothing else has is the provider's own.
      expect(ids[2]).toBe('call_2');
    }
  });

  test("a call id Anthropic's pattern refuses (Kimi's functions.Bash:0) reaches a Messages client as a toolu_ id, streamed and whole", async () => {
    // Anthropic refuses a replayed tool_use id outside ^[a-zA-Z0-9_-]+$: the session could not move to an anthropic/ model.
    answerWithToolCalls([{ ...numberedCall(0, 'echo two'), id: 'functions.Bash:0' }, numberedCall(1, 'echo three')]);
    const request = { model: 'openai/gpt-4o', max_tokens: 10, messages: HI };
    const streamed = await messagesClient().messages.stream(request).finalMessage();
    const whole = await messagesClient().messages.create(request);
    for (const message of [streamed, whole]) {
      const ids = message.content.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []));
      expect(ids).toEqual([expect.stringMatching(/^toolu_[a-zA-Z0-9_-]+$/), 'call_1']);
    }
  });

  test('a replaced id goes back to the provider as the id it gave: Kimi reads its own ids in the conversation', async () => {
    answerWithToolCalls([{ ...numberedCall(0, 'echo two'), id: 'functions.Bash:0' }]);
    const first = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI });
    const use = first.content.find((block) => block.type === 'tool_use')!;
    expect(use.id).not.toBe('functions.Bash:0');

    answerWithToolCalls([{ ...numberedCall(0, 'echo three'), id: 'functions.Bash:0' }]);
    const second = await messagesClient().messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 10,
      messages: [
        ...HI,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'two' }] },
      ],
    });
    const messages = openai.requests.at(-1)?.body?.messages as Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    expect(messages.find((message) => message.role === 'assistant')?.tool_calls?.[0]?.id).toBe('functions.Bash:0');
    expect(messages.find((message) => message.role === 'tool')?.tool_call_id).toBe('functions.Bash:0');
    // Kimi numbers its calls again from 0: the client still gets an id the conversation does not have.
    const again = second.content.find((block) => block.type === 'tool_use')!;
    expect(again.id).not.toBe(use.id);
  });

  test("a replaced id goes back as the router's to any other provider or model: Anthropic refuses Kimi's ids and repeated ones", async () => {
    // Two turns of Kimi behind OpenAI's chat API, each answering functions.Bash:0.
    answerWithToolCalls([{ ...numberedCall(0, 'echo one'), id: 'functions.Bash:0' }]);
    const first = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI });
    const firstUse = first.content.find((block) => block.type === 'tool_use')!;
    const afterFirst = [...HI, { role: 'assistant' as const, content: first.content }, toolResult(firstUse.id, 'one')];
    const second = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: afterFirst });
    const secondUse = second.content.find((block) => block.type === 'tool_use')!;
    const history = [...afterFirst, { role: 'assistant' as const, content: second.content }, toolResult(secondUse.id, 'two')];

    // The session moves to Anthropic: its ids are the client's, each unique and of the characters Anthropic takes.
    await messagesClient().messages.create({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 10, messages: history });
    const sent = anthropic.requests.at(-1)?.body?.messages as Array<{ content: Array<{ type: string; id?: string; tool_use_id?: string }> | string }>;
    const ids = sent
      .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
      .flatMap((block) => block.id ?? block.tool_use_id ?? []);
    expect(ids).toEqual([firstUse.id, firstUse.id, secondUse.id, secondUse.id]);
    expect(firstUse.id).not.toBe(secondUse.id);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);

    // To another model of the same provider too: not Kimi's, and as OpenAI takes them (at most 40
    // characters; the router's carrying ids are longer).
    answerWithToolCalls([]);
    await messagesClient().messages.create({ model: 'openai/gpt-4.1', max_tokens: 10, messages: history });
    const toAnother = openai.requests.at(-1)?.body?.messages as Array<{ tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    const callIds = toAnother.flatMap((message) => message.tool_calls?.map((call) => call.id) ?? []);
    expect(callIds).toHaveLength(2);
    expect(new Set(callIds).size).toBe(2);
    for (const id of callIds) expect(id.length).toBeLessThanOrEqual(40);
    expect(toAnother.flatMap((message) => message.tool_call_id ?? [])).toEqual(callIds);
  });

  test("a carried id the conversation also has as a plain call (the turn that made it repeat dropped by the client) goes back as the router's", async () => {
    // The provider repeats call_0: the router replaces it, carrying call_0.
    answerWithToolCalls([numberedCall(0, 'echo two')]);
    const second = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: SECOND_TURN });
    const replaced = second.content.find((block) => block.type === 'tool_use')!;
    expect(replaced.id).not.toBe('call_0');
    // The client keeps the last turns only: call_0 is free again, and the provider's next call_0 is kept.
    const window = [...HI, { role: 'assistant' as const, content: second.content }, toolResult(replaced.id, 'two')];
    answerWithToolCalls([numberedCall(0, 'echo three')]);
    const third = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: window });
    const kept = third.content.find((block) => block.type === 'tool_use')!;
    expect(kept.id).toBe('call_0');

    answerWithToolCalls([]);
    const history = [...window, { role: 'assistant' as const, content: third.content }, toolResult(kept.id, 'three')];
    await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: history });
    const messages = openai.requests.at(-1)?.body?.messages as Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    expect(messages.flatMap((message) => message.tool_calls?.map((call) => call.id) ?? [])).toEqual([replaced.id, 'call_0']);
    expect(messages.flatMap((message) => (message.role === 'tool' ? [message.tool_call_id] : []))).toEqual([replaced.id, 'call_0']);
  });

  test('a Responses client gets call_ids its input and the answer do not already have, streamed and whole; sent back, never two calls under one id', async () => {
    const calls = [numberedCall(0, 'echo two'), { ...numberedCall(1, 'echo three'), id: 'call_0' }, numberedCall(2, 'echo four')];
    answerWithToolCalls(calls);
    // Bridged through chat completions (OPENAI_RESPONSES=chat).
    const request = {
      model: 'openai/gpt-4o',
      input: [
        { type: 'message' as const, role: 'user' as const, content: 'run two commands' },
        { type: 'function_call' as const, call_id: 'call_0', name: 'Bash', arguments: '{"command":"echo one"}' },
        { type: 'function_call_output' as const, call_id: 'call_0', output: 'one' },
      ],
    };
    const streamed = await chatClient().responses.stream(request).finalResponse();
    const whole = await chatClient().responses.create(request);
    for (const response of [streamed, whole]) {
      const callIds = response.output.flatMap((item) => (item.type === 'function_call' ? [item.call_id] : []));
      expect(callIds).toHaveLength(3);
      expect(new Set([...callIds, 'call_0']).size).toBe(4);
      expect(callIds[2]).toBe('call_2');
    }

    // Sent back, no two calls go under one id: the earlier call_0 keeps it, the repeat keeps the router's.
    const [replaced] = whole.output.filter((item) => item.type === 'function_call');
    await chatClient().responses.create({
      ...request,
      input: [
        ...request.input,
        replaced!,
        { type: 'function_call_output' as const, call_id: (replaced as { call_id: string }).call_id, output: 'two' },
      ],
    });
    const messages = openai.requests.at(-1)?.body?.messages as Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    const replacedId = (replaced as { call_id: string }).call_id;
    expect(messages.flatMap((message) => message.tool_calls?.map((call) => call.id) ?? [])).toEqual(['call_0', replacedId]);
    expect(messages.flatMap((message) => (message.role === 'tool' ? [message.tool_call_id] : []))).toEqual(['call_0', replacedId]);
  });
});

describe("a chat provider's refusal (OpenAI's structured outputs refusing, finish_reason stop)", () => {
  const REFUSAL = "I'm sorry, I can't help with that.";
  const answerWithRefusal = (): void => {
    openai.handler = (request, res) => {
      if (request.body?.stream === true) {
        sendFrames(res, [
          chunk({ role: 'assistant', content: null, refusal: '' }),
          chunk({ refusal: REFUSAL }),
          chunk({}, 'stop'),
          'data: [DONE]\n\n',
        ]);
      } else {
        sendJson(res, 200, {
          ...fixtureJson<Record<string, unknown>>('openai-chat.json'),
          choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: REFUSAL }, finish_reason: 'stop' }],
        });
      }
    };
  };

  test('reaches a Messages client as its text with stop_reason refusal, streamed and whole', async () => {
    answerWithRefusal();
    const streamed = await messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage();
    const whole = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI });
    for (const message of [streamed, whole]) {
      expect(message.stop_reason).toBe('refusal');
      expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: REFUSAL })]);
    }
  });

  test('reaches a Responses client as a refusal part, not as output_text its parse() would read as JSON, streamed and whole', async () => {
    answerWithRefusal();
    // Bridged through chat completions (OPENAI_RESPONSES=chat).
    const request = { model: 'openai/gpt-4o', input: 'hi' };
    const streamed = await chatClient().responses.stream(request).finalResponse();
    const whole = await chatClient().responses.create(request);
    for (const response of [streamed, whole]) {
      expect(response.status).toBe('completed');
      expect(response.output).toEqual([
        expect.objectContaining({ type: 'message', content: [expect.objectContaining({ type: 'refusal', refusal: REFUSAL })] }),
      ]);
      expect(response.output_text).toBe('');
    }
  });
});

describe('tool call arguments that are not JSON, for a Messages client', () => {
  const call = (args: string): Record<string, unknown> => ({
    index: 0,
    id: 'call_1',
    type: 'function',
    function: { name: 'get_weather', arguments: args },
  });

  test('a whole answer is a 502 naming the tool, not a tool_use with empty input', async () => {
    openai.handler = (_request, res) =>
      sendJson(res, 200, {
        ...fixtureJson<Record<string, unknown>>('openai-chat.json'),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [call('{"city": "Paris", unit: celsius')] },
            finish_reason: 'tool_calls',
          },
        ],
      });
    const error = await rejection(messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }));
    expect(error).toMatchObject({ status: 502, message: expect.stringMatching(/get_weather.{0,4} that are not a JSON object/) as unknown });
  });

  test('arguments cut off by the output limit end the answer with max_tokens, streamed and whole, as Anthropic does', async () => {
    openai.handler = (request, res) => {
      if (request.body?.stream === true) {
        sendFrames(res, [chunk({ role: 'assistant', tool_calls: [call('{"command":"echo hel')] }), chunk({}, 'length'), 'data: [DONE]\n\n']);
      } else {
        sendJson(res, 200, {
          ...fixtureJson<Record<string, unknown>>('openai-chat.json'),
          choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call('{"command":"echo hel')] }, finish_reason: 'length' }],
        });
      }
    };
    const streamed = await messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage();
    expect(streamed.stop_reason).toBe('max_tokens');
    expect(streamed.content.map((block) => block.type)).toEqual(['tool_use']);
    const whole = await messagesClient().messages.create({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI });
    expect(whole.stop_reason).toBe('max_tokens');
    expect(whole.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: {} })]);
  });

  test('a name sent whole and then again with the id is one name, not twice', async () => {
    openai.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', tool_calls: [{ index: 0, type: 'function', function: { name: 'Read' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'c0', type: 'function', function: { name: 'Read', arguments: '{"path":"a"}' } }] }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ]);
    const message = await messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', id: 'c0', name: 'Read', input: { path: 'a' } })]);
  });

  test("a stream ends with the router's error instead of the SDK failing on the JSON", async () => {
    openai.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', tool_calls: [call('{"city": "Paris", unit: celsius')] }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ]);
    const error = await rejection(messagesClient().messages.stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: HI }).finalMessage());
    expect(error.message).toMatch(/get_weather.{0,4} that are not a JSON object/);
  });
});

describe('every route kind, through the SDKs: a connection cut, a stall, a missing terminator, events past it', () => {
  /** What a client of each dialect gets from a stream: the text or tool name it assembled, or the error it got. */
  type Outcome = { answer: string } | { error: string };
  type ClientDialect = 'chat' | 'messages' | 'responses';
  interface RouteKind {
    name: string;
    dialect: ClientDialect;
    fake: () => FakeUpstream;
    model: string;
    /** The stream the upstream sends, in its own dialect; its last frame is the terminator. */
    frames: string[];
  }
  let quick: Host;
  const ends: Array<{ outcome: string; status: number }> = [];
  beforeAll(async () => {
    // OpenAI's /responses passed through (the file's host bridges it); timeouts short enough to wait for.
    quick = await startHost({
      env: { ...envFor({ openai, local, anthropic, openrouter }), PROVIDER_TIMEOUT_MS: '1000', PROVIDER_IDLE_TIMEOUT_MS: '300' },
    });
    quick.router.telemetry.on('request.end', (event) => void ends.push(event));
  });
  beforeEach(() => (ends.length = 0));
  afterAll(() => quick.close());

  /** Asks for a stream as the dialect's SDK helper does, and reads it whole. */
  async function ask(kind: RouteKind): Promise<Outcome> {
    const openaiClient = new OpenAI({ apiKey: 'host-token', baseURL: `${quick.url}/v1`, maxRetries: 0 });
    try {
      if (kind.dialect === 'chat') {
        const completion = await openaiClient.chat.completions.stream({ model: kind.model, messages: HI }).finalChatCompletion();
        return { answer: completion.choices[0]?.message.content ?? '' };
      }
      if (kind.dialect === 'messages') {
        const client = new Anthropic({ apiKey: 'host-token', baseURL: quick.url, maxRetries: 0 });
        const message = await client.messages.stream({ model: kind.model, max_tokens: 10, messages: HI }).finalMessage();
        return { answer: message.content.map((block) => (block.type === 'text' ? block.text : block.type)).join('') };
      }
      const response = await openaiClient.responses.stream({ model: kind.model, input: 'hi' }).finalResponse();
      if (response.status === 'failed') return { error: response.error?.message ?? '' };
      return { answer: response.output.map((item) => (item.type === 'function_call' ? item.name : '')).join('') + response.output_text };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  const CHAT = sseFrames('openai-chat-stream-usage.sse');
  const MESSAGES = sseFrames('anthropic-messages-stream-text.sse');
  // The call fixture: the text one's reasoning events lack the content part the SDK's helper reads them into.
  const RESPONSES = sseFrames('openai-responses-stream-function-call.sse');
  const CLAUDE = 'anthropic/claude-sonnet-5-5';
  const ROUTE_KINDS: RouteKind[] = [
    { name: 'chat passed through to OpenAI', dialect: 'chat', fake: () => openai, model: 'openai/gpt-4o', frames: CHAT },
    { name: 'chat passed through to llama-server', dialect: 'chat', fake: () => local, model: 'local/qwen', frames: CHAT },
    { name: 'chat passed through to OpenRouter', dialect: 'chat', fake: () => openrouter, model: 'openrouter/x/y', frames: CHAT },
    { name: 'chat translated for Anthropic', dialect: 'chat', fake: () => anthropic, model: CLAUDE, frames: MESSAGES },
    { name: 'Messages passed through to Anthropic', dialect: 'messages', fake: () => anthropic, model: CLAUDE, frames: MESSAGES },
    { name: 'Messages passed through to llama-server', dialect: 'messages', fake: () => local, model: 'local/qwen', frames: MESSAGES },
    { name: 'Messages translated for OpenAI', dialect: 'messages', fake: () => openai, model: 'openai/gpt-4o', frames: CHAT },
    { name: 'Responses passed through to OpenAI', dialect: 'responses', fake: () => openai, model: 'openai/gpt-5.5', frames: RESPONSES },
    {
      name: 'Responses passed through to OpenRouter',
      dialect: 'responses',
      fake: () => openrouter,
      model: 'openrouter/openai/gpt-5.5',
      frames: RESPONSES,
    },
    { name: 'Responses translated for Anthropic', dialect: 'responses', fake: () => anthropic, model: CLAUDE, frames: MESSAGES },
    { name: 'Responses bridged to llama-server', dialect: 'responses', fake: () => local, model: 'local/qwen', frames: CHAT },
  ];

  /** The client's outcome, and the one request.end it had (a second one would show within 100 ms). */
  async function outcomeOf(
    kind: RouteKind,
    answer: (res: ServerResponse, req: IncomingMessage) => void,
  ): Promise<{ outcome: Outcome; end: (typeof ends)[number] }> {
    ends.length = 0;
    kind.fake().handler = (_request, res, req) => answer(res, req);
    const outcome = await ask(kind);
    await waitUntil(() => ends.length > 0, 2000, 'request.end');
    await sleep(100);
    expect(ends).toHaveLength(1);
    return { outcome, end: ends[0]! };
  }
  const stream = (res: ServerResponse, frames: string[]): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const frame of frames) res.write(frame);
  };

  describe.each(ROUTE_KINDS.map((kind) => [kind.name, kind] as const))('%s', (_name, kind) => {
    test('events after the terminator, and the terminator twice, are not passed on: the answer is the clean stream’s', async () => {
      const clean = await outcomeOf(kind, (res) => {
        stream(res, kind.frames);
        res.end();
      });
      expect(clean.end).toMatchObject({ outcome: 'ok', status: 200 });
      expect(clean.outcome).toEqual({ answer: expect.stringMatching(/\w/) as unknown });
      const extra = await outcomeOf(kind, (res) => {
        stream(res, [...kind.frames, kind.frames.at(-1)!, ...kind.frames.slice(1, -1), 'data: {"error":{"message":"after the end"}}\n\n']);
        res.end();
      });
      expect(extra.outcome).toEqual(clean.outcome);
      expect(extra.end).toMatchObject({ outcome: 'ok', status: 200 });
    });

    test.each([
      [
        'the connection reset before the headers',
        (_frames: string[], _res: ServerResponse, req: IncomingMessage) => void req.socket.resetAndDestroy(),
        /could not be reached/,
      ],
      [
        'the connection reset in the middle of an event',
        (frames: string[], res: ServerResponse) => {
          stream(res, [frames[0]!, frames[1]!.slice(0, 20)]);
          setTimeout(() => res.socket?.resetAndDestroy(), 20);
        },
        /mid-stream/,
      ],
      ['the stream stalling', (frames: string[], res: ServerResponse) => stream(res, frames.slice(0, 2)), /PROVIDER_IDLE_TIMEOUT_MS/],
      [
        'the stream ending without its terminator',
        (frames: string[], res: ServerResponse) => {
          stream(res, frames.slice(0, -1));
          res.end();
        },
        /ended before its terminator/,
      ],
    ])('%s reaches the client as its dialect’s error, and request.end says error once', async (_what, answer, message) => {
      const { outcome, end } = await outcomeOf(kind, (res, req) => answer(kind.frames, res, req));
      expect(outcome).toEqual({ error: expect.stringMatching(message) as unknown });
      expect(end.outcome).toBe('error');
    });

    test('a client that hangs up mid-stream closes the upstream connection; request.end says aborted once', async () => {
      kind.fake().handler = (_request, res) => stream(res, kind.frames.slice(0, 3));
      const upstreamClosed = kind.fake().waitForClientClose();
      const path = { chat: '/v1/chat/completions', messages: '/v1/messages', responses: '/v1/responses' }[kind.dialect];
      const body =
        kind.dialect === 'responses'
          ? { model: kind.model, input: 'hi', stream: true }
          : { model: kind.model, messages: HI, stream: true, ...(kind.dialect === 'messages' ? { max_tokens: 10 } : {}) };
      const call = sendRequest({ url: `${quick.url}${path}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await call.waitForBody((text) => text.length > 0);
      call.abort();
      await within(upstreamClosed, 1000, 'the upstream connection closed');
      await sleep(100);
      expect(ends).toEqual([expect.objectContaining({ outcome: 'aborted', status: 200 })]);
    });
  });
});
