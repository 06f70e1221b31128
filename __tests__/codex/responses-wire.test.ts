/**
 * The fakes' Responses API (`__tests__/support/responses-wire.ts`): OpenAI's on `/v1/responses`,
 * OpenRouter's on `/api/v1/responses`, next to their chat completions. The router's Responses
 * tests and the Codex CLI harness stand on it, so it is held to answering as the API does.
 */
import { fixtureJson, fixtureText, sseFrames } from '../support/fixtures';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { postJson, rawRequest, type RawResponse } from '../support/http-client';
import { chatBody } from '../support/request-bodies';
import { parseResponsesSse, responsesStreamResult } from '../support/responses-stream';
import {
  commandAskedFor,
  OPENROUTER_KEEPALIVE,
  RESPONSES_FIXTURE_TEXT,
  RESPONSES_FIXTURES,
  responsesFrames,
  responsesObject,
} from '../support/responses-wire';
import { scriptedResponsesApi, type ScriptedItem } from '../support/responses-items';

let openai: FakeUpstream;
let openrouter: FakeUpstream;

beforeAll(async () => {
  [openai, openrouter] = await startFakeUpstreams('openai', 'openrouter');
});
afterEach(() => [openai, openrouter].forEach((fake) => fake.reset()));
afterAll(() => Promise.all([openai, openrouter].map((fake) => fake.close())));

const AUTH = { authorization: 'Bearer sk-test-0123456789' };

function post(fake: FakeUpstream, body: unknown, headers: Record<string, string> = AUTH): Promise<RawResponse> {
  return postJson(`${fake.baseUrl}/responses`, body, { headers });
}

function errorOf(res: RawResponse): { message: string; type: string; param: string | null; code: string | null } {
  return (JSON.parse(res.text) as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
}

/** Codex's recorded first request with its prompt replaced by `prompt`. */
function codexRequest(prompt: string): Record<string, unknown> {
  const body = fixtureJson('codex-request.json');
  const input = body.input as Array<{ content: Array<{ text: string }> }>;
  input[input.length - 1]!.content[0]!.text = prompt;
  return body;
}

const simple = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: 'gpt-5.5', input: 'Say hello.', stream: true, ...extra });

describe('streamed answers', () => {
  test.each([
    ['openai', () => openai, ''],
    ['openrouter', () => openrouter, OPENROUTER_KEEPALIVE],
  ])('%s: a text answer is the recorded text stream, byte for byte', async (_name, fake, before) => {
    const res = await post(fake(), simple());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.text).toBe(before + fixtureText(RESPONSES_FIXTURES.text));
    const result = responsesStreamResult(parseResponsesSse(res.text, { comments: true }));
    expect(result).toMatchObject({ terminal: 'response.completed', text: RESPONSES_FIXTURE_TEXT, functionCalls: [] });
    expect(fake().speaksResponses(fake().requests[0]!)).toBe(true);
    expect(fake().dialectOf(fake().requests[0]!)).toBe('chat');
  });

  test("Codex's recorded requests are accepted: the first one answered with text", async () => {
    for (const name of ['codex-request.json', 'codex-request-unlisted-model.json']) {
      const res = await post(openai, fixtureJson(name));
      expect([name, res.status]).toEqual([name, 200]);
      expect(responsesStreamResult(parseResponsesSse(res.text)).text).toBe(RESPONSES_FIXTURE_TEXT);
    }
  });

  test('a user message asking to run a command is answered with a function_call to exec_command running it', async () => {
    const res = await post(openai, codexRequest('Run `echo tool-ran-ok` in the shell.'));
    expect(res.status).toBe(200);
    const events = parseResponsesSse(res.text);
    const result = responsesStreamResult(events);
    expect(result.terminal).toBe('response.completed');
    expect(result.functionCalls).toEqual([{ name: 'exec_command', call_id: 'call_Xy12Ab34Cd56', arguments: '{"cmd":"echo tool-ran-ok"}' }]);
    // Every event that carries the call carries the new one: deltas, the .done event, the done item, the response.
    const deltas = events.filter((e) => e.event === 'response.function_call_arguments.delta').map((e) => e.data.delta as string);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('{"cmd":"echo tool-ran-ok"}');
    expect(events.find((e) => e.event === 'response.function_call_arguments.done')!.data.arguments).toBe('{"cmd":"echo tool-ran-ok"}');
    expect(result.response!.output).toEqual(result.items);
    expect(res.text).not.toContain('ls -la');
  });

  test('after the tool output comes back (the last item a function_call_output), the answer is text again', async () => {
    const res = await post(openrouter, fixtureJson('codex-request-tool-turn.json'));
    expect(res.status).toBe(200);
    expect(res.text).toBe(OPENROUTER_KEEPALIVE + fixtureText(RESPONSES_FIXTURES.text));
  });

  test.each([
    ['Run `echo tool-ran-ok` in the shell.', 'echo tool-ran-ok'],
    ['run echo hi', 'echo hi'],
    ['Please execute "ls -la" in a terminal!', 'ls -la'],
    ['Run the command pwd.', 'pwd'],
    ['Say hello.', undefined],
    ["Don't run anything.", undefined],
  ])('commandAskedFor(%j) is %j', (prompt, command) => {
    expect(commandAskedFor({ input: prompt })).toBe(command);
    expect(commandAskedFor({ input: [{ role: 'user', content: [{ type: 'input_text', text: prompt }] }] })).toBe(command);
  });

  test('only a user message counts as asking', () => {
    expect(commandAskedFor({ input: [{ type: 'message', role: 'developer', content: 'Run ls.' }] })).toBeUndefined();
    expect(
      commandAskedFor({
        input: [
          { type: 'message', role: 'user', content: 'Run ls.' },
          { type: 'reasoning', summary: [] },
        ],
      }),
    ).toBeUndefined();
  });
});

