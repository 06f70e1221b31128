/**
 * OpenAI's Responses API passed through natively (DESIGN section 11: `openai`, `openrouter`,
 * `LOCAL_RESPONSES=native`, an env provider with `<ID>_RESPONSES=native`) to upstreams that
 * misbehave as real ones do: errors before the stream, streams cut or silent, in-stream errors in
 * OpenAI's and OpenRouter's shapes, frames without their `event:` line, a `[DONE]` terminator. Each
 * reaches the `openai` SDK (`responses.stream()`, `create({stream: true})` iterated, and
 * non-streamed) as a readable failure with the upstream's reason, never as a parse error of the
 * SDK's own; telemetry and the conversation log say what happened.
 */
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { KEYS, keyPiecesIn } from '../support/keys';
import { observe } from '../support/observe';
import { rejectionOf } from '../support/rejection';
import { parseResponsesSse, type ResponsesEvent } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, groq: FakeUpstream;
let host: Host;
const seen = observe();

beforeAll(async () => {
  [openai, openrouter, local, groq] = await startFakeUpstreams('openai', 'openrouter', 'local', 'local');
  host = await startHost({
    env: {
      ...envFor({ openai, openrouter, local }),
      LOCAL_RESPONSES: 'native',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_RESPONSES: 'native',
      PROVIDER_IDLE_TIMEOUT_MS: '300',
    },
    conversationLogger: seen.conversationLogger,
  });
  seen.listen(host.router);
});
beforeEach(() => seen.clear());
afterEach(() => [openai, openrouter, local, groq].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, openrouter, local, groq].map((fake) => fake.close()));
});

/** Every native passthrough route: the model asked for, and the fake that serves it. */
const NATIVE_ROUTES = [
  ['openai/gpt-5.5', () => openai],
  ['openrouter/openai/gpt-5.5', () => openrouter],
  ['local/qwen (LOCAL_RESPONSES=native)', () => local],
  ['groq/llama (GROQ_RESPONSES=native)', () => groq],
] as const;
const modelOf = (route: string): string => route.split(' ')[0]!;

/** A function call answer, as OpenAI streams it: 8 events numbered 0-7, `response.completed` last. */
const CALL = sseFrames('openai-responses-stream-function-call.sse');
/** OpenAI's recorded reasoning stream: its reasoning item's part is written into without a `response.content_part.added`. */
const REASONING = sseFrames('openai-responses-stream-text.sse');
/** The first four events of {@link CALL}: created, in_progress, the call's item added, a delta. */
const OPENING = CALL.slice(0, 4);

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });

