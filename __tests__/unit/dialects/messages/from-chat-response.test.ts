import { FailedAnswerError } from '../../../../lib/dialects/chat/answer-message';
import { toAnthropicMessage } from '../../../../lib/dialects/messages/from-chat/response';
import { mapFinishReasonToStopReason } from '../../../../lib/dialects/messages/from-chat/stop-reason';
import type { ChatCompletion } from '../../../../lib/dialects/chat/wire';
import { fixtureJson } from '../../../support/fixtures';

const fixture = fixtureJson<ChatCompletion>('openai-chat.json');

function completion(
  message: ChatCompletion['choices'][number]['message'],
  finish: string | null,
  extra: Partial<ChatCompletion> = {},
): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message, finish_reason: finish as never }],
    ...extra,
  };
}

describe('toAnthropicMessage', () => {
  it("gives Anthropic's relayed blocks back one by one, each with its signature, redacted ones too", () => {
    const details = [
      { type: 'reasoning.text', text: 'one', signature: 'SIG-1', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.text', text: 'two', signature: 'SIG-2', format: 'anthropic-claude-v1', index: 1 },
      { type: 'reasoning.encrypted', data: 'opaque', format: 'anthropic-claude-v1', index: 2 },
    ];
    const message = {
      role: 'assistant',
      content: 'Answer.',
      reasoning: 'one\ntwo',
      reasoning_details: details,
    } as ChatCompletion['choices'][number]['message'];
    expect(toAnthropicMessage(completion(message, 'stop')).content).toEqual([
      { type: 'thinking', thinking: 'one', signature: 'SIG-1' },
      { type: 'thinking', thinking: 'two', signature: 'SIG-2' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it.each([
    ['finish_reason "error"', completion({ role: 'assistant', content: 'partial' }, 'error')],
    ['an error on the choice', completion({ role: 'assistant', content: 'partial' }, 'stop', {}) as ChatCompletion],
    ['no choice at all', { ...fixture, choices: [] }],
  ])('refuses an answer the provider failed (%s) rather than pass cut-off text for end_turn', (name, answer) => {
    if (name === 'an error on the choice') Object.assign(answer.choices[0]!, { error: { code: 502, message: 'Provider disconnected' } });
    expect(() => toAnthropicMessage(answer)).toThrow(FailedAnswerError);
  });

  it('translates the OpenAI fixture into an Anthropic text message', () => {
    expect(toAnthropicMessage(fixture)).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-2025-04-14',
      content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 19,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 10,
        output_tokens_details: { thinking_tokens: 0 },
      },
    });
  });

  it("gives each answer an id of its own, whatever the upstream's", () => {
    const first = toAnthropicMessage({ ...fixture, id: 'msg_abc' }).id;
    expect(first).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(toAnthropicMessage({ ...fixture, id: 'msg_abc' }).id).not.toBe(first);
  });

  it.each(['{"command":', '[1,2]', '"text"'])('refuses tool call arguments %j that are not a JSON object, naming the tool', (args) => {
    const call = { id: 'call_2', type: 'function' as const, function: { name: 'Bash', arguments: args } };
    expect(() => toAnthropicMessage(completion({ role: 'assistant', content: null, tool_calls: [call] }, 'tool_calls'))).toThrow(
      /tool call "Bash" that are not a JSON object/,
    );
  });

  it('turns tool calls into tool_use blocks after the text, with parsed input', () => {
    const out = toAnthropicMessage(
      completion(
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/a"}' } },
            { id: 'call_3', type: 'function', function: { name: 'Now', arguments: '' } },
          ],
        },
        'tool_calls',
      ),
    );
    expect(out.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'call_1', name: 'Read', input: { file_path: '/a' } },
      { type: 'tool_use', id: 'call_3', name: 'Now', input: {} },
    ]);
    expect(out.stop_reason).toBe('tool_use');
  });

  it('leaves out an empty or null text', () => {
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    expect(toAnthropicMessage(completion({ role: 'assistant', content: '', tool_calls: [call] }, 'tool_calls')).content).toEqual([
      { type: 'tool_use', id: 'c', name: 'f', input: {} },
    ]);
    expect(toAnthropicMessage(completion({ role: 'assistant', content: null }, 'stop')).content).toEqual([]);
  });

  it('reports tool_use when an upstream finishes a tool-calling turn with stop', () => {
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    expect(toAnthropicMessage(completion({ role: 'assistant', content: null, tool_calls: [call] }, 'stop')).stop_reason).toBe('tool_use');
  });

  it('maps length to max_tokens and reports zero usage when the upstream gives none', () => {
    const out = toAnthropicMessage(completion({ role: 'assistant', content: 'cut' }, 'length'));
    expect(out.stop_reason).toBe('max_tokens');
    expect(out.usage).toEqual({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
  });
});

describe('mapFinishReasonToStopReason', () => {
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    ['error', 'end_turn'],
    [null, 'end_turn'],
    [undefined, 'end_turn'],
  ])('maps %p to %p', (reason, expected) => {
    expect(mapFinishReasonToStopReason(reason)).toBe(expected);
  });
});
