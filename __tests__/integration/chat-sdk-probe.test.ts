/**
 * Acceptance probes of the chat completions dialect on Anthropic (DESIGN sections 2, 3, 5, 9 and
 * 10), through the official `openai` SDK and a real Express host, against a fake Anthropic that
 * answers as real upstreams and the proxies in front of them do: answers that are no message,
 * effort values the router cannot carry, thinking sent whole in its block's start, keep-alive
 * events without data, errors that open a stream or break one. The rows the other chat-to-Anthropic
 * suites hold (chat-anthropic-matrix, chat-to-anthropic-failures, translation-review, reasoning*)
 * are not repeated here.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk } from '../../lib/dialects/chat/wire';
import { chatStreamPayloads, errorFrames, streamedText } from '../support/chat-stream';
import { CLIENT_TOKEN } from '../support/keys';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { anthropicEvent, messageStartFrame } from '../support/wire-frames';
import { postChat } from './anthropic-adapter.helpers';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const fakes = useFakes();
const host = useHost(fakes);
afterEach(() => {
  host.ends.length = 0;
});

const MODEL = 'anthropic/claude-sonnet-5-5';
const HELLO: Message[] = [{ role: 'user', content: 'Say hello' }];
const client = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });

/** A signature as Anthropic issues them: the fake Anthropic takes back only those that start with `Eq`. */
const SIGNATURE = 'EqUBCkYIBxgCKkBjaGF0LXNkay1wcm9iZS1zaWduYXR1cmU=';

/** The frames of a text block of `text` at index 0, then the end of the message. */
const textAnswer = (text: string): string[] => [
  anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
  anthropicEvent('content_block_stop', { index: 0 }),
  anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }),
  anthropicEvent('message_stop'),
];

/** Reads a streamed completion to its end through the SDK, failing as the SDK fails. */
async function readStream(
  params: Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, 'stream'>,
): Promise<OpenAI.Chat.Completions.ChatCompletionChunk[]> {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of await client().chat.completions.create({ ...params, stream: true })) chunks.push(chunk);
  return chunks;
}

describe('section 9: a 200 that is no Anthropic message is an upstream failure, not an answer', () => {
  const notMessages: Array<[string, unknown]> = [
    ['an empty object', {}],
    ["a gateway's own JSON", { status: 'ok', detail: 'queued' }],
    [
      'a message without content',
      { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 1 } },
    ],
    ['an array', []],
    [
      'a message whose content holds a block that is no object',
      { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'Hi' }, null], stop_reason: 'end_turn' },
    ],
  ];

  test.each(notMessages)('%s: the SDK gets a 502 upstream_invalid_response; request.end says error once', async (_name, body) => {
    fakes.anthropic.handler = (_request, res) => sendJson(res, 200, body);
    const error = await rejectionOf(client().chat.completions.create({ model: MODEL, messages: HELLO }), OpenAI.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_invalid_response');
    expect(error.message).toMatch(/no Anthropic message/);
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', status: 502, outcome: 'error' })]);
  });

  test.each([false, true])("a 200 that is no JSON (a proxy's page), streamed %s: a 502 quoting it", async (stream) => {
    fakes.anthropic.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Internal Server Error</html>');
    };
    const call = stream ? readStream({ model: MODEL, messages: HELLO }) : client().chat.completions.create({ model: MODEL, messages: HELLO });
    const error = await rejectionOf(call, OpenAI.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.message).toContain('the answer is not valid JSON: HTML page: Internal Server Error');
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', status: 502, outcome: 'error' })]);
  });

  test('a Responses client, whose answer comes from Anthropic through chat, gets the same 502', async () => {
    fakes.anthropic.handler = (_request, res) => sendJson(res, 200, {});
    const error = await rejectionOf(client().responses.create({ model: MODEL, input: 'Say hello' }), OpenAI.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/no Anthropic message/);
  });
});

