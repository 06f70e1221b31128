import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { onlyRequest, upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { parseSse } from '../support/sse';
import { firstTextFrameIndex, sendFrames, sendHeldStream, sendJson, writeSlowly } from '../support/upstream-answers';
import { deferred, within } from '../support/wait';
import { anthropicEvent } from '../support/wire-frames';
import { clientFor, functionOf, keysOf, postChat } from './anthropic-adapter.helpers';

type ChatCompletionChunk = OpenAI.Chat.Completions.ChatCompletionChunk;

const MODEL = 'anthropic/claude-sonnet-5-5';
const UPSTREAM_MODEL = 'claude-sonnet-5-5';
const HELLO: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];

const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather at a location',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
    },
  },
};

let anthropic: FakeUpstream;
let openai: FakeUpstream;
/** Express 5, the router reading the body itself. */
let host: Host;
/** Express 4 with `express.json()` before the router, as the first planned host has it. */
let host4: Host;
/** `ANTHROPIC_MAX_TOKENS=1000`. */
let maxTokensHost: Host;
/** `ANTHROPIC_VERSION=2026-10-21`, which rejects sampling parameters. */
let versionHost: Host;
let client: OpenAI;

beforeAll(async () => {
  [anthropic, openai] = await startFakeUpstreams('anthropic', 'openai');
  const env = envFor({ anthropic, openai });
  [host, host4, maxTokensHost, versionHost] = await Promise.all([
    startHost({ env }, { expressVersion: 5 }),
    startHost({ env }, { expressVersion: 4, jsonFirst: true }),
    startHost({ env: { ...env, ANTHROPIC_MAX_TOKENS: '1000' } }),
    startHost({ env: { ...env, ANTHROPIC_VERSION: '2026-10-21' } }),
  ]);
  client = clientFor(host);
});

afterAll(async () => {
  await Promise.all([host, host4, maxTokensHost, versionHost].filter(Boolean).map((h) => h.close()));
  await Promise.all([anthropic, openai].filter(Boolean).map((f) => f.close()));
});

