import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import type { ProviderRouterOptions, RequestEndEvent } from '../../lib';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { jsonLines } from '../support/json-lines';
import { openStream } from '../support/http-client';
import { KEYS } from '../support/keys';
import { observe } from '../support/observe';
import { chatBody } from '../support/request-bodies';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { sleep, waitUntil } from '../support/wait';
import { chatChunkFrame } from '../support/wire-frames';

let fakes: Fakes;
let host: Host;
const observed = observe();
const events = observed.events;
let logFile: string;

beforeAll(async () => {
  fakes = await startFakes();
  logFile = join(mkdtempSync(join(tmpdir(), 'epr-log-')), 'conversations.jsonl');
  host = await startHost({
    env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '1500', CONVERSATION_LOG_FILE: logFile },
  });
  observed.listen(host.router);
});
beforeEach(() => observed.clear());
afterEach(() => fakes.reset());
afterAll(async () => {
  await host.close();
  await fakes.close();
});

const chat = chatBody;

/** Waits until request.end has been emitted (it follows the response's last byte). */
async function endEvent(): Promise<RequestEndEvent> {
  const [end] = await observed.waitForEnds(1, 500);
  return end!;
}

describe.each([
  ['openai', 'gpt-4o-mini', { stream: [9, 3, 12], json: [19, 10, 29] }],
  ['openrouter', 'openrouter/meta-llama/llama-3.1-8b-instruct', { stream: [14, 3, 17], json: [19, 10, 29] }],
  ['local', 'qwen2.5', { stream: [12, 3, 15], json: [19, 10, 29] }],
  ['anthropic', 'claude-sonnet-5-5', { stream: [25, 15, 40], json: [-1, -1, -1] }],
] as const)('%s', (provider, model, usage) => {
  test.each([true, false])('stream=%s: request.start then one request.end with usage as the upstream reported', async (stream) => {
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .send(chat(model, { stream, stream_options: stream ? { include_usage: true } : undefined }));
    expect(res.status).toBe(200);
    const end = await endEvent();
    expect(events.map((e) => e.type)).toEqual(['request.start', 'request.end']);
    expect(events[0]).toEqual(
      expect.objectContaining({ provider, model, stream, endpoint: 'chat.completions', requestId: res.headers['x-request-id'] }),
    );
    expect(end).toEqual(expect.objectContaining({ provider, status: 200, outcome: 'ok', stream }));
    expect(end.durationMs).toBeGreaterThanOrEqual(end.ttfbMs ?? 0);
    if (stream) expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs ?? 0);
    else expect(end.firstTokenMs).toBeNull();
    const expected = stream ? usage.stream : usage.json;
    if (expected[0] >= 0) {
      expect(end.usage).toEqual({ promptTokens: expected[0], completionTokens: expected[1], totalTokens: expected[2] });
    } else {
      expect(end.usage?.completionTokens).toBeGreaterThan(0);
    }
    expect(end.finishReason).toBeTruthy();
  });
});

test.each([
  ['anthropic', 'claude-sonnet-5-5', { promptTokens: 25, completionTokens: 15, totalTokens: 40 }],
  ['openai', 'gpt-4o-mini', { promptTokens: 9, completionTokens: 3, totalTokens: 12 }],
  ['local', 'some-gguf', { promptTokens: 25, completionTokens: 15, totalTokens: 40 }],
])('a streamed /messages request to %s is reported with endpoint messages and its usage', async (provider, model, usage) => {
  if (provider === 'local') fakes.local.handler = (_r, res) => sendFrames(res, sseFrames('anthropic-messages-stream-text.sse'));
  const res = await request(host.url)
    .post('/v1/messages')
    .send({ model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  expect(res.status).toBe(200);
  const end = await endEvent();
  expect(end).toEqual(expect.objectContaining({ provider, endpoint: 'messages', stream: true, outcome: 'ok', usage }));
});

test("OpenRouter's usage.cost is reported as costUsd", async () => {
  await request(host.url)
    .post('/v1/chat/completions')
    .send(chat('openrouter/x', { stream: true }));
  expect((await endEvent()).costUsd).toBe(0.00000043);
});

test('an upstream 500 ends with outcome error and its status', async () => {
  fakes.openai.handler = (_r, res) => sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } });
  await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
  expect(await endEvent()).toEqual(expect.objectContaining({ status: 500, outcome: 'error', error: { message: 'boom', type: 'server_error' } }));
});

