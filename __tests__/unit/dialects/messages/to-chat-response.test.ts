import fixture from '../../../fixtures/anthropic-message.json';
import { toChatCompletion } from '../../../../lib/dialects/messages/to-chat/response';
import type { AnthropicMessage } from '../../../../lib/dialects/messages/wire';

const toolMessage = fixture as AnthropicMessage;

function message(overrides: Partial<AnthropicMessage>): AnthropicMessage {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: [],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
    ...overrides,
  };
}

describe('toChatCompletion', () => {
  it('translates the recorded tool_use message into text plus a tool call', () => {
    const before = Date.now();
    const out = toChatCompletion(toolMessage);
    expect(out).toEqual({
      id: 'msg_01Aq9w938a90dw8q',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'claude-sonnet-5-5',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: "I'll check the current weather in San Francisco for you.",
            refusal: null,
            tool_calls: [
              {
                id: 'toolu_01A09q90qw90lq917835lq9',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 384, completion_tokens: 92, total_tokens: 476 },
    });
    expect(out.created).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(out.created).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('joins several text blocks into one content string', () => {
    const out = toChatCompletion(
      message({
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: ' world' },
        ],
      }),
    );
    expect(out.choices[0]?.message.content).toBe('Hello world');
    expect(out.choices[0]?.message).not.toHaveProperty('tool_calls');
    expect(out.choices[0]?.finish_reason).toBe('stop');
  });

  it('sets content to null when there are tool calls and no text', () => {
    const out = toChatCompletion(
      message({
        stop_reason: 'tool_use',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }],
      }),
    );
    expect(out.choices[0]?.message.content).toBeNull();
    expect(out.choices[0]?.message.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'now', arguments: '{}' } }]);
  });

  it('ignores thinking blocks', () => {
    const out = toChatCompletion(
      message({
        content: [
          { type: 'thinking', thinking: 'Let me think...', signature: 'sig' },
          { type: 'redacted_thinking', data: 'xyz' },
          { type: 'text', text: 'Answer.' },
        ],
      }),
    );
    expect(out.choices[0]?.message.content).toBe('Answer.');
  });

  it('maps max_tokens to finish_reason length', () => {
    expect(toChatCompletion(message({ stop_reason: 'max_tokens' })).choices[0]?.finish_reason).toBe('length');
  });

  it('counts cache reads and writes into prompt_tokens', () => {
    const out = toChatCompletion(
      message({
        usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 5 },
      }),
    );
    expect(out.usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
    });
  });
});