describe('non-streamed answers', () => {
  test('a response object: the completed response of the same answer', async () => {
    const res = await post(openai, simple({ stream: false }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toMatchObject({ object: 'response', status: 'completed', error: null, usage: { input_tokens: 1204, output_tokens: 38 } });
    expect(body.output).toEqual([expect.objectContaining({ type: 'reasoning' }), expect.objectContaining({ type: 'message' })]);

    const call = await post(openrouter, { model: 'openai/gpt-5.5', input: 'Run `echo hi` in the shell.' });
    expect((JSON.parse(call.text) as { output: unknown[] }).output).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"echo hi"}', status: 'completed' }),
    ]);
  });
});

describe('the builders for scripted answers', () => {
  test('unchanged answers are the fixtures', () => {
    expect(responsesFrames({ type: 'text' })).toEqual(sseFrames(RESPONSES_FIXTURES.text));
    expect(responsesFrames({ type: 'function_call' })).toEqual(sseFrames(RESPONSES_FIXTURES.functionCall));
    expect(responsesFrames({ type: 'failed' }, 'openrouter')).toEqual([OPENROUTER_KEEPALIVE, ...sseFrames(RESPONSES_FIXTURES.failed)]);
  });

  test('a given text is written into every event that carries it', () => {
    const text = 'Saw: tool-ran-ok';
    const events = parseResponsesSse(responsesFrames({ type: 'text', text }).join(''));
    const deltas = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta as string);
    expect(deltas.join('')).toBe(text);
    const result = responsesStreamResult(events);
    expect(result.text).toBe(text);
    expect(result.response!.output).toEqual(result.items);
    expect(JSON.stringify(events)).not.toContain(RESPONSES_FIXTURE_TEXT);
  });

  test('a given call: name, call_id and arguments everywhere', () => {
    const answer = { type: 'function_call', name: 'shell', callId: 'call_9', arguments: '{"command":["ls"]}' } as const;
    const result = responsesStreamResult(parseResponsesSse(responsesFrames(answer).join('')));
    expect(result.functionCalls).toEqual([{ name: 'shell', call_id: 'call_9', arguments: '{"command":["ls"]}' }]);
    expect(responsesObject(answer).output).toEqual(result.items);
    expect(() => responsesObject({ type: 'failed' })).toThrow();
  });

  test('the failed stream ends with response.failed and its error', () => {
    const result = responsesStreamResult(parseResponsesSse(responsesFrames({ type: 'failed' }).join('')));
    expect(result.terminal).toBe('response.failed');
    expect(result.response!.error).toEqual({ code: 'server_error', message: 'The model produced invalid content.' });
  });
});

