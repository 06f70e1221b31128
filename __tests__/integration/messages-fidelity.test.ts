/**
 * Nothing lost in translation, Messages clients on chat completions providers (DESIGN section 9):
 * what the client sent reaches the provider or is refused with a 400 naming it, and what the
 * provider answered reaches the client, read with the official Anthropic SDK.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { envFor, startHost, type Host } from '../support/host';
import { rejectionOf } from '../support/rejection';
import { chatChunkFrame, chatCompletion } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [openai, openrouter, local] = await startFakeUpstreams('openai', 'openrouter', 'local');
  host = await startHost({ env: { ...envFor({ openai, openrouter, local }), OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: local.baseUrl } });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [openai, openrouter, local].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, openrouter, local].map((fake) => fake.close()));
});

const client = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
/** The final message of a Messages stream from openai/gpt-4o (translated from the fake's chat stream), asked to "go". */
const streamedFromGpt4o = (): Promise<Anthropic.Message> =>
  client()
    .messages.stream({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] })
    .finalMessage();
const PDF = Buffer.from('%PDF-1.4 a tiny document').toString('base64');

function lastBody(fake: FakeUpstream): Record<string, unknown> & { messages: Array<Record<string, unknown>> } {
  const body = fake.requests.at(-1)?.body;
  if (!body) throw new Error(`${fake.kind} received no request`);
  return body as Record<string, unknown> & { messages: Array<Record<string, unknown>> };
}

function chunk(
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
  choice: Record<string, unknown> = {},
): string {
  return chatChunkFrame({ id: 'chatcmpl-1', created: 1, model: 'm' }, delta, finish, { extra, choice });
}

/** POSTs `body` as JSON to the host's `/v1{path}`. */
function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${host.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A non-streamed chat completion whose choice 0 says `content` and ends with `finish`. */
function completionAnswer(content: string, finish: string, extra: Record<string, unknown> = {}): (request: unknown, res: ServerResponse) => void {
  return (_request, res) =>
    sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
      ...extra,
    });
}

function streamOf(frames: string[]): (request: unknown, res: ServerResponse) => void {
  return (_request, res) => sendFrames(res, [...frames, 'data: [DONE]\n\n']);
}

/** The router's raw Messages SSE for a streamed request, for checks on block order. */
async function rawMessagesStream(model: string): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const response = await post('/messages', { model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] });
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return {
        event: (eventLine ?? '').slice('event: '.length),
        data: JSON.parse((dataLine ?? '').slice('data: '.length)) as Record<string, unknown>,
      };
    });
}

/** Fails when any delta follows its block's stop, or a block starts before the previous one stopped. */
function expectSequentialBlocks(frames: Array<{ event: string; data: Record<string, unknown> }>): void {
  let open: number | undefined;
  const stopped = new Set<number>();
  for (const { event, data } of frames) {
    const index = data.index as number;
    if (event === 'content_block_start') {
      expect(open).toBeUndefined();
      open = index;
    } else if (event === 'content_block_delta') {
      expect(stopped.has(index)).toBe(false);
      expect(index).toBe(open);
    } else if (event === 'content_block_stop') {
      expect(index).toBe(open);
      stopped.add(index);
      open = undefined;
    }
  }
  expect(open).toBeUndefined();
}