test('a timeout ends with outcome error and 504', async () => {
  fakes.openai.handler = () => undefined;
  await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
  expect(await endEvent()).toEqual(expect.objectContaining({ status: 504, outcome: 'error', ttfbMs: null }));
});

test('a client abort ends with outcome aborted and the status already sent', async () => {
  fakes.openai.handler = (_r, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sseFrames('openai-chat-stream-usage.sse')[0]!);
  };
  const stream = await openStream(`${host.url}/v1/chat/completions`, chat('gpt-4o', { stream: true }));
  await stream.waitFor((text) => text.includes('chunk'));
  stream.abort();
  expect(await endEvent()).toEqual(expect.objectContaining({ status: 200, outcome: 'aborted' }));
});

test('a mid-stream failure ends with outcome error', async () => {
  fakes.openrouter.handler = (_r, res) => sendFrames(res, sseFrames('openrouter-midstream-error.sse'));
  await request(host.url)
    .post('/v1/chat/completions')
    .send(chat('openrouter/x', { stream: true }));
  expect(await endEvent()).toEqual(
    expect.objectContaining({ status: 200, outcome: 'error', error: expect.objectContaining({ message: 'Provider disconnected unexpectedly' }) }),
  );
});

test('a whole answer passed on as it is that reports its own failure ends with outcome error: no choice, a failed Responses object', async () => {
  fakes.openai.handler = (request, res) =>
    request.url?.endsWith('/responses')
      ? sendJson(res, 200, {
          id: 'resp_1',
          object: 'response',
          status: 'failed',
          output: [],
          error: { code: 'server_error', message: 'The model crashed' },
        })
      : sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [] });
  const chatAnswer = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
  expect(chatAnswer.body).toMatchObject({ choices: [] });
  expect(await endEvent()).toEqual(
    expect.objectContaining({ status: 200, outcome: 'error', error: expect.objectContaining({ type: 'upstream_error' }) }),
  );
  observed.clear();
  const responsesAnswer = await request(host.url).post('/v1/responses').send({ model: 'openai/gpt-4o', input: 'hi' });
  expect(responsesAnswer.body).toMatchObject({ status: 'failed' });
  expect(await endEvent()).toEqual(
    expect.objectContaining({ status: 200, outcome: 'error', error: { message: 'The model crashed', type: 'server_error' } }),
  );
});

/** Runs `use` on a host of its own on the OpenAI fake, logging to `logger`, and closes the host after. */
async function withOwnHost(logger: ProviderRouterOptions['logger'], use: (own: Host) => Promise<void>): Promise<void> {
  const own = await startHost({ env: envFor({ openai: fakes.openai }), logger });
  try {
    await use(own);
  } finally {
    await own.close();
  }
}