describe('requests the API refuses', () => {
  test.each<[string, Record<string, unknown>, number, Partial<ReturnType<typeof errorOf>>]>([
    ['max_tokens (moved to max_output_tokens)', simple({ max_tokens: 100 }), 400, { param: 'max_tokens', code: 'unsupported_parameter' }],
    [
      'messages (chat completions)',
      { model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] },
      400,
      { param: 'messages', code: 'unsupported_parameter' },
    ],
    ['response_format (moved to text.format)', simple({ response_format: { type: 'json_object' } }), 400, { param: 'response_format' }],
    ['an unknown parameter', simple({ frobnicate: true }), 400, { param: 'frobnicate', code: 'unknown_parameter' }],
    ['no input', { model: 'gpt-5.5' }, 400, { param: 'input', code: 'missing_required_parameter' }],
    ['no model', { input: 'hi' }, 400, { param: 'model', code: 'missing_required_parameter' }],
    ['an empty input', simple({ input: [] }), 400, { param: 'input' }],
    [
      'a chat-style (nested) function tool',
      simple({ tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
      400,
      { param: 'tools[0].name' },
    ],
    [
      'a function_call_output without its call',
      simple({
        input: [
          { role: 'user', content: 'hi' },
          { type: 'function_call_output', call_id: 'call_1', output: 'x' },
        ],
      }),
      400,
      { param: 'input', message: 'No tool call found for function call output with call_id call_1.' },
    ],
    [
      'an assistant message with input_text',
      simple({ input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'x' }] }] }),
      400,
      { param: 'input[0].content[0].type' },
    ],
    ['a chat role', simple({ input: [{ role: 'tool', content: 'x' }] }), 400, { param: 'input[0].role' }],
    ['previous_response_id', simple({ previous_response_id: 'resp_1' }), 400, { param: 'previous_response_id', code: 'previous_response_not_found' }],
    ['an item_reference (nothing is stored)', simple({ input: [{ type: 'item_reference', id: 'msg_1' }] }), 404, { param: 'input' }],
  ])('OpenAI: %s', async (_name, body, status, error) => {
    const res = await post(openai, body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(errorOf(res)).toMatchObject({ type: 'invalid_request_error', ...error });
  });

  test('the refusals name what to use instead', async () => {
    expect(errorOf(await post(openai, simple({ max_tokens: 1 }))).message).toBe(
      "Unsupported parameter: 'max_tokens'. In the Responses API, this parameter has moved to 'max_output_tokens'.",
    );
  });

  test('OpenRouter is stateless: previous_response_id, conversation, item_reference and background are 400s', async () => {
    for (const body of [
      simple({ previous_response_id: 'resp_1' }),
      simple({ conversation: 'conv_1' }),
      simple({ background: true }),
      simple({ input: [{ type: 'item_reference', id: 'msg_1' }] }),
    ]) {
      const res = await post(openrouter, body);
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('unsupported_parameter');
    }
    // Its own routing fields are fine.
    expect((await post(openrouter, simple({ provider: { order: ['openai'] }, models: ['openai/gpt-5.5'] }))).status).toBe(200);
    expect((await post(openai, simple({ provider: { order: ['openai'] } }))).status).toBe(400);
  });

  test('no Bearer token is a 401', async () => {
    const res = await post(openai, simple(), {});
    expect(res.status).toBe(401);
    expect(errorOf(res).message).toMatch(/API key/);
    expect((await post(openrouter, simple(), { 'x-api-key': 'k' })).status).toBe(401);
  });

  test('retrieval and compaction are 404s (the fakes store nothing); other paths are not the Responses API', async () => {
    expect((await rawRequest({ url: `${openai.baseUrl}/responses/resp_1`, method: 'GET', headers: AUTH })).status).toBe(404);
    expect((await postJson(`${openai.baseUrl}/responses/compact`, simple(), { headers: AUTH })).status).toBe(404);
    expect(openai.speaksResponses(openai.requests[1]!)).toBe(true);
    // OpenRouter's API lives under /api/v1 only.
    const wrongPrefix = await postJson(`${openrouter.baseUrl.replace('/api/v1', '/v1')}/responses`, simple(), { headers: AUTH });
    expect(wrongPrefix.status).toBe(404);
    expect(openrouter.speaksResponses(openrouter.requests[0]!)).toBe(false);
  });
});