describe('section 10: a reasoning_effort that is no effort', () => {
  test.each([['extreme'], ['High'], [42]])('%p is a 400 naming reasoning_effort, and nothing is sent', async (effort) => {
    const error = await rejectionOf(
      client().chat.completions.create({ model: MODEL, messages: HELLO, reasoning_effort: effort as OpenAI.ReasoningEffort }),
      OpenAI.BadRequestError,
    );
    expect(error.param).toBe('reasoning_effort');
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain(JSON.stringify(effort));
    expect(fakes.anthropic.requests).toHaveLength(0);
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', status: 400, outcome: 'error' })]);
  });

  test('null asks for no effort: the request goes without thinking', async () => {
    await client().chat.completions.create({ model: MODEL, messages: HELLO, reasoning_effort: null });
    const sent = upstreamBody(fakes.anthropic);
    expect(sent).not.toHaveProperty('thinking');
    expect(sent).not.toHaveProperty('output_config');
  });

  test("a Responses client's reasoning.effort that is no effort is a 400 naming reasoning.effort", async () => {
    const error = await rejectionOf(
      client().responses.create({ model: MODEL, input: 'Say hello', reasoning: { effort: 'extreme' as OpenAI.ReasoningEffort } }),
      OpenAI.BadRequestError,
    );
    expect(error.param).toBe('reasoning.effort');
    expect(error.message).toContain('reasoning.effort "extreme"');
    expect(error.message).not.toContain('reasoning_effort');
    expect(fakes.anthropic.requests).toHaveLength(0);
  });
});

describe('section 10: a thinking block sent whole in its content_block_start, signature included', () => {
  const TOOL: OpenAI.Chat.Completions.ChatCompletionFunctionTool = { type: 'function', function: { name: 'clock', parameters: { type: 'object' } } };
  const thinkThenCall = [
    messageStartFrame('msg_whole', 'claude-sonnet-5-5'),
    anthropicEvent('content_block_start', {
      index: 0,
      content_block: { type: 'thinking', thinking: 'The user wants the time.', signature: SIGNATURE },
    }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_whole', name: 'clock', input: {} } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }),
    anthropicEvent('message_stop'),
  ];

  test('reaches the client with its signature, so the tool loop sends the signed block back and thinking stays on', async () => {
    fakes.anthropic.handler = (_request, res) => sendFrames(res, thinkThenCall);
    const question: Message = { role: 'user', content: 'What time is it?' };
    const chunks = await readStream({ model: MODEL, messages: [question], tools: [TOOL], reasoning_effort: 'high' });
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta as ChatCompletionChunk['choices'][number]['delta'] | undefined);
    const details = deltas.flatMap((delta) => (Array.isArray(delta?.reasoning_details) ? (delta.reasoning_details as unknown[]) : []));
    expect(details).toContainEqual(expect.objectContaining({ signature: SIGNATURE }));

    fakes.anthropic.reset();
    await client().chat.completions.create({
      model: MODEL,
      reasoning_effort: 'high',
      tools: [TOOL],
      messages: [
        question,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_whole', type: 'function', function: { name: 'clock', arguments: '{}' } }],
          reasoning_details: details,
        } as Message,
        { role: 'tool', tool_call_id: 'toolu_whole', content: '12:00' },
      ],
    });
    const sent = upstreamBody(fakes.anthropic);
    expect((sent.messages as Array<{ content: unknown[] }>)[1]?.content[0]).toEqual({
      type: 'thinking',
      thinking: 'The user wants the time.',
      signature: SIGNATURE,
    });
    expect(sent.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
  });

  test("reaches a Responses client (through chat) in its encrypted_content, so its tool loop sends Anthropic's block back too", async () => {
    fakes.anthropic.handler = (_request, res) => sendFrames(res, thinkThenCall);
    const tools = [{ type: 'function' as const, name: 'clock', parameters: { type: 'object', properties: {} }, strict: false }];
    const ask = { model: MODEL, tools, reasoning: { effort: 'high' as const }, include: ['reasoning.encrypted_content' as const] };
    const first = await client()
      .responses.stream({ ...ask, input: 'What time is it?' })
      .finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toBeDefined();

    fakes.anthropic.reset();
    await client().responses.create({
      ...ask,
      input: [
        { role: 'user', content: 'What time is it?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: call!.call_id, output: '12:00' },
      ],
    });
    const sent = upstreamBody(fakes.anthropic);
    expect((sent.messages as Array<{ content: unknown[] }>)[1]?.content[0]).toEqual({
      type: 'thinking',
      thinking: 'The user wants the time.',
      signature: SIGNATURE,
    });
    expect(sent.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
  });
});

describe('section 5: pings and keep-alive events are dropped whatever their data, as the Anthropic SDK drops them', () => {
  test.each([
    ['a ping with empty data', 'event: ping\ndata:\n\n'],
    ['a ping whose data is no JSON', 'event: ping\ndata: ping\n\n'],
    ['an event of another name with empty data (a proxy keep-alive)', 'event: keepalive\ndata: \n\n'],
    ['a ping with no data line', 'event: ping\n\n'],
    ['a comment', ': keep-alive\n\n'],
  ])('%s in the middle of an answer: the SDK reads the whole answer; request.end says ok', async (_name, frame) => {
    fakes.anthropic.handler = (_request, res) => sendFrames(res, [messageStartFrame(), frame, ...textAnswer('Hello')]);
    const completion = await client().chat.completions.stream({ model: MODEL, messages: HELLO }).finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Hello');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', outcome: 'ok' })]);
  });

  test('an error event with no data still ends the stream as an error', async () => {
    fakes.anthropic.handler = (_request, res) => sendFrames(res, [messageStartFrame(), 'event: error\ndata:\n\n', ...textAnswer('Hello')]);
    const text = await (await postChat(host, { model: MODEL, messages: HELLO, stream: true })).text();
    expect(errorFrames(text)).toHaveLength(1);
    expect(text).not.toContain('[DONE]');
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', outcome: 'error' })]);
  });
});

