import { fixtureText } from '../../../support/fixtures';
import { eventSequence, finalMessageViaSdk, parseAnthropicSse } from '../../../support/messages-stream';
import { chatToMessagesText, replay } from '../../../support/text-translation';
import { chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../../../support/wire-frames';
import { routerSignature } from '../../../../lib/dialects/messages/router-signature';

const MODEL = 'openai/gpt-4o-mini';

const TOOL_CALL_CHUNK = { id: 'chatcmpl-tool', created: 1, model: 'gpt-4o-mini' };

function chunk(delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): string {
  return chatChunkFrame(TOOL_CALL_CHUNK, delta, finish, { extra });
}

/** Text, then two parallel tool calls whose arguments arrive in fragments, then usage. */
const toolCallStream = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Let me ' }),
  chunk({ content: 'check.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"file_' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'path":"/a"}' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command"' } }] }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: ':"ls"}' } }] }),
  chunk({}, 'tool_calls'),
  chatUsageFrame(TOOL_CALL_CHUNK, { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 }),
  DONE_FRAME,
].join('');

const textEvents = [
  'message_start',
  'content_block_start@0',
  'content_block_delta@0',
  'content_block_delta@0',
  'content_block_stop@0',
  'message_delta',
  'message_stop',
];

describe('createChatToMessagesStream with recorded upstream streams', () => {
  it('translates an OpenAI stream with include_usage into a complete Anthropic stream', () => {
    const t = chatToMessagesText({ model: MODEL });
    const frames = parseAnthropicSse(replay(t, fixtureText('openai-chat-stream-usage.sse')));
    expect(eventSequence(frames)).toEqual(textEvents);
    expect(frames[0]?.data).toEqual({
      type: 'message_start',
      message: {
        id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    });
    expect(frames[1]?.data.content_block).toEqual({ type: 'text', text: '' });
    expect(frames.slice(2, 4).map((f) => f.data.delta)).toEqual([
      { type: 'text_delta', text: 'Hello' },
      { type: 'text_delta', text: ' there!' },
    ]);
    expect(frames[5]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 9,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 3,
        output_tokens_details: { thinking_tokens: 0 },
      },
    });
    expect(t.done).toBe(true);
    expect(t.error).toBeUndefined();
  });

  it('waits past the finish chunk for the usage OpenRouter sends after it, ignoring its comments', () => {
    const t = chatToMessagesText({ model: MODEL });
    const frames = parseAnthropicSse(replay(t, fixtureText('openrouter-chat-stream.sse')));
    expect(eventSequence(frames)).toEqual(textEvents);
    expect(frames[5]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 14,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 3,
        output_tokens_details: { thinking_tokens: 0 },
      },
    });
    expect(t.done).toBe(true);
  });

  it('reads usage from llama-server’s finish chunk and skips its null first content', () => {
    const t = chatToMessagesText({ model: 'local-qwen' });
    const frames = parseAnthropicSse(replay(t, fixtureText('llama-server-chat-stream.sse')));
    expect(eventSequence(frames)).toEqual(textEvents);
    expect(frames[5]?.data.usage).toEqual({ input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3 });
  });

  it('turns OpenRouter’s mid-stream error chunk into an Anthropic error frame and stops', () => {
    const t = chatToMessagesText({ model: MODEL });
    const frames = parseAnthropicSse(replay(t, fixtureText('openrouter-midstream-error.sse')));
    expect(eventSequence(frames)).toEqual(['message_start', 'content_block_start@0', 'content_block_delta@0', 'error']);
    expect(frames[3]?.data).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'Provider disconnected unexpectedly' },
    });
    expect(t.error).toEqual({ message: 'Provider disconnected unexpectedly', type: 'api_error' });
    expect(t.done).toBe(false);
    expect(t.push({ event: undefined, data: '[DONE]' })).toBe('');
  });
});