test('a listener that throws never breaks a response', async () => {
  const errors: string[] = [];
  await withOwnHost({ warn: () => undefined, error: (message) => errors.push(message) }, async (throwing) => {
    throwing.router.telemetry.on('request.start', () => {
      throw new Error('listener bug');
    });
    throwing.router.telemetry.on('request.end', () => {
      throw new Error('listener bug');
    });
    const res = await request(throwing.url)
      .post('/v1/chat/completions')
      .send(chat('gpt-4o', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('[DONE]');
    expect(errors.length).toBe(2);
  });
});

test('a listener that throws never breaks a response, even when the host logger it is reported to throws too', async () => {
  const throwing = (): never => {
    throw new Error('log shipper down');
  };
  await withOwnHost({ warn: throwing, error: throwing }, async (host2) => {
    host2.router.telemetry.on('request.start', () => {
      throw new Error('listener bug');
    });
    const res = await request(host2.url)
      .post('/v1/chat/completions')
      .send(chat('gpt-4o', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('[DONE]');
  });
});

test('an async listener that rejects is reported to the logger, never left as an unhandled rejection', async () => {
  const errors: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await withOwnHost({ warn: () => undefined, error: (message) => errors.push(message) }, async (asyncHost) => {
      asyncHost.router.telemetry.on('request.end', async () => {
        await sleep(1);
        throw new Error('stats database down');
      });
      const res = await request(asyncHost.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      expect(res.status).toBe(200);
      await sleep(30);
      expect(unhandled).toEqual([]);
      expect(errors).toEqual(['express-provider-router: a telemetry listener threw']);
    });
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test.each([
  ['a value that cannot become a string', () => Object.create(null) as unknown, false],
  ['an Error, to a host logger that throws too', () => new Error('listener bug'), true],
])('listeners that throw or reject with %s never break a response nor leave an unhandled rejection', async (_what, thrown, loggerThrows) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const logger = {
    warn: () => undefined,
    error: () => {
      if (loggerThrows) throw new Error('log store down');
    },
  };
  try {
    await withOwnHost(logger, async (faulty) => {
      for (const name of ['request.start', 'request.end', 'event'] as const) {
        faulty.router.telemetry.on(name, () => {
          throw thrown();
        });
        faulty.router.telemetry.on(name, async () => {
          await sleep(1);
          throw thrown();
        });
      }
      const streamed = await request(faulty.url)
        .post('/v1/chat/completions')
        .send(chat('gpt-4o', { stream: true }));
      expect(streamed.status).toBe(200);
      expect(streamed.text).toContain('[DONE]');
      const whole = await request(faulty.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      expect(whole.status).toBe(200);
      expect(whole.body).toMatchObject({ object: 'chat.completion' });
      await sleep(30);
      expect(unhandled).toEqual([]);
    });
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a once listener can be removed with off before it runs', async () => {
  const heard: string[] = [];
  const listener = (): void => void heard.push('end');
  host.router.telemetry.once('request.end', listener).off('request.end', listener);
  await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
  await observed.waitForEnds(1, 500);
  expect(heard).toEqual([]);
});

test("listeners come and go with EventEmitter's names too: addListener, removeListener, removeAllListeners", async () => {
  const heard: string[] = [];
  const start = (): void => void heard.push('start');
  const end = (): void => void heard.push('end');
  const telemetry = host.router.telemetry;
  telemetry.addListener('request.start', start).addListener('request.end', end);
  await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
  await observed.waitForEnds(1, 500);
  expect(heard).toEqual(['start', 'end']);
  telemetry.removeListener('request.start', start);
  await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
  await observed.waitForEnds(2, 500);
  expect(heard).toEqual(['start', 'end', 'end']);
  telemetry.removeAllListeners('request.end');
  expect(telemetry.listenerCount('request.end')).toBe(0);
  expect(telemetry.listenerCount('event')).toBe(1);
});

test('requests rejected before routing emit no request events', async () => {
  await request(host.url).post('/v1/chat/completions').send({ messages: [] });
  await sleep(20);
  expect(events).toEqual([]);
});

test('the conversation log records provider, messages, the streamed text and usage, and no key', async () => {
  fakes.openai.handler = (_r, res) => sendJson(res, 401, { error: { message: `bad key ${KEYS.openai}`, type: 'invalid_request_error' } });
  await request(host.url)
    .post('/v1/chat/completions')
    .send(chat('gpt-4o', { messages: [{ role: 'user', content: `my key is ${KEYS.anthropic}` }] }));
  await endEvent();
  observed.clear();
  await request(host.url)
    .post('/v1/chat/completions')
    .send(chat('claude-sonnet-5-5', { stream: true }));
  await endEvent();
  await sleep(100);
  const text = readFileSync(logFile, 'utf8');
  const records = jsonLines(text);
  const streamed = records.find((r) => r.provider === 'anthropic' && r.stream === true);
  expect(streamed).toEqual(
    expect.objectContaining({
      model: 'claude-sonnet-5-5',
      upstreamModel: 'claude-sonnet-5-5',
      messages: [{ role: 'user', content: 'hi' }],
      response: { text: 'Hello there!', toolCalls: [] },
      usage: { promptTokens: 25, completionTokens: 15, totalTokens: 40 },
      finishReason: 'end_turn',
      status: 200,
    }),
  );
  expect(text).not.toContain(KEYS.openai.slice(0, 12));
  expect(text).not.toContain(KEYS.anthropic.slice(0, 12));
  expect(JSON.stringify(events)).not.toContain(KEYS.openai.slice(0, 12));
});

describe('what request.end and the conversation record keep of answers that are not the usual', () => {
  let recordingHost: Host;
  const seen = observe();
  beforeAll(async () => {
    recordingHost = await startHost({ env: envFor(fakes), conversationLogger: seen.conversationLogger });
    seen.listen(recordingHost.router);
  });
  beforeEach(() => seen.clear());
  afterAll(() => recordingHost.close());

  /** gpt-4o's whole answer: the assistant `message`'s fields, ended by `finishReason`. */
  const gpt4oAnswer = (message: Record<string, unknown>, finishReason: string): Record<string, unknown> => ({
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }],
  });
  /** What the chunks of gpt-4o's streams share. */
  const GPT_4O_CHUNK = { id: 'c', created: 1, model: 'gpt-4o' };

  const lastRecord = async (): Promise<Record<string, unknown>> => {
    await seen.waitForEnds(1, 1000);
    await waitUntil(() => seen.records.length > 0, 1000, 'the conversation record');
    return seen.records.at(-1)!;
  };

  test('a finish reason that echoes a key is redacted in request.end', async () => {
    fakes.openai.handler = (_r, res) => sendJson(res, 200, gpt4oAnswer({ content: 'hi' }, `stop ${KEYS.openai}`));
    await request(recordingHost.url).post('/v1/chat/completions').send(chat('gpt-4o'));
    const [end] = await seen.waitForEnds(1, 1000);
    expect(end!.finishReason).toContain('[REDACTED]');
    expect(JSON.stringify(end)).not.toContain(KEYS.openai.slice(4, 16));
  });

  test("OpenRouter's price on its Responses API is costUsd, and a non-streamed answer's reasoning is in the record", async () => {
    fakes.openrouter.handler = (_r, res) =>
      sendJson(res, 200, {
        id: 'resp_1',
        object: 'response',
        created_at: 1,
        status: 'completed',
        model: 'openai/gpt-5.5',
        output: [
          { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Deep thought.' }] },
          { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hi.', annotations: [] }] },
        ],
        usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12, cost: 0.00042 },
      });
    await request(recordingHost.url).post('/v1/responses').send({ model: 'openrouter/openai/gpt-5.5', input: 'hi' });
    const record = await lastRecord();
    expect(seen.ends().at(-1)).toMatchObject({ endpoint: 'responses', costUsd: 0.00042 });
    expect(record.response).toMatchObject({ text: 'Hi.', reasoning: 'Deep thought.' });
  });

  test('every dialect records the request messages as an array, with a Messages system or Responses instructions beside them', async () => {
    const anthropicMessages = [{ role: 'user', content: 'hi' }];
    await request(recordingHost.url)
      .post('/v1/messages')
      .send({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 10, system: 'Be brief.', messages: anthropicMessages });
    expect(await lastRecord()).toMatchObject({ endpoint: 'messages', messages: anthropicMessages, system: 'Be brief.' });
    seen.clear();
    await request(recordingHost.url).post('/v1/responses').send({ model: 'local/qwen', input: 'hello', instructions: 'Be kind.' });
    expect(await lastRecord()).toMatchObject({ endpoint: 'responses', messages: [{ role: 'user', content: 'hello' }], instructions: 'Be kind.' });
    seen.clear();
    const items = [{ type: 'message', role: 'user', content: 'hello again' }];
    await request(recordingHost.url).post('/v1/responses').send({ model: 'local/qwen', input: items });
    const record = await lastRecord();
    expect(record).toMatchObject({ messages: items });
    expect(record).not.toHaveProperty('instructions');
  });

  /** A Responses stream event frame, as OpenAI sends it. */
  const responsesFrame = (type: string, fields: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
  const REFUSAL = "I can't help with that.";
  const refusalItem = { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: REFUSAL }] };
  const refusedResponse = { id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'gpt-5.5', output: [refusalItem] };

  test.each([
    [
      'a streamed chat refusal',
      '/v1/chat/completions',
      true,
      (res: ServerResponse) =>
        sendFrames(res, [
          chatChunkFrame(GPT_4O_CHUNK, { role: 'assistant', content: null, refusal: "I can't " }),
          chatChunkFrame(GPT_4O_CHUNK, { refusal: 'help with that.' }),
          chatChunkFrame(GPT_4O_CHUNK, {}, 'stop'),
          'data: [DONE]\n\n',
        ]),
    ],
    [
      'a chat refusal',
      '/v1/chat/completions',
      false,
      (res: ServerResponse) => sendJson(res, 200, gpt4oAnswer({ content: null, refusal: REFUSAL }, 'stop')),
    ],
    [
      'a chat answer whose content is an array of text parts',
      '/v1/chat/completions',
      false,
      (res: ServerResponse) =>
        sendJson(
          res,
          200,
          gpt4oAnswer(
            {
              content: [
                { type: 'text', text: "I can't " },
                { type: 'text', text: 'help with that.' },
              ],
            },
            'stop',
          ),
        ),
    ],
    ['a Responses refusal', '/v1/responses', false, (res: ServerResponse) => sendJson(res, 200, refusedResponse)],
    [
      'a streamed Responses refusal',
      '/v1/responses',
      true,
      (res: ServerResponse) =>
        sendFrames(res, [
          responsesFrame('response.created', { sequence_number: 0, response: { ...refusedResponse, status: 'in_progress', output: [] } }),
          responsesFrame('response.output_item.added', {
            sequence_number: 1,
            output_index: 0,
            item: { ...refusalItem, status: 'in_progress', content: [] },
          }),
          responsesFrame('response.content_part.added', {
            sequence_number: 2,
            output_index: 0,
            content_index: 0,
            item_id: 'msg_1',
            part: { type: 'refusal', refusal: '' },
          }),
          responsesFrame('response.refusal.delta', { sequence_number: 3, output_index: 0, content_index: 0, item_id: 'msg_1', delta: "I can't " }),
          responsesFrame('response.refusal.delta', {
            sequence_number: 4,
            output_index: 0,
            content_index: 0,
            item_id: 'msg_1',
            delta: 'help with that.',
          }),
          responsesFrame('response.refusal.done', { sequence_number: 5, output_index: 0, content_index: 0, item_id: 'msg_1', refusal: REFUSAL }),
          responsesFrame('response.output_item.done', { sequence_number: 6, output_index: 0, item: refusalItem }),
          responsesFrame('response.completed', { sequence_number: 7, response: refusedResponse }),
        ]),
    ],
  ])("%s is the record's response text, and a streamed one its first token", async (_answer, path, stream, answer) => {
    fakes.openai.handler = (_r, res) => answer(res);
    const res = await request(recordingHost.url)
      .post(path)
      .send(path.endsWith('responses') ? { model: 'openai/gpt-5.5', input: 'hi', stream } : chat('gpt-4o', { stream }));
    expect(res.status).toBe(200);
    const record = await lastRecord();
    expect(record.response).toEqual({ text: REFUSAL, toolCalls: [] });
    const end = seen.ends().at(-1)!;
    if (stream) expect(end.firstTokenMs).not.toBeNull();
  });

  test('a listener that changes request.end does not change the conversation record', async () => {
    const rewrite = (event: RequestEndEvent): void => {
      event.status = 0;
      event.finishReason = 'rewritten';
      if (event.usage) event.usage.totalTokens = 0;
    };
    recordingHost.router.telemetry.on('request.end', rewrite);
    try {
      await request(recordingHost.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      const record = await lastRecord();
      expect(record).toMatchObject({ status: 200, finishReason: 'stop', usage: { promptTokens: 19, completionTokens: 10, totalTokens: 29 } });
    } finally {
      recordingHost.router.telemetry.off('request.end', rewrite);
    }
  });

  test('tool calls streamed before a stream was cut are kept in the record, as its text is', async () => {
    fakes.local.handler = (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        chatChunkFrame(
          { id: 'c', created: 1, model: 'm' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
          },
        ),
      );
      setTimeout(() => res.destroy(), 20);
    };
    await request(recordingHost.url)
      .post('/v1/chat/completions')
      .send(chat('local/qwen', { stream: true }));
    const record = await lastRecord();
    expect(seen.ends().at(-1)).toMatchObject({ outcome: 'error' });
    expect(record.response).toMatchObject({ text: 'Checking.', toolCalls: [{ id: 'call_1', name: 'get_time', arguments: '{}' }] });
  });
});