describe('documents reach the provider', () => {
  test('a turn holding only a base64 PDF reaches OpenAI as a file part, not as no message', async () => {
    await client().messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [
        { role: 'user', content: [{ type: 'document', title: 'report.pdf', source: { type: 'base64', media_type: 'application/pdf', data: PDF } }] },
      ],
    });
    expect(lastBody(openai).messages).toEqual([
      { role: 'user', content: [{ type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF}` } }] },
    ]);
  });

  test('a text document becomes text with its title first, and an untitled PDF is document.pdf', async () => {
    await client().messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', title: 'Notes', source: { type: 'text', media_type: 'text/plain', data: 'Buy milk.' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
            { type: 'text', text: 'Summarize.' },
          ],
        },
      ],
    });
    expect(lastBody(openai).messages[0]?.content).toEqual([
      { type: 'text', text: 'Notes\nBuy milk.' },
      { type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
      { type: 'text', text: 'Summarize.' },
    ]);
  });

  test('a URL document goes to OpenRouter, which fetches it, and is refused for OpenAI with a 400 naming it', async () => {
    const params = {
      max_tokens: 100,
      messages: [
        { role: 'user' as const, content: [{ type: 'document' as const, source: { type: 'url' as const, url: 'https://example.com/a.pdf' } }] },
      ],
    };
    await client().messages.create({ ...params, model: 'openrouter/anthropic/claude-3.5-sonnet' });
    expect(lastBody(openrouter).messages[0]?.content).toEqual([
      { type: 'file', file: { filename: 'document.pdf', file_data: 'https://example.com/a.pdf' } },
    ]);

    const error = await rejectionOf(client().messages.create({ ...params, model: 'openai/gpt-4o' }), Anthropic.APIError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/messages\[0\]\.content\[0\].*document.*url/) },
    });
    expect(openai.requests).toHaveLength(0);
  });

  test('images and documents in a tool_result open the user message after the tool message; is_error marks the text', async () => {
    await client().messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Look at the file.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.pdf' } }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              is_error: true,
              content: [
                { type: 'text', text: 'partly unreadable' },
                { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              ],
            },
            { type: 'text', text: 'What does it say?' },
          ],
        },
      ],
    });
    const messages = lastBody(openai).messages;
    expect(messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Error: partly unreadable' },
      {
        role: 'user',
        content: [
          { type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'What does it say?' },
        ],
      },
    ]);
  });

  test('a block with no chat equivalent is a 400 naming its type, and nothing is sent', async () => {
    const response = await post('/messages', {
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'search_result', source: 'x', title: 't', content: [] }] }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('search_result') },
    });
    expect(openai.requests).toHaveLength(0);
  });

  test.each([
    [
      'the top-level system',
      {
        system: [
          { type: 'text', text: 'Be brief.' },
          { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
        ],
      },
      'system[1]',
    ],
    [
      'a system message inside messages',
      {
        messages: [
          { role: 'system', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] },
          { role: 'user', content: 'hi' },
        ],
      },
      'messages[0].content[0]',
    ],
  ])('a block that is not text in %s is a 400 naming it, and nothing is sent', async (_where, fields, named) => {
    const response = await post('/messages', { model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...fields });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { type: string; message: string } };
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(named);
    expect(openai.requests).toHaveLength(0);
  });
});

describe('the shape of the conversation', () => {
  test('an assistant turn of thinking alone reaches the provider as an assistant message with its reasoning_content', async () => {
    await client().messages.create({
      model: 'openai/gpt-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Think about it.' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Nothing to say yet.', signature: 'epr1.abc' }] },
        { role: 'user', content: 'Now answer.' },
      ],
    });
    expect(lastBody(openai).messages).toEqual([
      { role: 'user', content: 'Think about it.' },
      { role: 'assistant', content: '', reasoning_content: 'Nothing to say yet.' },
      { role: 'user', content: 'Now answer.' },
    ]);
  });

  test('tool call ids over 40 characters, which OpenAI refuses, reach it short, the same in every turn, each call with its result', async () => {
    // Ids the router made when it replaced another provider's (Kimi's `functions.Bash:0`, carried).
    const first = `toolu_eprAbCdEfgHiJkLmN${Buffer.from('functions.Bash:0').toString('base64url')}`;
    const second = `toolu_eprAbCdEfgHiJkLmN${Buffer.from('functions.Bash:1').toString('base64url')}`;
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'List the files twice.' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: first, name: 'Bash', input: { command: 'ls' } },
          { type: 'tool_use', id: second, name: 'Bash', input: { command: 'ls -a' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: first, content: 'a.txt' },
          { type: 'tool_result', tool_use_id: second, content: '.git a.txt' },
        ],
      },
    ];
    const sentIds = async (model: string, fake: FakeUpstream): Promise<{ calls: string[]; results: string[] }> => {
      const answer = await client().messages.create({ model, max_tokens: 100, messages });
      expect(answer.content[0]).toMatchObject({ type: 'text' });
      const sent = lastBody(fake).messages;
      const calls = (sent[1]!.tool_calls as Array<{ id: string }>).map((call) => call.id);
      return { calls, results: sent.slice(2).map((message) => message.tool_call_id as string) };
    };
    expect(first.length).toBeGreaterThan(40);

    const toOpenAI = await sentIds('openai/gpt-4o', openai);
    expect(toOpenAI.calls.every((id) => id.length <= 40)).toBe(true);
    expect(new Set(toOpenAI.calls).size).toBe(2);
    expect(toOpenAI.results).toEqual(toOpenAI.calls);
    // The next turn sends the conversation again: the same ids, so OpenAI sees one history.
    expect(await sentIds('openai/gpt-4o', openai)).toEqual(toOpenAI);
    // Providers that take them get the ids as the client sent them.
    expect(await sentIds('openrouter/openai/gpt-4o', openrouter)).toEqual({ calls: [first, second], results: [first, second] });
  });
});

describe('request fields each provider takes', () => {
  test('top_k reaches llama-server and OpenRouter, not OpenAI; OpenAI gets max_completion_tokens', async () => {
    const params = { max_tokens: 100, top_k: 40, messages: [{ role: 'user' as const, content: 'hi' }] };
    await client().messages.create({ ...params, model: 'groq/llama' });
    expect(lastBody(local)).toMatchObject({ top_k: 40, max_tokens: 100 });
    await client().messages.create({ ...params, model: 'openrouter/meta/llama' });
    expect(lastBody(openrouter)).toMatchObject({ top_k: 40, max_tokens: 100 });
    await client().messages.create({ ...params, model: 'openai/gpt-5' });
    expect(lastBody(openai)).not.toHaveProperty('top_k');
    expect(lastBody(openai)).not.toHaveProperty('max_tokens');
    expect(lastBody(openai).max_completion_tokens).toBe(100);
  });

  test('requestStreamUsage: false sends no stream_options on /messages', async () => {
    const quiet = await startHost({ env: envFor({ openai }), requestStreamUsage: false });
    try {
      await new Anthropic({ apiKey: 'x', baseURL: quiet.url, maxRetries: 0 }).messages
        .stream({ model: 'openai/gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
        .finalMessage();
      expect(lastBody(openai).stream).toBe(true);
      expect(lastBody(openai)).not.toHaveProperty('stream_options');
    } finally {
      await quiet.close();
    }
  });
});

describe('streamed answers as Claude Code reads them', () => {
  const callA = (extra: Record<string, unknown>) => ({ index: 0, ...extra });
  const callB = (extra: Record<string, unknown>) => ({ index: 1, ...extra });

  test('parallel calls interleaved by index arrive as whole, sequential blocks with their full inputs', async () => {
    openai.handler = streamOf([
      chunk({ role: 'assistant', content: '' }),
      chunk({ tool_calls: [callA({ id: 'call_a', type: 'function', function: { name: 'Read', arguments: '' } })] }),
      chunk({ tool_calls: [callB({ id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"comm' } })] }),
      chunk({ tool_calls: [callA({ function: { arguments: '{"path":' } })] }),
      chunk({ tool_calls: [callB({ function: { arguments: 'and":"ls"}' } })] }),
      chunk({ tool_calls: [callA({ function: { arguments: '"/a"}' } })] }),
      chunk({}, 'tool_calls'),
    ]);
    const message = await streamedFromGpt4o();
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { path: '/a' } },
      { type: 'tool_use', id: 'call_b', name: 'Bash', input: { command: 'ls' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expectSequentialBlocks(await rawMessagesStream('openai/gpt-4o'));
  });

  test('two calls announced in one chunk, their arguments after, each keep their input', async () => {
    openai.handler = streamOf([
      chunk({
        tool_calls: [
          callA({ id: 'call_a', type: 'function', function: { name: 'Read', arguments: '' } }),
          callB({ id: 'call_b', type: 'function', function: { name: 'Read', arguments: '' } }),
        ],
      }),
      chunk({ tool_calls: [callA({ function: { arguments: '{"path":"/a"}' } })] }),
      chunk({ tool_calls: [callB({ function: { arguments: '{"path":"/b"}' } })] }),
      chunk({}, 'tool_calls'),
    ]);
    const message = await streamedFromGpt4o();
    expect(message.content.map((block) => (block.type === 'tool_use' ? block.input : block))).toEqual([{ path: '/a' }, { path: '/b' }]);
    expectSequentialBlocks(await rawMessagesStream('openai/gpt-4o'));
  });

  test('a call whose id and name come after its first argument piece is one tool_use block', async () => {
    openai.handler = streamOf([
      chunk({ tool_calls: [callA({ function: { arguments: '{"path"' } })] }),
      chunk({ tool_calls: [callA({ id: 'call_late', type: 'function', function: { arguments: ':"/a"}' } })] }),
      chunk({ tool_calls: [callA({ function: { name: 'Read' } })] }),
      chunk({}, 'tool_calls'),
    ]);
    const message = await streamedFromGpt4o();
    expect(message.content).toEqual([{ type: 'tool_use', id: 'call_late', name: 'Read', input: { path: '/a' } }]);
  });

  test('a call that never gets a name fails the stream, and telemetry says error', async () => {
    openai.handler = streamOf([chunk({ tool_calls: [callA({ id: 'call_x', function: { arguments: '{}' } })] }), chunk({}, 'tool_calls')]);
    const failure = await streamedFromGpt4o().catch((caught: unknown) => caught);
    expect(String(failure)).toMatch(/without a name/);
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
  });

  test('text that arrives while a tool block is open follows it in its own block', async () => {
    openai.handler = streamOf([
      chunk({ tool_calls: [callA({ id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path"' } })] }),
      chunk({ content: 'Reading it now.' }),
      chunk({ tool_calls: [callA({ function: { arguments: ':"/a"}' } })] }),
      chunk({}, 'tool_calls'),
    ]);
    const message = await streamedFromGpt4o();
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { path: '/a' } },
      { type: 'text', text: 'Reading it now.' },
    ]);
    expectSequentialBlocks(await rawMessagesStream('openai/gpt-4o'));
  });

  test('a streamed refusal reaches the client as text with stop_reason refusal', async () => {
    openai.handler = streamOf([
      chunk({ role: 'assistant', refusal: "I can't help " }),
      chunk({ refusal: 'with that.' }),
      chunk({}, 'content_filter'),
    ]);
    const message = await streamedFromGpt4o();
    expect(message.content).toEqual([{ type: 'text', text: "I can't help with that." }]);
    expect(message.stop_reason).toBe('refusal');
  });

  test('with n: 2 only choice 0 is translated, streamed and not', async () => {
    const both = (delta0: string, delta1: string) =>
      `data: ${JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [
          { index: 1, delta: { content: delta1 }, finish_reason: null },
          { index: 0, delta: { content: delta0 }, finish_reason: null },
        ],
      })}\n\n`;
    openai.handler = streamOf([both('first', 'SECOND'), chunk({ content: ' answer' }), chunk({}, 'stop')]);
    const streamed = await streamedFromGpt4o();
    expect(streamed.content).toEqual([{ type: 'text', text: 'first answer' }]);

    openai.handler = (_request, res) =>
      sendJson(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [
          { index: 1, message: { role: 'assistant', content: 'SECOND' }, finish_reason: 'stop' },
          { index: 0, message: { role: 'assistant', content: 'first' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      });
    const whole = await client().messages.create({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] });
    expect(whole.content).toEqual([{ type: 'text', text: 'first' }]);
  });
});

describe("a provider's error sent with a 200", () => {
  const failedGeneration = { error: { code: 502, message: 'Provider returned error: upstream overloaded' } };

  test('reaches a Messages client as that error, not an empty message, and telemetry says error', async () => {
    openrouter.handler = (_request, res) => sendJson(res, 200, failedGeneration);
    const error = await rejectionOf(
      client().messages.create({ model: 'openrouter/meta/llama', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      Anthropic.APIError,
    );
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: 'Provider returned error: upstream overloaded' } });
    expect(ends.at(-1)).toMatchObject({ provider: 'openrouter', status: 502, outcome: 'error' });
  });

  const askOpenRouter = () =>
    rejectionOf(
      client().messages.create({ model: 'openrouter/meta/llama', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      Anthropic.APIError,
    );
  const partial = { role: 'assistant', content: 'partial' };

  test.each([
    ['finish_reason "error"', {}, /finish_reason "error"/],
    ["an error on the choice (OpenRouter's shape)", { error: { code: 502, message: 'Provider disconnected' } }, /Provider disconnected/],
  ])('an answer the provider ended with %s reaches a Messages client as an error, not a whole-looking end_turn', async (_case, choice, message) => {
    openrouter.handler = (_request, res) => sendJson(res, 200, chatCompletion(partial, 'error', choice));
    const error = await askOpenRouter();
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(message) } });
    expect(ends.at(-1)).toMatchObject({ provider: 'openrouter', status: 502, outcome: 'error' });
  });

  test("an error on the answer's choice keeps its own 4xx status, as an error sent instead of an answer does", async () => {
    openrouter.handler = (_request, res) =>
      sendJson(res, 200, chatCompletion(partial, 'error', { error: { code: 429, message: 'Rate limited mid-generation' } }));
    const error = await askOpenRouter();
    expect(error.status).toBe(429);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited mid-generation' } });
  });

  test("streamed, an error on the last chunk's choice ends the stream with an error event, not message_stop", async () => {
    openrouter.handler = streamOf([chunk({ content: 'partial' }), chunk({}, 'stop', {}, { error: { code: 502, message: 'Provider died' } })]);
    const text = await (
      await post('/messages', { model: 'openrouter/meta/llama', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] })
    ).text();
    expect(text).toContain('event: error');
    expect(text).toContain('Provider died');
    expect(text).not.toContain('message_stop');
    expect(ends.at(-1)).toMatchObject({ provider: 'openrouter', outcome: 'error' });
  });

  test('streamed, the code of an error on the choice types the error event, as it types an error beside the choices', async () => {
    openrouter.handler = streamOf([chunk({ content: 'partial' }), chunk({}, 'error', {}, { error: { code: 429, message: 'slow down' } })]);
    const events = await rawMessagesStream('openrouter/meta/llama');
    expect(events.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
  });

  test('a chat answer passed through with an error on its choice reaches the client as sent, and telemetry says error', async () => {
    const failed = chatCompletion(partial, 'error', { error: { code: 429, message: 'slow down' } });
    openrouter.handler = (_request, res) => sendJson(res, 200, failed);
    const response = await post('/chat/completions', { model: 'openrouter/meta/llama', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(failed);
    expect(ends.at(-1)).toMatchObject({ status: 200, outcome: 'error', error: { message: 'slow down', type: 'rate_limit_error' } });
  });

  test('reaches a chat client with its own 4xx status, and telemetry says error', async () => {
    openrouter.handler = (_request, res) => sendJson(res, 200, { error: { code: '429', message: 'Rate limited upstream' } });
    const response = await post('/chat/completions', { model: 'openrouter/meta/llama', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { message: 'Rate limited upstream' } });
    expect(ends.at(-1)).toMatchObject({ status: 429, outcome: 'error' });
  });
});

describe('server tools', () => {
  test.each(['openai/gpt-4o', 'openrouter/anthropic/claude-3.5-sonnet'])(
    'a server tool for %s is a 400 naming it, and nothing is sent',
    async (model) => {
      const error = await rejectionOf(
        client().messages.create({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'search the news' }],
          tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
        }),
        Anthropic.APIError,
      );
      expect(error.status).toBe(400);
      expect(error.error).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringContaining('web_search_20250305') as unknown },
      });
      expect(openai.requests).toHaveLength(0);
      expect(openrouter.requests).toHaveLength(0);
    },
  );
});

describe('a turn reported as tool_calls with no tool call (a tool-call parser that failed upstream)', () => {
  const frames = [chunk({ role: 'assistant', content: 'I will call' }), chunk({}, 'tool_calls')];

  test('streamed: the text arrives and the turn ends in end_turn, not a tool_use with no block', async () => {
    openai.handler = streamOf(frames);
    const events = await rawMessagesStream('openai/gpt-4o');
    expect(events.filter((e) => e.event === 'content_block_start').map((e) => (e.data.content_block as { type: string }).type)).toEqual(['text']);
    expect(events.find((e) => e.event === 'message_delta')?.data).toMatchObject({ delta: { stop_reason: 'end_turn' } });
  });

  test('not streamed: the same', async () => {
    openai.handler = completionAnswer('I will call', 'tool_calls');
    const message = await client().messages.create({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] });
    expect(message).toMatchObject({ content: [{ type: 'text', text: 'I will call' }], stop_reason: 'end_turn' });
  });
});

describe('message ids', () => {
  test("are the router's own, unique per answer, though the provider repeats its completion id (Claude Code merges messages that share one)", async () => {
    // completionAnswer and chunk() send the same id, chatcmpl-1, every time, as some servers do.
    openai.handler = completionAnswer('Hello', 'stop');
    const ask = { model: 'openai/gpt-4o', max_tokens: 10, messages: [{ role: 'user' as const, content: 'hi' }] };
    const ids = [(await client().messages.create(ask)).id, (await client().messages.create(ask)).id];
    openai.handler = streamOf([chunk({ role: 'assistant', content: 'Hello' }), chunk({}, 'stop')]);
    ids.push((await client().messages.stream(ask).finalMessage()).id, (await client().messages.stream(ask).finalMessage()).id);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

describe('structured output (output_config.format, the SDK messages.parse)', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

  test('goes to a chat provider as response_format json_schema, and the SDK parses the answer', async () => {
    openai.handler = completionAnswer('{"city":"Oslo"}', 'stop');
    const message = await client().messages.parse({
      model: 'openai/gpt-4o',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Capital of Norway?' }],
      output_config: { format: { type: 'json_schema', schema } },
    });
    expect(message.parsed_output).toEqual({ city: 'Oslo' });
    expect(lastBody(openai).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema } });
  });

  test('a format of another type is a 400 naming it, and nothing is sent', async () => {
    const response = await post('/messages', {
      model: 'openai/gpt-4o',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      output_config: { format: { type: 'regex' } },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('output_config.format');
    expect(openai.requests).toHaveLength(0);
  });
});

describe("the Anthropic SDK's message threads, which only Anthropic keeps", () => {
  test('a thread continued on a chat provider is refused as thread_not_found, and the SDK sends the whole conversation again', async () => {
    openai.handler = completionAnswer('Your name is Ada.', 'stop');
    const thread = client().beta.messages.thread({ model: 'openai/gpt-4o', max_tokens: 50, system: 'Be brief.' });
    await thread.send({ role: 'user', content: 'My name is Ada.' });
    const second = await thread.send({ role: 'user', content: 'What is my name?' });
    expect(second.content).toEqual([{ type: 'text', text: 'Your name is Ada.' }]);
    // The continuation was refused before anything was sent; its replay carried everything.
    expect(openai.requests).toHaveLength(2);
    expect(lastBody(openai).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Your name is Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  test('the refusal names the thread and carries the error_code the SDK reads', async () => {
    const response = await post('/messages', {
      model: 'local/qwen',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'and then?' }],
      thread: { type: 'continue', previous_message_id: 'msg_1' },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: expect.stringContaining('keeps no message threads'), details: { error_code: 'thread_not_found' } },
    });
    expect(local.requests).toHaveLength(0);
  });
});

describe('non-streamed chat answers as some servers shape them, translated', () => {
  const answer = (message: Record<string, unknown>) => (_request: unknown, res: ServerResponse) =>
    sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message, finish_reason: 'stop' }],
    });
  const responses = () => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const textParts = {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Hello ' },
      { type: 'text', text: 'there' },
    ],
  };
  const unnamedCall = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { arguments: '{}' } }] };

  test('content as an array of text parts reaches a Messages and a Responses client as its text', async () => {
    openai.handler = answer(textParts);
    local.handler = answer(textParts);
    const message = await client().messages.create({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there' }]);
    expect((await responses().responses.create({ model: 'groq/m', input: 'hi' })).output_text).toBe('Hello there');
  });

  test('a tool call without a name is a 502 naming the call, as the stream ends in an error: the client could not run it', async () => {
    openai.handler = answer(unnamedCall);
    local.handler = answer(unnamedCall);
    const messages = await post('/messages', { model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(messages.status).toBe(502);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('call_1') } });
    const error = (await responses()
      .responses.create({ model: 'groq/m', input: 'hi' })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(502);
    expect(error.message).toContain('without a name');
  });
});

describe('errors inside a translated Messages stream carry the type Anthropic clients know for them', () => {
  test.each([
    [529, 'overloaded_error'],
    [429, 'rate_limit_error'],
    [503, 'api_error'],
  ])("OpenRouter's in-stream error with code %i: %s", async (code, type) => {
    openrouter.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: 'Hel' }),
        chunk({}, null, { choices: [], error: { code, message: `upstream said ${code}` } }),
      ]);
    const events = await rawMessagesStream('openrouter/meta/llama');
    expect(events.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type, message: `upstream said ${code}` } } });
  });

  test("the router's own idle timeout: timeout_error, as on every other route", async () => {
    const quick = await startHost({ env: { ...envFor({ openai }), PROVIDER_IDLE_TIMEOUT_MS: '300' } });
    try {
      openai.handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunk({ role: 'assistant', content: 'Hel' }));
        // …and then nothing.
      };
      const response = await fetch(`${quick.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] }),
      });
      const text = await response.text();
      expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"timeout_error","message":"The upstream sent nothing for 300 ms/);
    } finally {
      await quick.close();
    }
  });
});