describe('createChatToMessagesStream with tool calls', () => {
  it('closes the text block, then gives each tool call its own block: the open one as it streams, a later one whole', () => {
    const t = chatToMessagesText({ model: MODEL });
    const frames = parseAnthropicSse(replay(t, toolCallStream));
    expect(eventSequence(frames)).toEqual([
      'message_start',
      'content_block_start@0',
      'content_block_delta@0',
      'content_block_delta@0',
      'content_block_stop@0',
      'content_block_start@1',
      'content_block_delta@1',
      'content_block_delta@1',
      'content_block_stop@1',
      'content_block_start@2',
      'content_block_delta@2',
      'content_block_stop@2',
      'message_delta',
      'message_stop',
    ]);
    expect(frames[5]?.data.content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'Read', input: {} });
    expect(frames.slice(6, 8).map((f) => f.data.delta)).toEqual([
      { type: 'input_json_delta', partial_json: '{"file_' },
      { type: 'input_json_delta', partial_json: 'path":"/a"}' },
    ]);
    expect(frames[9]?.data.content_block).toEqual({ type: 'tool_use', id: 'call_b', name: 'Bash', input: {} });
    // Call b began while call a's block was open: its pieces were held, and its block comes whole.
    expect(frames[10]?.data.delta).toEqual({ type: 'input_json_delta', partial_json: '{"command":"ls"}' });
    expect(frames[12]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 20 },
    });
  });

  it('starts a new block when a new call id arrives under an index already used', () => {
    const t = chatToMessagesText({ model: MODEL });
    const upstream =
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'a', arguments: '{}' } }] }) +
      chunk({ tool_calls: [{ index: 0, id: 'call_2', function: { name: 'b', arguments: '{}' } }] }) +
      chunk({}, 'stop') +
      DONE_FRAME;
    const frames = parseAnthropicSse(replay(t, upstream));
    const starts = frames.filter((f) => f.event === 'content_block_start');
    expect(starts.map((f) => [f.data.index, (f.data.content_block as { id: string }).id])).toEqual([
      [0, 'call_1'],
      [1, 'call_2'],
    ]);
    // finished with `stop` but produced tool calls: the client must still run them
    expect(frames.find((f) => f.event === 'message_delta')?.data.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });
});