test('the same fakes still serve chat completions and the model list', async () => {
  for (const fake of [openai, openrouter]) {
    const chat = await postJson(`${fake.baseUrl}/chat/completions`, chatBody('gpt-4o'));
    expect(chat.status).toBe(200);
    expect((JSON.parse(chat.text) as { object: string }).object).toBe('chat.completion');
    expect((await rawRequest({ url: `${fake.baseUrl}/models`, method: 'GET' })).status).toBe(200);
    expect(fake.speaksResponses(fake.requests[0]!)).toBe(false);
  }
});

describe('parseResponsesSse, the strict reader of Responses streams', () => {
  const text = fixtureText(RESPONSES_FIXTURES.text);
  const frames = sseFrames(RESPONSES_FIXTURES.text);
  const completed = frames[frames.length - 1]!;

  test('reads the recorded streams', () => {
    expect(parseResponsesSse(text).map((e) => e.event)).toContain('response.output_item.done');
    expect(parseResponsesSse('')).toEqual([]);
  });

  test.each([
    ['a frame without its event line', text.replace('event: response.in_progress\n', '')],
    ['data: [DONE] at the end', `${text}data: [DONE]\n\n`],
    ['no terminal event', frames.slice(0, -1).join('')],
    ['two terminal events', text + completed.replace('"sequence_number":14', '"sequence_number":15')],
    ['a gap in sequence_number', frames.filter((_, i) => i !== 3).join('')],
    ['a top-level error key outside an error event', text.replace('"sequence_number":1,', '"sequence_number":1,"error":null,')],
    ['a comment frame (unless allowed)', OPENROUTER_KEEPALIVE + text],
    ['CRLF line endings', text.replace(/\n/g, '\r\n')],
  ])('fails on %s', (_name, stream) => {
    expect(() => parseResponsesSse(stream)).toThrow();
  });
});

describe('a scripted Responses API that refuses what OpenAI refuses in a stateless conversation (responses-items.ts)', () => {
  const turn: ScriptedItem[] = [
    { type: 'reasoning', summary: 'Think.' },
    { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', callId: 'call_1' },
  ];
  beforeEach(() => {
    openai.handler = scriptedResponsesApi('openai', () => turn, { checkItems: true });
  });
  const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] };
  const call = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'exec_command', arguments: '{}' };
  const output = { type: 'function_call_output', call_id: 'call_1', output: 'ok' };
  const stateless = (input: unknown[]): Record<string, unknown> => ({ model: 'gpt-5.5', input, stream: true, store: false });

  test('streams the items, and takes back its own reasoning item with the encrypted content it issued', async () => {
    const first = await post(openai, stateless([user]));
    expect(first.status).toBe(200);
    const done = parseResponsesSse(first.text)
      .filter((event) => event.event === 'response.output_item.done')
      .map((event) => event.data.item as Record<string, unknown>);
    expect(done.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    expect(done[0]!.encrypted_content).toMatch(/^gAAAAAB/);
    expect((await post(openai, stateless([user, done[0], done[1], output]))).status).toBe(200);
  });

  test.each([
    ['an id without its type prefix', [user, { ...call, id: 'toolu_1' }, output], 400, "Expected an ID that begins with 'fc'"],
    [
      'encrypted content it did not issue',
      [user, { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'epr1.x' }, call, output],
      400,
      'could not be verified',
    ],
    [
      'a reasoning item without encrypted content under store: false',
      [user, { type: 'reasoning', id: 'rs_2', summary: [] }, call, output],
      404,
      'Items are not persisted',
    ],
    ['a call_id over 64 characters', [user, { ...call, call_id: 'c'.repeat(65) }, { ...output, call_id: 'c'.repeat(65) }], 400, 'string too long'],
  ])('refuses %s', async (_name, input, status, message) => {
    const res = await post(openai, stateless(input));
    expect(res.status).toBe(status);
    expect(errorOf(res).message).toContain(message);
  });
});