beforeEach(() => {
  anthropic.reset();
  openai.reset();
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const contentOf = (chunks: ChatCompletionChunk[]): string => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
const finishReasonsOf = (chunks: ChatCompletionChunk[]): string[] =>
  chunks.map((c) => c.choices[0]?.finish_reason).filter((r): r is NonNullable<typeof r> => Boolean(r));

describe('chat completions routed to Anthropic', () => {
  describe('streaming', () => {
    it.each([
      ['Express 5', () => host],
      ['Express 4 with express.json() first', () => host4],
    ])('streams text translated from the Messages API and sends only the provider key upstream (%s)', async (_name, which) => {
      const stream = await clientFor(which()).chat.completions.create({ model: MODEL, stream: true, messages: HELLO });
      const chunks = await collect(stream);

      expect(contentOf(chunks)).toBe('Hello there!');
      expect(finishReasonsOf(chunks)).toEqual(['stop']);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'msg_01XFDUDYJgAACzvnptvVoYEL')).toBe(true);

      const upstream = onlyRequest(anthropic);
      expect(upstream.method).toBe('POST');
      expect(upstream.url).toBe('/v1/messages');
      expect(upstream.body).toMatchObject({ model: UPSTREAM_MODEL, stream: true, messages: [{ role: 'user', content: 'Say hello' }] });
      expect(upstream.headers['x-api-key']).toBe(KEYS.anthropic);
      expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
      expect(upstream.headers.authorization).toBeUndefined();
      expect(JSON.stringify(upstream.headers) + upstream.url + upstream.rawBody).not.toContain(CLIENT_TOKEN);
    });

    it('answers a stream with event-stream headers that forbid buffering', async () => {
      const { data, response } = await client.chat.completions.create({ model: MODEL, stream: true, messages: HELLO }).withResponse();
      await collect(data);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(response.headers.get('cache-control')).toContain('no-transform');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
    });

    it('streams a tool call that the SDK assembles, numbered from 0 among tool calls', async () => {
      const toolCallIndexes: number[] = [];
      const runner = client.chat.completions.stream({
        model: MODEL,
        messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
        tools: [WEATHER_TOOL],
      });
      runner.on('chunk', (chunk) => {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) toolCallIndexes.push(call.index);
      });
      const completion = await runner.finalChatCompletion();

      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBe('Okay, let me check the weather for San Francisco.');
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls![0]!;
      expect(call.id).toBe('toolu_01T1x1fJ34qAmk2tNTrN7Up6');
      const fn = functionOf(call);
      expect(fn.name).toBe('get_weather');
      expect(JSON.parse(fn.arguments)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
      // Anthropic's block index is 1 (the text block is 0); OpenAI clients index tool calls alone.
      expect(toolCallIndexes.length).toBeGreaterThan(1);
      expect(new Set(toolCallIndexes)).toEqual(new Set([0]));

      expect(upstreamBody(anthropic).tools).toEqual([
        { name: 'get_weather', description: 'The current weather at a location', input_schema: WEATHER_TOOL.function.parameters },
      ]);
    });

    it('ends with a usage chunk (choices: []) just before [DONE] when stream_options.include_usage is set', async () => {
      const response = await postChat(host, { model: MODEL, stream: true, messages: HELLO, stream_options: { include_usage: true } });
      expect(response.status).toBe(200);
      const data = parseSse(await response.text()).map((frame) => frame.data);

      expect(data[data.length - 1]).toBe('[DONE]');
      const usageChunk = JSON.parse(data[data.length - 2]!) as ChatCompletionChunk;
      expect(usageChunk.choices).toEqual([]);
      expect(usageChunk.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
      const earlier = data.slice(0, -2).map((d) => JSON.parse(d) as ChatCompletionChunk);
      expect(earlier.every((chunk) => chunk.choices.length === 1 && !chunk.usage)).toBe(true);
      // stream_options is OpenAI's: the fake rejects unknown fields, and it answered 200.
      expect(upstreamBody(anthropic)).not.toHaveProperty('stream_options');
    });

    it('sends no usage chunk when include_usage is not asked for', async () => {
      const response = await postChat(host, { model: MODEL, stream: true, messages: HELLO });
      const data = parseSse(await response.text()).map((frame) => frame.data);

      expect(data[data.length - 1]).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.filter((chunk) => chunk.choices.length === 0 || chunk.usage)).toEqual([]);
      expect(chunks[chunks.length - 1]!.choices[0]!.finish_reason).toBe('stop');
    });

    it('maps a streamed stop_reason max_tokens to finish_reason length', async () => {
      anthropic.handler = (_request, res) =>
        sendFrames(
          res,
          sseFrames('anthropic-messages-stream-text.sse').map((f) => f.replace('"end_turn"', '"max_tokens"')),
        );
      const chunks = await collect(await client.chat.completions.create({ model: MODEL, stream: true, messages: HELLO }));
      expect(finishReasonsOf(chunks)).toEqual(['length']);
    });

    it('throws an APIError in the SDK when Anthropic reports overloaded mid-stream, after the text already sent', async () => {
      anthropic.handler = (_request, res) => sendFrames(res, sseFrames('anthropic-messages-stream-error.sse'));
      const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages: HELLO });
      let content = '';
      const error = await rejectionOf(
        (async () => {
          for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
        })(),
        OpenAI.APIError,
      );
      expect(content).toBe('Hello');
      expect(error.message).toContain('Overloaded');
      expect(error.error).toMatchObject({ message: 'Overloaded', type: 'overloaded_error' });
    });

    it('ends the raw stream with an OpenAI error frame after the delivered delta when Anthropic fails mid-stream', async () => {
      anthropic.handler = (_request, res) => sendFrames(res, sseFrames('anthropic-messages-stream-error.sse'));
      const response = await postChat(host, { model: MODEL, stream: true, messages: HELLO });
      expect(response.status).toBe(200);
      // text() resolves only when the router has ended the response.
      const data = parseSse(await response.text()).map((frame) => frame.data);

      const helloAt = data.findIndex((d) => (JSON.parse(d) as ChatCompletionChunk).choices?.[0]?.delta.content === 'Hello');
      expect(helloAt).toBeGreaterThanOrEqual(0);
      const last = JSON.parse(data[data.length - 1]!) as Record<string, unknown>;
      expect(data.length - 1).toBeGreaterThan(helloAt);
      expect(last).not.toHaveProperty('choices');
      expect(last.error).toMatchObject({ message: 'Overloaded', type: 'overloaded_error' });
      expect(data).not.toContain('[DONE]');
    });

    it('keeps multi-byte characters intact when an upstream write splits them mid-sequence', async () => {
      const text = 'héllo 世界 🎉';
      const delta = Buffer.from(anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }), 'utf8');
      // Cut inside é (2 bytes), 世 (3 bytes) and 🎉 (4 bytes).
      const cuts = [delta.indexOf(Buffer.from('é')) + 1, delta.indexOf(Buffer.from('世')) + 2, delta.indexOf(Buffer.from('🎉')) + 2];
      const pieces = [0, ...cuts].map((start, i) => delta.subarray(start, cuts[i] ?? delta.length));
      expect(Buffer.concat(pieces).equals(delta)).toBe(true);
      expect(pieces.slice(0, -1).every((piece) => piece.toString('utf8').endsWith('\uFFFD'))).toBe(true);

      anthropic.handler = (_request, res) => {
        void writeSlowly(
          res,
          [
            anthropicEvent('message_start', {
              message: {
                id: 'msg_utf8',
                type: 'message',
                role: 'assistant',
                content: [],
                model: UPSTREAM_MODEL,
                usage: { input_tokens: 3, output_tokens: 1 },
              },
            }),
            anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
            ...pieces,
            anthropicEvent('content_block_stop', { index: 0 }) +
              anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }) +
              anthropicEvent('message_stop'),
          ],
          20,
        );
      };
      const chunks = await collect(await client.chat.completions.create({ model: MODEL, stream: true, messages: HELLO }));
      expect(contentOf(chunks)).toBe(text);
      expect(finishReasonsOf(chunks)).toEqual(['stop']);
    });

    it('delivers the first translated chunk before the upstream has sent the rest of its stream', async () => {
      const frames = sseFrames('anthropic-messages-stream-text.sse');
      let restSent = false;
      const firstContentSeen = deferred();
      anthropic.handler = (_request, res) => {
        // Only a buffering router gets past the guard: its client cannot see "Hello" until the rest is sent.
        const release = within(firstContentSeen.promise, 1000, 'the first content').catch(() => undefined);
        sendHeldStream(res, frames, firstTextFrameIndex(frames), release, () => {
          restSent = true;
        });
      };

      const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages: HELLO });
      let firstContentBeforeRest: boolean | undefined;
      let content = '';
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta.content ?? '';
        if (piece !== '' && firstContentBeforeRest === undefined) {
          firstContentBeforeRest = !restSent;
          firstContentSeen.resolve();
        }
        content += piece;
      }
      expect(firstContentBeforeRest).toBe(true);
      expect(content).toBe('Hello there!');
    });
  });

  describe('non-streamed answers', () => {
    it('translates a tool_use answer into tool_calls with JSON arguments and the prompt token count', async () => {
      const completion = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
        tools: [WEATHER_TOOL],
      });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBe("I'll check the current weather in San Francisco for you.");
      const call = choice.message.tool_calls![0]!;
      expect(call.id).toBe('toolu_01A09q90qw90lq917835lq9');
      const fn = functionOf(call);
      expect(fn.name).toBe('get_weather');
      expect(JSON.parse(fn.arguments)).toEqual({ location: 'San Francisco, CA', unit: 'celsius' });
      // The fixture's cache counts are 0: prompt_tokens is its input_tokens.
      expect(completion.usage).toEqual({ prompt_tokens: 384, completion_tokens: 92, total_tokens: 476 });
      expect(completion.model).toBe(UPSTREAM_MODEL);
      expect(completion.object).toBe('chat.completion');
    });

    it('counts cache reads and cache writes into prompt_tokens', async () => {
      anthropic.handler = (_request, res) => {
        const message = fixtureJson('anthropic-message.json');
        message.usage = { input_tokens: 384, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 92 };
        sendJson(res, 200, message);
      };
      const completion = await client.chat.completions.create({ model: MODEL, messages: HELLO, tools: [WEATHER_TOOL] });
      expect(completion.usage).toMatchObject({
        prompt_tokens: 1584,
        completion_tokens: 92,
        total_tokens: 1676,
        prompt_tokens_details: { cached_tokens: 1000 },
      });
    });

    it.each([
      ['max_tokens', 'length'],
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'content_filter'],
    ])('maps stop_reason %s to finish_reason %s', async (stopReason, finishReason) => {
      anthropic.handler = (_request, res) => {
        const message = fixtureJson('anthropic-message.json');
        if (stopReason !== 'tool_use') message.content = [{ type: 'text', text: 'Once upon a' }];
        message.stop_reason = stopReason;
        sendJson(res, 200, message);
      };
      const completion = await client.chat.completions.create({ model: MODEL, messages: HELLO });
      expect(completion.choices[0]!.finish_reason).toBe(finishReason);
    });
  });

  describe('the request Anthropic receives', () => {
    it('sends a tool round trip as tool_use blocks and one user turn of merged tool_result blocks', async () => {
      const completion = await client.chat.completions.create({
        model: MODEL,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'system', content: 'Answer briefly.' },
          { role: 'user', content: 'Weather in San Francisco and New York?' },
          {
            role: 'assistant',
            content: 'Checking both.',
            tool_calls: [
              {
                id: 'toolu_sf',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"fahrenheit"}' },
              },
              { id: 'toolu_ny', type: 'function', function: { name: 'get_weather', arguments: '{"location":"New York, NY"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_sf', content: '64°F, fog' },
          { role: 'tool', tool_call_id: 'toolu_ny', content: '80°F, sun' },
        ],
      });
      expect(completion.choices).toHaveLength(1);

      const body = upstreamBody(anthropic);
      expect(body.system).toBe('Answer briefly.');
      const messages = body.messages as Array<{ role: string; content: unknown }>;
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(messages[1]!.content).toEqual([
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'toolu_sf', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } },
        { type: 'tool_use', id: 'toolu_ny', name: 'get_weather', input: { location: 'New York, NY' } },
      ]);
      expect(messages[2]!.content).toEqual([
        { type: 'tool_result', tool_use_id: 'toolu_sf', content: '64°F, fog' },
        { type: 'tool_result', tool_use_id: 'toolu_ny', content: '80°F, sun' },
      ]);
    });

    it('puts tool results first in their user turn when a user message came between the tool messages: Anthropic refuses anything before them', async () => {
      await client.chat.completions.create({
        model: MODEL,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_paris', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
              { id: 'toolu_rome', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Rome"}' } },
            ],
          },
          { role: 'user', content: 'Use Celsius.' },
          { role: 'tool', tool_call_id: 'toolu_paris', content: '18C' },
          { role: 'user', content: 'And be brief.' },
          { role: 'tool', tool_call_id: 'toolu_rome', content: '24C' },
        ],
      });
      const messages = upstreamBody(anthropic).messages as Array<{ role: string; content: unknown }>;
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(messages[2]!.content).toEqual([
        { type: 'tool_result', tool_use_id: 'toolu_paris', content: '18C' },
        { type: 'tool_result', tool_use_id: 'toolu_rome', content: '24C' },
        { type: 'text', text: 'Use Celsius.' },
        { type: 'text', text: 'And be brief.' },
      ]);
    });

    it('sends tool call ids Anthropic would refuse (Kimi numbers them functions.name:0) as ids it takes, each call paired with its result', async () => {
      const ids = ['functions.get_weather:0', 'functions_get_weather_0'];
      await client.chat.completions.create({
        model: MODEL,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: ids.map((id, i) => ({
              id,
              type: 'function' as const,
              function: { name: 'get_weather', arguments: JSON.stringify({ location: ['Paris', 'Rome'][i] }) },
            })),
          },
          ...ids.map((id, i) => ({ role: 'tool' as const, tool_call_id: id, content: ['12°C', '18°C'][i]! })),
        ],
      });

      const messages = upstreamBody(anthropic).messages as Array<{ content: Array<{ id?: string; tool_use_id?: string }> }>;
      const callIds = messages[1]!.content.map((block) => block.id);
      const resultIds = messages[2]!.content.map((block) => block.tool_use_id);
      expect(resultIds).toEqual(callIds);
      for (const id of callIds) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
      // An id Anthropic takes goes as it is; the other stays apart from it.
      expect(callIds[1]).toBe('functions_get_weather_0');
      expect(new Set(callIds).size).toBe(2);
    });

    it("keeps an assistant turn the model refused, its refusal as the turn's text", async () => {
      await client.chat.completions.create({
        model: MODEL,
        messages: [
          { role: 'user', content: 'Help me pick a lock.' },
          { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
          { role: 'user', content: 'It is my own door.' },
        ],
      });
      expect(upstreamBody(anthropic).messages).toEqual([
        { role: 'user', content: 'Help me pick a lock.' },
        { role: 'assistant', content: 'I cannot help with that.' },
        { role: 'user', content: 'It is my own door.' },
      ]);
    });

    it('sends a data URL image as a base64 block and an https URL image as a url block', async () => {
      await client.chat.completions.create({
        model: MODEL,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Are these the same cat?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      });
      const messages = upstreamBody(anthropic).messages as Array<{ role: string; content: unknown }>;
      expect(messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Are these the same cat?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ]);
    });

    it('sends max_tokens 4096 when the request gives none', async () => {
      await client.chat.completions.create({ model: MODEL, messages: HELLO });
      expect(upstreamBody(anthropic).max_tokens).toBe(4096);
    });

    it('sends ANTHROPIC_MAX_TOKENS as max_tokens when the request gives none', async () => {
      await clientFor(maxTokensHost).chat.completions.create({ model: MODEL, messages: HELLO });
      expect(upstreamBody(anthropic).max_tokens).toBe(1000);
    });

    it('sends max_completion_tokens as max_tokens', async () => {
      await clientFor(maxTokensHost).chat.completions.create({ model: MODEL, messages: HELLO, max_completion_tokens: 77 });
      expect(upstreamBody(anthropic).max_tokens).toBe(77);
    });

    it('sends max_tokens as given', async () => {
      await client.chat.completions.create({ model: MODEL, messages: HELLO, max_tokens: 55 });
      expect(upstreamBody(anthropic).max_tokens).toBe(55);
    });

    it('sends temperature alone (not top_p) with the default anthropic-version', async () => {
      await client.chat.completions.create({ model: MODEL, messages: HELLO, temperature: 0.3, top_p: 0.9 });
      const upstream = onlyRequest(anthropic);
      expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
      expect(upstream.body).toMatchObject({ temperature: 0.3 });
      expect(upstream.body).not.toHaveProperty('top_p');
    });

    it('leaves out temperature, top_p and top_k and sends that version when ANTHROPIC_VERSION is 2026-10-21', async () => {
      const params = { model: MODEL, messages: HELLO, temperature: 0.3, top_p: 0.9, top_k: 40 };
      const completion = await clientFor(versionHost).chat.completions.create(
        params as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming,
      );
      expect(completion.choices[0]!.message.content).toBe('Hello there!');

      const upstream = onlyRequest(anthropic);
      expect(upstream.headers['anthropic-version']).toBe('2026-10-21');
      expect(upstream.body).toBeDefined();
      expect(upstream.body).not.toHaveProperty('temperature');
      expect(upstream.body).not.toHaveProperty('top_p');
      expect(upstream.body).not.toHaveProperty('top_k');
    });
  });

  describe('errors', () => {
    it.each<{ status: number; type: string; message: string; headers: Record<string, string> }>([
      { status: 400, type: 'invalid_request_error', message: 'messages: roles must alternate between "user" and "assistant"', headers: {} },
      { status: 404, type: 'not_found_error', message: 'model: claude-sonnet-5-5', headers: {} },
      {
        status: 429,
        type: 'rate_limit_error',
        message: 'Number of request tokens has exceeded your per-minute rate limit',
        headers: { 'retry-after': '7' },
      },
      { status: 500, type: 'api_error', message: 'Internal server error', headers: {} },
      { status: 529, type: 'overloaded_error', message: 'Overloaded', headers: {} },
    ])('answers an Anthropic $status as an OpenAI-shaped $status error', async ({ status, type, message, headers }) => {
      anthropic.handler = (_request, res) =>
        sendJson(res, status, { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' }, headers);

      const error = await rejectionOf(client.chat.completions.create({ model: MODEL, messages: HELLO }), OpenAI.APIError);
      expect(error.status).toBe(status);
      expect(error.error).toMatchObject({ message, type });
      if (status === 429) expect(error.headers?.get('retry-after')).toBe('7');

      const response = await postChat(host, { model: MODEL, messages: HELLO });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error?: Record<string, unknown> };
      expect(keysOf(body)).toEqual(['error']);
      expect(body.error).toMatchObject({ message, type });
      if (status === 429) expect(response.headers.get('retry-after')).toBe('7');
    });

    it('keeps the status of an Anthropic error answered to a streamed request', async () => {
      anthropic.handler = (_request, res) => sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      const error = await rejectionOf(client.chat.completions.create({ model: MODEL, stream: true, messages: HELLO }), OpenAI.APIError);
      expect(error.status).toBe(529);
      expect(error.error).toMatchObject({ message: 'Overloaded', type: 'overloaded_error' });
    });

    it('answers an Anthropic 401 that echoes the key as a 401 without the key in body or headers', async () => {
      anthropic.handler = (_request, res) => {
        const body = fixtureJson<{ error: { message: string } }>('anthropic-error-401.json');
        body.error.message = `invalid x-api-key ${KEYS.anthropic}`;
        sendJson(res, 401, body, { 'x-request-id': `req_for_${KEYS.anthropic}` });
      };

      const error = await rejectionOf(client.chat.completions.create({ model: MODEL, messages: HELLO }), OpenAI.APIError);
      expect(error.status).toBe(401);
      expect(error.error).toMatchObject({ type: 'authentication_error' });
      expect((error.error as { message: string }).message).toMatch(/^invalid x-api-key/);

      const response = await postChat(host, { model: MODEL, messages: HELLO });
      expect(response.status).toBe(401);
      const text = await response.text();
      const headers = JSON.stringify([...response.headers.entries()]);
      for (const secret of [KEYS.anthropic, KEYS.anthropic.slice(-12), KEYS.anthropic.slice(0, 12)]) {
        expect(text).not.toContain(secret);
        expect(headers).not.toContain(secret);
        expect(JSON.stringify(error.error) + error.message).not.toContain(secret);
      }
      expect(JSON.parse(text)).toMatchObject({ error: { type: 'authentication_error' } });
    });

    it('refuses a moderation request with a 400 naming it, sending nothing: Anthropic would answer unmoderated', async () => {
      const moderation = { model: 'omni-moderation-latest', policy: { input: { mode: 'block' as const }, output: { mode: 'block' as const } } };
      const error = await rejectionOf(client.chat.completions.create({ model: MODEL, messages: HELLO, moderation }), OpenAI.BadRequestError);
      expect(error.param).toBe('moderation');
      expect(error.message).toContain('`moderation`');
      expect(anthropic.requests).toHaveLength(0);
    });

    it.each([
      ['completions', () => client.completions.create({ model: MODEL, prompt: 'Say hello' })],
      ['embeddings', () => client.embeddings.create({ model: MODEL, input: 'hello' })],
    ])('answers POST /v1/%s for an Anthropic model with a 400 naming the missing endpoint, sending nothing', async (endpoint, call) => {
      const error = await rejectionOf(call(), OpenAI.APIError);
      expect(error.status).toBe(400);
      expect(error.message).toMatch(new RegExp(`anthropic.*does not offer /${endpoint}`, 'i'));
      expect(error.error).toMatchObject({ type: 'invalid_request_error' });
      expect(anthropic.requests).toHaveLength(0);
    });
  });

  describe('the same shapes as OpenAI', () => {
    /** Fields the OpenAI SDK's types declare non-optional: a typed client relies on them. */
    const REQUIRED = {
      completion: ['choices', 'created', 'id', 'model', 'object'],
      choice: ['finish_reason', 'index', 'logprobs', 'message'],
      message: ['content', 'refusal', 'role'],
      usage: ['completion_tokens', 'prompt_tokens', 'total_tokens'],
      chunk: ['choices', 'created', 'id', 'model', 'object'],
      chunkChoice: ['delta', 'finish_reason', 'index'],
    };

    /** `actual` has every required key, and none that the OpenAI answer lacks. */
    function expectSameShape(level: string, actual: unknown, openaiValue: unknown, required: string[]): void {
      const keys = keysOf(actual);
      const openaiKeys = keysOf(openaiValue);
      expect({ level, missing: required.filter((key) => !keys.includes(key)) }).toEqual({ level, missing: [] });
      expect({ level, missingInOpenAI: required.filter((key) => !openaiKeys.includes(key)) }).toEqual({ level, missingInOpenAI: [] });
      expect({ level, extra: keys.filter((key) => !openaiKeys.includes(key)) }).toEqual({ level, extra: [] });
    }

    it('answers a non-streamed completion with the keys an OpenAI-routed answer has', async () => {
      const [fromOpenAI, fromAnthropic] = await Promise.all([
        client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: HELLO }),
        client.chat.completions.create({ model: MODEL, messages: HELLO }),
      ]);
      expect(openai.requests).toHaveLength(1);
      expect(anthropic.requests).toHaveLength(1);
      expect(fromAnthropic.object).toBe(fromOpenAI.object);
      expect(fromAnthropic.choices).toHaveLength(1);

      expectSameShape('completion', fromAnthropic, fromOpenAI, [...REQUIRED.completion, 'usage']);
      expectSameShape('choices[0]', fromAnthropic.choices[0], fromOpenAI.choices[0], REQUIRED.choice);
      expectSameShape('choices[0].message', fromAnthropic.choices[0]!.message, fromOpenAI.choices[0]!.message, REQUIRED.message);
      expectSameShape('usage', fromAnthropic.usage, fromOpenAI.usage, REQUIRED.usage);
    });

    it('streams chunks with the keys an OpenAI-routed stream has, usage chunk included', async () => {
      const params = { messages: HELLO, stream: true, stream_options: { include_usage: true } } as const;
      const [fromOpenAI, fromAnthropic] = await Promise.all([
        client.chat.completions.create({ model: 'openai/gpt-4o-mini', ...params }).then(collect),
        client.chat.completions.create({ model: MODEL, ...params }).then(collect),
      ]);
      const withChoices = (chunks: ChatCompletionChunk[]) => chunks.filter((c) => c.choices.length > 0);
      const usageChunks = (chunks: ChatCompletionChunk[]) => chunks.filter((c) => c.choices.length === 0);
      const reference = withChoices(fromOpenAI)[0]!;
      const referenceUsage = usageChunks(fromOpenAI)[0]!;
      // The OpenAI-routed stream has both kinds of chunk: the comparison is not vacuous.
      expect(reference).toBeDefined();
      expect(referenceUsage).toBeDefined();

      expect(withChoices(fromAnthropic).length).toBeGreaterThan(0);
      for (const chunk of withChoices(fromAnthropic)) {
        expect(chunk.object).toBe(reference.object);
        expectSameShape('chunk', chunk, reference, REQUIRED.chunk);
        expectSameShape('chunk.choices[0]', chunk.choices[0], reference.choices[0], REQUIRED.chunkChoice);
      }
      const anthropicUsage = usageChunks(fromAnthropic);
      expect(anthropicUsage).toHaveLength(1);
      expectSameShape('usage chunk', anthropicUsage[0], referenceUsage, [...REQUIRED.chunk, 'usage']);
      expectSameShape('usage chunk usage', anthropicUsage[0]!.usage, referenceUsage.usage, REQUIRED.usage);
    });
  });
});

describe('ANTHROPIC_BASE_URL given with the /v1 the router appends (a common slip: the OpenAI variables end in /v1)', () => {
  test.each(['/v1', '/v1/'])('ending in %s: requests and the model list still reach /v1/..., not /v1/v1/...', async (suffix) => {
    const slipped = await startHost({ env: { ...envFor({ anthropic }), ANTHROPIC_BASE_URL: `${anthropic.baseUrl}${suffix}` } });
    try {
      const completion = await clientFor(slipped).chat.completions.create({ model: MODEL, messages: HELLO });
      expect(completion.choices[0]!.message.content).toEqual(expect.any(String));
      const models = await clientFor(slipped).models.list();
      expect(models.data.some((model) => model.id.startsWith('anthropic/'))).toBe(true);
      expect(anthropic.requests.map((request) => request.url)).toEqual(['/v1/messages', expect.stringMatching(/^\/v1\/models/)]);
    } finally {
      await slipped.close();
    }
  });
});