describe('createChatToMessagesStream keeps the order of blocks', () => {
  /** Each block's start as `type` (and the call's id), in the order the client gets them. */
  const blockStarts = (frames: ReturnType<typeof parseAnthropicSse>) =>
    frames
      .filter((f) => f.event === 'content_block_start')
      .map((f) => {
        const block = f.data.content_block as { type: string; id?: string };
        return [f.data.index, block.id === undefined ? block.type : `${block.type} ${block.id}`];
      });

  it('does not start a ready call before a lower-index call that still waits for its id and name', () => {
    const t = chatToMessagesText({ model: MODEL });
    const upstream =
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }) +
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }) +
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '"/a"}' } }] }) +
      chunk({}, 'tool_calls') +
      DONE_FRAME;
    const frames = parseAnthropicSse(replay(t, upstream));
    expect(blockStarts(frames)).toEqual([
      [0, 'tool_use call_a'],
      [1, 'tool_use call_b'],
    ]);
    // Call a started as soon as it was ready and streamed; call b, held meanwhile, follows whole.
    expect(
      frames.filter((f) => f.event === 'content_block_delta').map((f) => [f.data.index, (f.data.delta as { partial_json: string }).partial_json]),
    ).toEqual([
      [0, '{"path":"/a"}'],
      [1, '{"command":"ls"}'],
    ]);
  });

  it('holds every later call while the first waits, and sends them whole in index order at the end', () => {
    const t = chatToMessagesText({ model: MODEL });
    const upstream =
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { arguments: '{}' } }] }) +
      chunk({ tool_calls: [{ index: 2, id: 'call_c', function: { name: 'c', arguments: '{}' } }] }) +
      chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'b', arguments: '{}' } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { name: 'a' } }] }) +
      chunk({}, 'tool_calls') +
      DONE_FRAME;
    expect(blockStarts(parseAnthropicSse(replay(t, upstream)))).toEqual([
      [0, 'tool_use call_a'],
      [1, 'tool_use call_b'],
      [2, 'tool_use call_c'],
    ]);
  });

  it('gives reasoning that comes after text a thinking block of its own, signed for its own text, and text after it a new text block', async () => {
    const upstream =
      chunk({ reasoning_content: 'First thought.' }) +
      chunk({ content: 'Part one.' }) +
      chunk({ reasoning_content: 'Second ' }) +
      chunk({ reasoning_content: 'thought.' }) +
      chunk({ content: 'Part two.' }, 'stop') +
      DONE_FRAME;
    const frames = parseAnthropicSse(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(blockStarts(frames)).toEqual([
      [0, 'thinking'],
      [1, 'text'],
      [2, 'thinking'],
      [3, 'text'],
    ]);
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'First thought.', signature: routerSignature('First thought.') },
      { type: 'text', text: 'Part one.' },
      { type: 'thinking', thinking: 'Second thought.', signature: routerSignature('Second thought.') },
      { type: 'text', text: 'Part two.' },
    ]);
  });

  it('gives each thinking block the signature OpenRouter relayed for it', async () => {
    const signed = (index: number, signature: string) => ({
      reasoning_details: [{ type: 'reasoning.text', signature, format: 'anthropic-claude-v1', index }],
    });
    const upstream =
      chunk({ reasoning: 'One.' }) +
      chunk(signed(0, 'sig-one')) +
      chunk({ content: 'Text.' }) +
      chunk({ reasoning: 'Two.' }) +
      chunk(signed(1, 'sig-two')) +
      chunk({ content: 'More.' }, 'stop') +
      DONE_FRAME;
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'One.', signature: 'sig-one' },
      { type: 'text', text: 'Text.' },
      { type: 'thinking', thinking: 'Two.', signature: 'sig-two' },
      { type: 'text', text: 'More.' },
    ]);
  });

  it("keeps Anthropic's consecutive thinking blocks apart by their reasoning_details index, each with its own signature", async () => {
    const piece = (index: number, text: string) => ({
      reasoning: text,
      reasoning_details: [{ type: 'reasoning.text', text, format: 'anthropic-claude-v1', index }],
    });
    const signed = (index: number, signature: string) => ({
      reasoning_details: [{ type: 'reasoning.text', signature, format: 'anthropic-claude-v1', index }],
    });
    const upstream =
      chunk(piece(0, 'one')) +
      chunk(signed(0, 'SIG-1')) +
      chunk(piece(1, 'two')) +
      chunk(signed(1, 'SIG-2')) +
      chunk({ reasoning_details: [{ type: 'reasoning.encrypted', data: 'opaque', format: 'anthropic-claude-v1', index: 2 }] }) +
      chunk({ content: 'Answer.' }, 'stop') +
      DONE_FRAME;
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'one', signature: 'SIG-1' },
      { type: 'thinking', thinking: 'two', signature: 'SIG-2' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it('reads the entries of one chunk in their order: a signature ends its block, text of another index opens the next', async () => {
    const entry = (fields: Record<string, unknown>) => ({ format: 'anthropic-claude-v1', ...fields });
    const upstream =
      chunk({ reasoning: 'A', reasoning_details: [entry({ type: 'reasoning.text', text: 'A', index: 0 })] }) +
      chunk({
        reasoning: 'B',
        reasoning_details: [entry({ type: 'reasoning.text', signature: 'SIG-0', index: 0 }), entry({ type: 'reasoning.text', text: 'B', index: 1 })],
      }) +
      chunk({
        reasoning_details: [entry({ type: 'reasoning.encrypted', data: 'opaque', index: 2 }), entry({ type: 'reasoning.text', text: 'C', index: 3 })],
      }) +
      chunk({ reasoning_details: [entry({ type: 'reasoning.text', signature: 'SIG-3', index: 3 })] }) +
      chunk({ content: 'Answer.' }, 'stop') +
      DONE_FRAME;
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'A', signature: 'SIG-0' },
      { type: 'thinking', thinking: 'B', signature: routerSignature('B') },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'C', signature: 'SIG-3' },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it('makes a block of a signature that comes alone, for a block Anthropic did not show the text of, open or held', async () => {
    const entry = (fields: Record<string, unknown>) => ({ format: 'anthropic-claude-v1', ...fields });
    const omitted = (index: number, signature: string) => chunk({ reasoning_details: [entry({ type: 'reasoning.text', signature, index })] });
    const streamed =
      chunk({ reasoning: 'one', reasoning_details: [entry({ type: 'reasoning.text', text: 'one', index: 0 })] }) +
      omitted(0, 'SIG-0') +
      omitted(1, 'SIG-OMITTED');
    const whileTool =
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{}' } }] }) + omitted(2, 'SIG-HELD');
    const upstream = streamed + chunk({ content: 'Answer.' }) + whileTool + chunk({}, 'tool_calls') + DONE_FRAME;
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'one', signature: 'SIG-0' },
      { type: 'thinking', thinking: '', signature: 'SIG-OMITTED' },
      { type: 'text', text: 'Answer.' },
      { type: 'tool_use', id: 'call_a', name: 'Read', input: {} },
      { type: 'thinking', thinking: '', signature: 'SIG-HELD' },
    ]);
  });

  it('gives a signature that comes late, while a tool block is open, to the held block of its index', async () => {
    const entry = (fields: Record<string, unknown>) => ({ format: 'anthropic-claude-v1', ...fields });
    const upstream =
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{}' } }] }) +
      chunk({ reasoning_details: [entry({ type: 'reasoning.text', text: 'one', index: 1 })] }) +
      chunk({ reasoning_details: [entry({ type: 'reasoning.text', text: 'two', index: 2 })] }) +
      chunk({ reasoning_details: [entry({ type: 'reasoning.text', signature: 'SIG-1', index: 1 })] }) +
      chunk({ reasoning_details: [entry({ type: 'reasoning.text', signature: 'SIG-2', index: 2 })] }) +
      chunk({}, 'tool_calls') +
      DONE_FRAME;
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'Read', input: {} },
      { type: 'thinking', thinking: 'one', signature: 'SIG-1' },
      { type: 'thinking', thinking: 'two', signature: 'SIG-2' },
    ]);
  });

  it("does not read other providers' reasoning_details as Anthropic's blocks", async () => {
    const upstream =
      chunk({ reasoning: 'one', reasoning_details: [{ type: 'reasoning.summary', summary: 'one', format: 'openai-responses-v1', index: 0 }] }) +
      chunk({ reasoning: ' two', reasoning_details: [{ type: 'reasoning.summary', summary: ' two', format: 'openai-responses-v1', index: 1 }] }) +
      chunk({ reasoning_details: [{ type: 'reasoning.encrypted', data: 'gAAA', format: 'openai-responses-v1', index: 2 }] }) +
      chunk({ content: 'Answer.' }, 'stop') +
      DONE_FRAME;
    const message = await finalMessageViaSdk(replay(chatToMessagesText({ model: MODEL }), upstream));
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'one two', signature: routerSignature('one two') },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it('holds reasoning and text that come while a tool block is open, and sends them after it in the order they came', async () => {
    const upstream =
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path"' } }] }) +
      chunk({ content: 'Reading.' }) +
      chunk({ reasoning_content: 'Then check it.' }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':"/a"}' } }] }) +
      chunk({}, 'tool_calls') +
      DONE_FRAME;
    const sse = replay(chatToMessagesText({ model: MODEL }), upstream);
    expect(eventSequence(parseAnthropicSse(sse)).filter((event) => event.startsWith('content_block_start'))).toHaveLength(3);
    const message = await finalMessageViaSdk(sse);
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { path: '/a' } },
      { type: 'text', text: 'Reading.' },
      { type: 'thinking', thinking: 'Then check it.', signature: routerSignature('Then check it.') },
    ]);
  });
});