describe("the router's own error frame on a chat stream, after a provider's in-stream error", () => {
  test('an HTTP status as the code gives the OpenAI type of that status, and stays the code', async () => {
    openrouter.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: 'Hel' }),
        chunk({}, null, { choices: [], error: { code: 503, message: 'Upstream overloaded' } }),
      ]);
    const response = await post('/chat/completions', { model: 'openrouter/meta/llama', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame.startsWith('data: {'));
    const routerFrame = JSON.parse(frames.at(-1)!.slice('data: '.length)) as unknown;
    expect(routerFrame).toEqual({ error: { message: 'Upstream overloaded', type: 'server_error', code: '503' } });
  });
});

describe("the provider's cached prompt tokens reach a Messages client as cache_read_input_tokens, those it wrote to the cache as cache_creation_input_tokens", () => {
  // OpenRouter reports the tokens written to the cache as cache_write_tokens.
  const usage = { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 10, cache_write_tokens: 15 } };

  test('not streamed', async () => {
    openai.handler = completionAnswer('Hi', 'stop', { usage });
    const message = await client().messages.create({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] });
    expect(message.usage).toMatchObject({ input_tokens: 25, cache_read_input_tokens: 10, cache_creation_input_tokens: 15, output_tokens: 20 });
  });

  test('streamed', async () => {
    openai.handler = streamOf([
      chunk({ role: 'assistant', content: 'Hi' }),
      chunk({}, 'stop'),
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage })}\n\n`,
    ]);
    const message = await streamedFromGpt4o();
    expect(message.usage).toMatchObject({ input_tokens: 25, cache_read_input_tokens: 10, cache_creation_input_tokens: 15, output_tokens: 20 });
  });
});

describe('more stream usage and error cases', () => {
  test("OpenRouter's in-stream 413: request_too_large", async () => {
    openrouter.handler = (_request, res) =>
      sendFrames(res, [chunk({ role: 'assistant', content: 'Hel' }), chunk({}, null, { choices: [], error: { code: 413, message: 'too large' } })]);
    const events = await rawMessagesStream('openrouter/meta/llama');
    expect(events.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'request_too_large', message: 'too large' } } });
  });

  test('a later usage chunk with only completion_tokens keeps the input count', async () => {
    openai.handler = streamOf([
      chunk({ role: 'assistant', content: 'Hi' }, null, { usage: { prompt_tokens: 30, completion_tokens: 1, total_tokens: 31 } }),
      chunk({}, 'stop', { usage: { completion_tokens: 5 } }),
    ]);
    const message = await streamedFromGpt4o();
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 5 });
  });
});