/** A streamed `/responses` request's raw text. */
async function streamText(model: string): Promise<string> {
  const response = await fetch(`${host.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, input: 'hi', stream: true }),
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** What the SDK makes of the stream, read both ways: the stream helper's final response, and the events iterated. */
async function sdkViews(model: string): Promise<{ final: OpenAI.Responses.Response; iterated: OpenAI.Responses.ResponseStreamEvent[] }> {
  const final = await client().responses.stream({ model, input: 'hi' }).finalResponse();
  const iterated: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const event of await client().responses.create({ model, input: 'hi', stream: true })) iterated.push(event);
  return { final, iterated };
}

const answerWith = (fake: () => FakeUpstream, text: string, headers: Record<string, string> = {}): void => {
  fake().handler = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
    res.end(text);
  };
};

/** The failure event a stream ends with, checked: the last, numbered after the event before it. */
function failureOf(events: ResponsesEvent[]): { code: string; message: string } {
  const failed = events.at(-1)!;
  expect(failed.event).toBe('response.failed');
  const response = failed.data.response as { id: string; status: string; error: { code: string; message: string } };
  expect(response.status).toBe('failed');
  expect(response.id).toBe((events[0]!.data.response as { id: string }).id);
  return response.error;
}

describe.each(NATIVE_ROUTES)('%s', (route, fake) => {
  const model = modelOf(route);

  test.each([
    ['inside its event: line', OPENING.join('') + CALL[4]!.slice(0, 30)],
    ['after its event: line, before its data', OPENING.join('') + CALL[4]!.split('\n')[0]! + '\n'],
  ])(
    'a stream cut in the middle of a frame (%s) ends with one response.failed numbered after the last event; the SDK reads it, not a parse error',
    async (_where, text) => {
      answerWith(fake, text);
      const events = parseResponsesSse(await streamText(model));
      expect(events.map((event) => event.data.sequence_number)).toEqual([0, 1, 2, 3, 4]);
      expect(failureOf(events)).toEqual({ code: 'upstream_error', message: expect.stringContaining('ended before its terminator') as unknown });

      const { final, iterated } = await sdkViews(model);
      expect(final).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('ended before its terminator') as unknown } });
      expect(iterated.map((event) => event.type).at(-1)).toBe('response.failed');
      expect(seen.ends().map((end) => end.outcome)).toEqual(['error', 'error', 'error']);
    },
  );

  test('frames without their event: line (some compatible servers) reach the client with it, and the SDK reads the answer', async () => {
    answerWith(fake, CALL.map((frame) => frame.replace(/^event: [^\n]*\n/, '')).join(''));
    const events = parseResponsesSse(await streamText(model));
    expect(events.map((event) => event.event)).toEqual(CALL.map((frame) => /^event: (\S+)/.exec(frame)![1]));
    const { final } = await sdkViews(model);
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject([{ type: 'function_call', name: 'exec_command' }]);
    expect(seen.ends().at(-1)).toMatchObject({ outcome: 'ok', finishReason: 'completed', usage: { totalTokens: 1199 } });
  });

  test("OpenRouter's in-stream error (a data frame of nothing but `error`) gets its event: line, then one response.failed with its message, numbered after it", async () => {
    const failure = { error: { code: 502, message: 'Provider returned error', metadata: { provider_name: 'Upstream X' } } };
    answerWith(fake, OPENING.join('') + `data: ${JSON.stringify(failure)}\n\n`);
    const text = await streamText(model);
    // The error frame carries no number of its own: the router's failure follows it all the same.
    const frames = text.split('\n\n').filter((frame) => frame !== '');
    expect(frames.at(-2)).toBe(`event: error\ndata: ${JSON.stringify({ ...failure, type: 'error' })}`);
    const failed = JSON.parse(frames.at(-1)!.split('\n')[1]!.slice('data: '.length)) as { sequence_number: number; response: unknown };
    expect(failed).toMatchObject({ sequence_number: 5, response: { error: { code: 'server_error', message: 'Provider returned error' } } });
    expect(seen.ends().at(-1)).toMatchObject({ outcome: 'error', status: 200, error: { message: 'Provider returned error' } });

    // The SDK throws on the error event, with the provider's message, not the router's "ended before its terminator".
    const thrown = await rejectionOf(client().responses.stream({ model, input: 'hi' }).finalResponse(), OpenAI.APIError);
    expect(thrown.message).toContain('Provider returned error');
  });

  test('a response.failed with its error beside its fields, without a response (some compatible servers), becomes one the SDK and Codex read', async () => {
    const bare = { type: 'response.failed', sequence_number: 4, error: { code: 'server_error', message: 'The engine crashed' } };
    answerWith(fake, OPENING.join('') + `event: response.failed\ndata: ${JSON.stringify(bare)}\n\n`);
    const events = parseResponsesSse(await streamText(model));
    expect(events).toHaveLength(5);
    expect(failureOf(events)).toEqual({ code: 'server_error', message: 'The engine crashed' });
    const { final } = await sdkViews(model);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'The engine crashed' } });
    expect(seen.ends().map((end) => end.error?.message)).toEqual(['The engine crashed', 'The engine crashed', 'The engine crashed']);
  });

  test("the recorded reasoning stream, whose reasoning part no content_part.added opens: the part is announced before its first delta, later events numbered on, and the SDK's stream helper reads it", async () => {
    answerWith(fake, REASONING.join(''));
    const events = parseResponsesSse(await streamText(model));
    const recorded = REASONING.map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as Record<string, unknown>);
    // One event more than the upstream sent: the part, right before the delta that writes into it.
    const firstDelta = recorded.findIndex((event) => event.type === 'response.reasoning_text.delta');
    expect(events[firstDelta]!.data).toEqual({
      type: 'response.content_part.added',
      sequence_number: firstDelta,
      item_id: recorded[firstDelta]!.item_id,
      output_index: 0,
      content_index: 0,
      part: { type: 'reasoning_text', text: '' },
    });
    expect(events.map((event) => event.data.sequence_number)).toEqual(events.map((_event, index) => index));
    // Everything else as the upstream sent it, numbered one on from the part.
    expect(events.filter((_event, index) => index !== firstDelta).map(({ data }) => ({ ...data, sequence_number: 0 }))).toEqual(
      recorded.map((event) => ({ ...event, sequence_number: 0 })),
    );

    const { final } = await sdkViews(model);
    expect(final.status).toBe('completed');
    expect(final.output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: 'List files, then answer.' }] });
    expect(final.output_text).toBe(recorded.find((event) => event.type === 'response.output_text.done')!.text);
  });

  test('a stream that announces its parts (the function call recording) goes on byte for byte', async () => {
    answerWith(fake, CALL.join(''));
    expect(await streamText(model)).toBe(CALL.join(''));
  });

  test('a [DONE] before any terminal event ends the stream as cut off (response.failed saying so); one after response.completed is not passed on', async () => {
    answerWith(fake, CALL.slice(0, -1).join('') + 'data: [DONE]\n\n');
    const cut = parseResponsesSse(await streamText(model));
    expect(failureOf(cut).message).toContain('ended before its terminator');
    expect(cut.at(-1)!.data.sequence_number).toBe(7);

    // vLLM and others end their Responses streams with it too: the client's stream ends at the terminal event.
    answerWith(fake, CALL.join('') + 'data: [DONE]\n\n');
    const clean = await streamText(model);
    expect(clean).toBe(CALL.join(''));
    expect(seen.ends().map((end) => end.outcome)).toEqual(['error', 'ok']);
  });
});

describe('errors before the stream keep their status, message and code; the SDK gets them whichever way it asks', () => {
  test.each(NATIVE_ROUTES)('%s: a 429 in OpenAI shape, with retry-after and rate-limit headers', async (route, fake) => {
    const model = modelOf(route);
    fake().handler = (_request, res) =>
      sendJson(
        res,
        429,
        { error: { message: 'Rate limit reached for gpt-5.5', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
        { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' },
      );
    for (const call of [
      () => client().responses.create({ model, input: 'hi' }),
      () => client().responses.stream({ model, input: 'hi' }).finalResponse(),
      async () => {
        const events: unknown[] = [];
        for await (const event of await client().responses.create({ model, input: 'hi', stream: true })) events.push(event);
        return events;
      },
    ]) {
      const error = await rejectionOf(call(), OpenAI.RateLimitError);
      expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: '429 Rate limit reached for gpt-5.5' });
      expect(error.headers.get('retry-after')).toBe('7');
      expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    }
    expect(seen.ends().map((end) => [end.status, end.outcome])).toEqual(Array(3).fill([429, 'error']));
    expect(seen.records.map((record) => record.status)).toEqual([429, 429, 429]);
  });

  test.each([
    [503, OpenAI.InternalServerError],
    [500, OpenAI.InternalServerError],
  ])('an HTML %s page (a proxy in front of the provider) keeps its status; its text is the message', async (status, errorClass) => {
    openai.handler = (_request, res) => {
      res.writeHead(status, { 'content-type': 'text/html', 'retry-after': '3' });
      res.end(`<html><body><h1>${status} Service Unavailable</h1></body></html>`);
    };
    const error = await rejectionOf(client().responses.stream({ model: 'openai/gpt-5.5', input: 'hi' }).finalResponse(), errorClass);
    expect(error.status).toBe(status);
    expect(error.message).toContain('Service Unavailable');
    expect(error.headers.get('retry-after')).toBe('3');
    expect(seen.ends().at(-1)).toMatchObject({ status, outcome: 'error' });
  });

  test('a 401 echoing the key: the key never reaches the client, telemetry or the log', async () => {
    openrouter.handler = (_request, res) =>
      sendJson(res, 401, {
        error: { message: `Incorrect API key provided: ${KEYS.openrouter}`, type: 'invalid_request_error', code: 'invalid_api_key' },
      });
    const error = await rejectionOf(client().responses.create({ model: 'openrouter/openai/gpt-5.5', input: 'hi' }), OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(error.message).toContain('Incorrect API key provided');
    expect(keyPiecesIn(JSON.stringify([error.message, error.error, seen.events, seen.records]), KEYS.openrouter)).toEqual([]);
  });

  test('a 200 JSON answer whose top level is an error: its own status (429), streamed or not', async () => {
    openrouter.handler = (_request, res) => sendJson(res, 200, { error: { code: 429, message: 'Rate limited upstream' } });
    await rejectionOf(client().responses.create({ model: 'openrouter/openai/gpt-5.5', input: 'hi' }), OpenAI.RateLimitError);
    const streamed = await rejectionOf(
      client().responses.stream({ model: 'openrouter/openai/gpt-5.5', input: 'hi' }).finalResponse(),
      OpenAI.RateLimitError,
    );
    expect(streamed).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: '429 Rate limited upstream' });
  });
});

describe('after the stream started', () => {
  test('idle silence past PROVIDER_IDLE_TIMEOUT_MS: response.failed with timeout_error, numbered after the last event; telemetry and the log say error', async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(OPENING.join(''));
    };
    const events = parseResponsesSse(await streamText('openai/gpt-5.5'));
    expect(events.map((event) => event.data.sequence_number)).toEqual([0, 1, 2, 3, 4]);
    expect(failureOf(events)).toEqual({ code: 'timeout_error', message: expect.stringContaining('PROVIDER_IDLE_TIMEOUT_MS') as unknown });
    await seen.waitForEnds(1);
    expect(seen.ends()[0]).toMatchObject({ status: 200, outcome: 'error', error: { type: 'timeout_error' } });
    await waitUntil(() => seen.records.length > 0, 2000, 'the conversation record');
    expect(seen.records[0]).toMatchObject({ status: 200, provider: 'openai', finishReason: null });
  });

  test("OpenAI's error event followed by its own response.failed: the error passes on, then exactly one response.failed with its message", async () => {
    const error = { type: 'error', sequence_number: 4, code: 'server_error', message: 'The server had an error', param: null };
    const upstreamFailed = {
      type: 'response.failed',
      sequence_number: 5,
      response: { id: 'resp_other', status: 'failed', error: { code: 'server_error', message: 'x' } },
    };
    answerWith(
      () => openai,
      OPENING.join('') + `event: error\ndata: ${JSON.stringify(error)}\n\nevent: response.failed\ndata: ${JSON.stringify(upstreamFailed)}\n\n`,
    );
    const events = parseResponsesSse(await streamText('openai/gpt-5.5'));
    expect(events.map((event) => event.event).slice(-2)).toEqual(['error', 'response.failed']);
    expect(failureOf(events)).toEqual({ code: 'server_error', message: 'The server had an error' });
    expect(seen.ends().at(-1)).toMatchObject({ outcome: 'error', error: { message: 'The server had an error' } });
  });

  test('response.incomplete: the SDK gets status incomplete; telemetry ok with the reason and usage from it; the log has the call', async () => {
    const last = CALL.at(-1)!
      .replace(/response\.completed/g, 'response.incomplete')
      .replace('"status":"completed","model"', '"status":"incomplete","model"')
      .replace('"incomplete_details":null', '"incomplete_details":{"reason":"max_output_tokens"}');
    openrouter.handler = (_request, res) => sendFrames(res, [...CALL.slice(0, -1), last]);
    const { final } = await sdkViews('openrouter/openai/gpt-5.5');
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(seen.ends().at(-1)).toMatchObject({
      outcome: 'ok',
      finishReason: 'max_output_tokens',
      usage: { promptTokens: 1180, completionTokens: 19 },
    });
    expect(seen.records.at(-1)).toMatchObject({ finishReason: 'max_output_tokens', response: { toolCalls: [{ name: 'exec_command' }] } });
  });

  test('a whole answer whose output holds items or parts that are no object passes through as sent; telemetry reads the rest', async () => {
    const answer = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: 'gpt-5.5',
      output: [null, { type: 'message', role: 'assistant', content: [null, { type: 'output_text', text: 'Hi' }] }],
      usage: { input_tokens: 3, output_tokens: 7, total_tokens: 10 },
    };
    openai.handler = (_request, res) => sendJson(res, 200, answer);
    // The SDK throws on such an answer itself, so it is read raw.
    const response = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-5.5', input: 'hi' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { output: unknown }).output).toEqual(answer.output);
    await waitUntil(() => seen.records.length > 0, 2000, 'the conversation record');
    expect(seen.ends()).toEqual([
      expect.objectContaining({ outcome: 'ok', finishReason: 'completed', usage: expect.objectContaining({ totalTokens: 10 }) as unknown }),
    ]);
    expect(seen.records).toEqual([expect.objectContaining({ response: expect.objectContaining({ text: 'Hi' }) as unknown })]);
  });

  test.each([
    ['CRLF line endings', (res: ServerResponse) => sendText(res, { 'content-type': 'text/event-stream' }, CALL.join('').replace(/\n/g, '\r\n'))],
    [
      'gzip despite identity',
      (res: ServerResponse) => sendText(res, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }, gzipSync(CALL.join(''))),
    ],
    ['no content type', (res: ServerResponse) => sendText(res, {}, CALL.join(''))],
    ['labelled application/json', (res: ServerResponse) => sendText(res, { 'content-type': 'application/json' }, CALL.join(''))],
  ])('a stream with %s reaches the client as OpenAI writes one, with usage in telemetry', async (_what, answer) => {
    local.handler = (_request, res) => answer(res);
    // Passed on byte for byte: CRLF line endings stay (DESIGN section 9), which SSE readers take.
    const events = parseResponsesSse((await streamText('local/qwen')).replace(/\r\n/g, '\n'));
    expect(events.at(-1)!.event).toBe('response.completed');
    const { final } = await sdkViews('local/qwen');
    expect(final.status).toBe('completed');
    expect(seen.ends().map((end) => end.usage?.totalTokens)).toEqual([1199, 1199, 1199]);
  });
});

function sendText(res: ServerResponse, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(200, headers);
  res.end(body);
}