describe('createChatToMessagesStream edge cases', () => {
  it('streams reasoning as a thinking block before the text, signed by the router, and drops empty content', () => {
    const t = chatToMessagesText({ model: MODEL });
    const out = replay(t, chunk({ reasoning_content: 'thinking...', content: '' }) + chunk({ content: 'Answer.' }, 'stop') + DONE_FRAME);
    const frames = parseAnthropicSse(out);
    expect(eventSequence(frames)).toEqual([
      'message_start',
      'content_block_start@0',
      'content_block_delta@0',
      'content_block_delta@0',
      'content_block_stop@0',
      'content_block_start@1',
      'content_block_delta@1',
      'content_block_stop@1',
      'message_delta',
      'message_stop',
    ]);
    expect(frames[1]?.data.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(frames[2]?.data.delta).toEqual({ type: 'thinking_delta', thinking: 'thinking...' });
    expect((frames[3]?.data.delta as { signature: string }).signature).toMatch(/^epr1\./);
  });

  it('maps a length finish to max_tokens, not overwritten by the null of a later usage chunk', () => {
    const t = chatToMessagesText({ model: MODEL });
    const usage = { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const upstream = chunk({ content: 'cut' }) + chunk({}, 'length') + chunk({ content: '' }, null, usage) + DONE_FRAME;
    const frames = parseAnthropicSse(replay(t, upstream));
    expect(frames.find((f) => f.event === 'message_delta')?.data.delta).toEqual({ stop_reason: 'max_tokens', stop_sequence: null });
  });

  it('reports data that is not JSON as an api_error and writes nothing after it', () => {
    const t = chatToMessagesText({ model: MODEL });
    const frames = parseAnthropicSse(t.push({ event: undefined, data: '{not json' }));
    expect(eventSequence(frames)).toEqual(['error']);
    expect((frames[0]?.data.error as { type: string }).type).toBe('api_error');
    expect(t.error?.type).toBe('api_error');
    expect(t.push({ event: undefined, data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'late' } }] }) })).toBe('');
  });

  it('ends with an error event when [DONE] is the only event: no answer is not an empty turn, as a whole answer without choices is a 502', () => {
    const t = chatToMessagesText({ model: MODEL });
    const frames = parseAnthropicSse(t.push({ event: undefined, data: '[DONE]' }));
    expect(eventSequence(frames)).toEqual(['message_start', 'error']);
    expect(frames[1]?.data.error).toEqual({ type: 'api_error', message: expect.stringContaining('without an answer') });
    expect(t.error).toBeDefined();
    expect(t.push({ event: undefined, data: '[DONE]' })).toBe('');
  });

  it('a stream whose only choice chunk ends it (no text) is a whole empty turn', () => {
    const t = chatToMessagesText({ model: MODEL });
    t.push({
      event: undefined,
      data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    });
    const frames = parseAnthropicSse(t.push({ event: undefined, data: '[DONE]' }));
    expect(eventSequence(frames)).toEqual(['message_delta', 'message_stop']);
    expect(frames[0]?.data.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });
});