describe('section 3: Anthropic overloaded (529), before any answer', () => {
  test.each([false, true])(
    'streamed %s: the SDK gets an InternalServerError with status 529, its type and message, and the retry headers',
    async (stream) => {
      const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011Overloaded' };
      const headers = {
        'retry-after': '3',
        'x-should-retry': 'true',
        'anthropic-ratelimit-requests-remaining': '0',
        'request-id': 'req_011Overloaded',
      };
      fakes.anthropic.handler = (_request, res) => sendJson(res, 529, overloaded, headers);
      const call = stream ? readStream({ model: MODEL, messages: HELLO }) : client().chat.completions.create({ model: MODEL, messages: HELLO });
      const error = await rejectionOf(call, OpenAI.InternalServerError);
      expect(error.status).toBe(529);
      expect(error.type).toBe('overloaded_error');
      expect(error.message).toMatch(/Overloaded/);
      expect(error.headers?.get('retry-after')).toBe('3');
      expect(error.headers?.get('x-should-retry')).toBe('true');
      expect(error.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
      expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', status: 529, outcome: 'error', stream })]);
    },
  );
});

describe('section 2: streams that fail', () => {
  test("an error event before anything else (Anthropic overloaded at once) reaches the SDK as an APIError with Anthropic's message", async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    fakes.anthropic.handler = (_request, res) => sendFrames(res, [`event: error\ndata: ${JSON.stringify(overloaded)}\n\n`]);
    const error = await rejectionOf(readStream({ model: MODEL, messages: HELLO }), OpenAI.APIError);
    expect(error.message).toMatch(/Overloaded/);
    expect(error.type).toBe('overloaded_error');
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', status: 200, outcome: 'error' })]);
  });

  test('an event whose data is no JSON, after text: the text, then the error frame naming it, no [DONE]; request.end says error once', async () => {
    fakes.anthropic.handler = (_request, res) =>
      sendFrames(res, [
        messageStartFrame(),
        ...textAnswer('Hel').slice(0, 2),
        'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n',
      ]);
    const text = await (await postChat(host, { model: MODEL, messages: HELLO, stream: true })).text();
    const payloads = chatStreamPayloads(text);
    expect(streamedText(text)).toBe('Hel');
    expect(errorFrames(text)).toEqual([expect.objectContaining({ message: expect.stringMatching(/not valid JSON/) as unknown })]);
    expect(payloads).not.toContain('[DONE]');
    expect(host.ends).toEqual([expect.objectContaining({ provider: 'anthropic', status: 200, outcome: 'error' })]);
  });
});

describe('section 5: a tool message holding an image', () => {
  test('becomes a tool_result whose content has the text and the image block', async () => {
    await client().chat.completions.create({
      model: MODEL,
      tools: [{ type: 'function', function: { name: 'screenshot', parameters: { type: 'object' } } }],
      messages: [
        { role: 'user', content: 'What is on screen?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }] },
        {
          role: 'tool',
          tool_call_id: 'call_1',
          content: [
            { type: 'text', text: 'The screen:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        } as Message,
      ],
    });
    expect((upstreamBody(fakes.anthropic).messages as unknown[])[2]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'call_1',
          content: [
            { type: 'text', text: 'The screen:' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ],
    });
  });
});
