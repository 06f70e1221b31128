import OpenAI from 'openai';
import type { SseEvent } from '../../../../lib/dialects/stream-codec';
import { chatStreamPayloads } from '../../../support/chat-stream';
import { fixtureEvents } from '../../../support/fixtures';
import { messagesToChatText, replay, replayEach } from '../../../support/text-translation';
import type { ChatCompletionChunk } from '../../../../lib/dialects/chat/wire';

const ev = (payload: unknown): SseEvent => ({
  event: (payload as { type: string }).type,
  data: JSON.stringify(payload),
});

function chunkOf(id: string, delta: object, finishReason: string | null = null) {
  return {
    id,
    object: 'chat.completion.chunk',
    created: expect.any(Number),
    model: 'claude-sonnet-5-5',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** A chunk of a stream asked for usage: `usage: null` on it, as OpenAI writes every chunk but the usage chunk. */
function askedChunkOf(id: string, delta: object, finishReason: string | null = null) {
  return { ...chunkOf(id, delta, finishReason), usage: null };
}

describe('createAnthropicToOpenAIStream', () => {
  describe('text stream fixture', () => {
    const id = 'msg_01XFDUDYJgAACzvnptvVoYEL';

    it('translates every event into the expected chunks, ending with the usage chunk and [DONE]', () => {
      const translator = messagesToChatText({ includeUsage: true });
      const out = chatStreamPayloads(replay(translator, fixtureEvents('anthropic-messages-stream-text.sse')));
      expect(out).toEqual([
        askedChunkOf(id, { role: 'assistant', content: '' }),
        askedChunkOf(id, { content: 'Hello' }),
        askedChunkOf(id, { content: ' there!' }),
        askedChunkOf(id, {}, 'stop'),
        {
          id,
          object: 'chat.completion.chunk',
          created: expect.any(Number),
          model: 'claude-sonnet-5-5',
          choices: [],
          usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 },
        },
        '[DONE]',
      ]);
      expect(translator.done).toBe(true);
      expect(translator.error).toBeUndefined();
    });

    it('gives every chunk the same created timestamp', () => {
      const out = chatStreamPayloads(replay(messagesToChatText({ includeUsage: true }), fixtureEvents('anthropic-messages-stream-text.sse'))).filter(
        (f): f is ChatCompletionChunk => f !== '[DONE]',
      );
      expect(new Set(out.map((c) => c.created)).size).toBe(1);
    });

    it('writes nothing for ping, text block start and block stop', () => {
      const events = fixtureEvents('anthropic-messages-stream-text.sse');
      const perEvent = replayEach(messagesToChatText({ includeUsage: false }), events);
      events.forEach((e, i) => {
        if (e.event === 'ping' || e.event === 'content_block_start' || e.event === 'content_block_stop') {
          expect(perEvent[i]).toBe('');
        }
      });
    });

    it('sends no usage chunk when includeUsage is false', () => {
      const out = chatStreamPayloads(replay(messagesToChatText({ includeUsage: false }), fixtureEvents('anthropic-messages-stream-text.sse')));
      expect(out.some((f) => f !== '[DONE]' && 'usage' in f)).toBe(false);
      expect(out[out.length - 2]).toEqual(chunkOf(id, {}, 'stop'));
      expect(out[out.length - 1]).toBe('[DONE]');
    });
  });

  describe('tool-use stream fixture', () => {
    const id = 'msg_014p7gG3wDgGV9EUtLvnow3U';

    it('numbers the tool call from 0 although its Anthropic block index is 1, and skips empty partial_json', () => {
      const translator = messagesToChatText({ includeUsage: false });
      const out = chatStreamPayloads(replay(translator, fixtureEvents('anthropic-messages-stream-tool-use.sse')));
      expect(out).toEqual([
        chunkOf(id, { role: 'assistant', content: '' }),
        chunkOf(id, { content: 'Okay, let me check the weather' }),
        chunkOf(id, { content: ' for San Francisco.' }),
        chunkOf(id, {
          tool_calls: [
            {
              index: 0,
              id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
            },
          ],
        }),
        chunkOf(id, { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
        chunkOf(id, { tool_calls: [{ index: 0, function: { arguments: ' "San Francisco, CA"' } }] }),
        chunkOf(id, { tool_calls: [{ index: 0, function: { arguments: ', "unit": "fahrenheit"}' } }] }),
        chunkOf(id, {}, 'tool_calls'),
        '[DONE]',
      ]);
      expect(translator.done).toBe(true);
    });

    it('produces arguments that an accumulator joining by index parses to the tool input', () => {
      const out = chatStreamPayloads(replay(messagesToChatText({ includeUsage: false }), fixtureEvents('anthropic-messages-stream-tool-use.sse')));
      const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
      for (const frame of out) {
        if (frame === '[DONE]') continue;
        for (const call of (frame as ChatCompletionChunk).choices[0]?.delta.tool_calls ?? []) {
          const acc = (calls[call.index] ??= { arguments: '' });
          if (call.id) acc.id = call.id;
          if (call.function?.name) acc.name = call.function.name;
          acc.arguments += call.function?.arguments ?? '';
        }
      }
      expect(calls).toHaveLength(1);
      expect(calls[0]?.id).toBe('toolu_01T1x1fJ34qAmk2tNTrN7Up6');
      expect(calls[0]?.name).toBe('get_weather');
      expect(JSON.parse(calls[0]?.arguments ?? '')).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    });

    it('is read by the openai SDK into the final completion with the parsed tool call', async () => {
      const body = replay(messagesToChatText({ includeUsage: true }), fixtureEvents('anthropic-messages-stream-tool-use.sse'));
      const client = new OpenAI({
        apiKey: 'test',
        baseURL: 'http://upstream.invalid/v1',
        fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
      });
      const stream = client.chat.completions.stream({
        model: 'claude-sonnet-5-5',
        messages: [{ role: 'user', content: 'Weather in SF?' }],
      });
      const completion = await stream.finalChatCompletion();
      const choice = completion.choices[0];
      expect(choice?.finish_reason).toBe('tool_calls');
      expect(choice?.message.content).toBe('Okay, let me check the weather for San Francisco.');
      const call = choice?.message.tool_calls?.[0];
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({
        location: 'San Francisco, CA',
        unit: 'fahrenheit',
      });
      expect(completion.usage).toEqual({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
    });
  });

  describe('error stream fixture', () => {
    it('ends with the error frame carrying the overloaded_error type and no [DONE]', () => {
      const translator = messagesToChatText({ includeUsage: true });
      const text = replay(translator, fixtureEvents('anthropic-messages-stream-error.sse'));
      const out = chatStreamPayloads(text);
      expect(out[out.length - 1]).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error', code: null } });
      expect(out[out.length - 2]).toEqual(askedChunkOf('msg_01Vq8ZzPeVd3ZhL5mfzRkUu2', { content: 'Hello' }));
      expect(text).not.toContain('[DONE]');
      expect(translator.error).toEqual({ message: 'Overloaded', type: 'overloaded_error' });
      expect(translator.done).toBe(false);
    });

    it('writes nothing for events after the error', () => {
      const translator = messagesToChatText({ includeUsage: true });
      replay(translator, fixtureEvents('anthropic-messages-stream-error.sse'));
      expect(translator.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } }))).toBe('');
      expect(translator.push(ev({ type: 'message_stop' }))).toBe('');
      expect(translator.done).toBe(false);
    });
  });

  const start = ev({
    type: 'message_start',
    message: {
      id: 'msg_x',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, cache_read_input_tokens: 1000, output_tokens: 1 },
    },
  });

  it('answers data that is not valid JSON with an upstream_error frame and sets error', () => {
    const translator = messagesToChatText({ includeUsage: false });
    translator.push(start);
    const out = chatStreamPayloads(translator.push({ event: 'content_block_delta', data: '{"type":"content_bl' }));
    expect(out).toEqual([{ error: { message: expect.stringContaining('not valid JSON'), type: 'upstream_error', code: null } }]);
    expect(translator.error?.type).toBe('upstream_error');
    expect(translator.push(ev({ type: 'message_stop' }))).toBe('');
  });

  it('writes nothing for events after message_stop', () => {
    const translator = messagesToChatText({ includeUsage: false });
    translator.push(start);
    translator.push(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }));
    expect(translator.push(ev({ type: 'message_stop' }))).toBe('data: [DONE]\n\n');
    expect(translator.done).toBe(true);
    expect(translator.push(ev({ type: 'message_stop' }))).toBe('');
    expect(translator.push({ event: 'error', data: 'not json' })).toBe('');
    expect(translator.error).toBeUndefined();
  });

  it('turns thinking into reasoning_content, with the signed block in reasoning_details', () => {
    const translator = messagesToChatText({ includeUsage: false });
    translator.push(start);
    expect(translator.push(ev({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }))).toBe('');
    const thought = chatStreamPayloads(
      translator.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm' } })),
    )[0] as ChatCompletionChunk;
    expect(thought.choices[0]?.delta).toEqual({
      reasoning_content: 'Hmm',
      reasoning_details: [{ type: 'reasoning.text', text: 'Hmm', format: 'anthropic-claude-v1', index: 0 }],
    });
    const signed = chatStreamPayloads(
      translator.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'abc' } })),
    )[0] as ChatCompletionChunk;
    expect(signed.choices[0]?.delta).toEqual({
      reasoning_details: [{ type: 'reasoning.text', signature: 'abc', format: 'anthropic-claude-v1', index: 0 }],
    });
  });

  it('numbers two tool blocks 0 and 1 and routes each block’s arguments to its own index', () => {
    const translator = messagesToChatText({ includeUsage: false });
    translator.push(start);
    translator.push(ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    const toolStart = (index: number, toolId: string) =>
      ev({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolId, name: 'now', input: {} } });
    const json = (index: number, partial: string) =>
      ev({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } });
    const first = chatStreamPayloads(translator.push(toolStart(1, 'toolu_a')))[0] as ChatCompletionChunk;
    const second = chatStreamPayloads(translator.push(toolStart(2, 'toolu_b')))[0] as ChatCompletionChunk;
    expect(first.choices[0]?.delta.tool_calls?.[0]).toMatchObject({ index: 0, id: 'toolu_a' });
    expect(second.choices[0]?.delta.tool_calls?.[0]).toMatchObject({ index: 1, id: 'toolu_b' });
    const arg = chatStreamPayloads(translator.push(json(2, '{}')))[0] as ChatCompletionChunk;
    expect(arg.choices[0]?.delta.tool_calls).toEqual([{ index: 1, function: { arguments: '{}' } }]);
  });

  it('reports the latest cumulative usage from message_delta, keeping input and cache counts', () => {
    const translator = messagesToChatText({ includeUsage: true });
    translator.push(start);
    translator.push(ev({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 30 } }));
    const finish = chatStreamPayloads(
      translator.push(
        ev({
          type: 'message_delta',
          delta: { stop_reason: 'max_tokens', stop_sequence: null },
          usage: { output_tokens: 50, input_tokens: 12, cache_creation_input_tokens: 5 },
        }),
      ),
    );
    expect((finish[0] as ChatCompletionChunk).choices[0]?.finish_reason).toBe('length');
    const end = chatStreamPayloads(translator.push(ev({ type: 'message_stop' })));
    expect(end).toEqual([
      expect.objectContaining({
        choices: [],
        usage: {
          prompt_tokens: 1017,
          completion_tokens: 50,
          total_tokens: 1067,
          prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 5 },
        },
      }),
      '[DONE]',
    ]);
  });

  it('ignores event types it does not know', () => {
    const translator = messagesToChatText({ includeUsage: false });
    translator.push(start);
    expect(translator.push(ev({ type: 'something_new', foo: 1 }))).toBe('');
    expect(translator.error).toBeUndefined();
  });
});