describe('the official Anthropic SDK reading the translated stream', () => {
  it('assembles the text message with its stop reason and usage', async () => {
    const sse = replay(chatToMessagesText({ model: MODEL }), fixtureText('openai-chat-stream-usage.sse'));
    const message = await finalMessageViaSdk(sse);
    expect(message.model).toBe(MODEL);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there!' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toEqual({
      input_tokens: 9,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 3,
      output_tokens_details: { thinking_tokens: 0 },
    });
  });

  it('assembles text and both tool calls with their parsed input', async () => {
    const sse = replay(chatToMessagesText({ model: MODEL }), toolCallStream);
    const message = await finalMessageViaSdk(sse);
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { file_path: '/a' } },
      { type: 'tool_use', id: 'call_b', name: 'Bash', input: { command: 'ls' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toEqual({ input_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 20 });
  });

  it('assembles OpenRouter’s stream with the usage that came after the finish chunk', async () => {
    const sse = replay(chatToMessagesText({ model: MODEL }), fixtureText('openrouter-chat-stream.sse'));
    const message = await finalMessageViaSdk(sse);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there!' }]);
    expect(message.usage).toEqual({
      input_tokens: 14,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 3,
      output_tokens_details: { thinking_tokens: 0 },
    });
  });

  it('raises an error for a bare [DONE], the provider having sent no answer', async () => {
    await expect(finalMessageViaSdk(chatToMessagesText({ model: MODEL }).push({ event: undefined, data: '[DONE]' }))).rejects.toThrow(
      /without an answer/,
    );
  });

  it('raises the upstream’s mid-stream error message', async () => {
    const sse = replay(chatToMessagesText({ model: MODEL }), fixtureText('openrouter-midstream-error.sse'));
    await expect(finalMessageViaSdk(sse)).rejects.toThrow(/Provider disconnected unexpectedly/);
  });
});
