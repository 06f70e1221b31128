import { mapAnthropicStopReason } from '../../../../lib/dialects/messages/to-chat/stop-reason';
import { toOpenAIUsage } from '../../../../lib/dialects/messages/to-chat/usage';

describe('mapAnthropicStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    ['model_context_window_exceeded', 'length'],
    [null, 'stop'],
    [undefined, 'stop'],
  ] as const)('maps %p to %p', (reason, expected) => {
    expect(mapAnthropicStopReason(reason)).toBe(expected);
  });
});

describe('toOpenAIUsage', () => {
  it('maps output_tokens to completion_tokens, sums input and cache tokens into prompt_tokens, and reports cache reads as cached_tokens and cache writes as cache_write_tokens, as OpenRouter names them', () => {
    expect(toOpenAIUsage({ input_tokens: 7, cache_read_input_tokens: 300, cache_creation_input_tokens: 50, output_tokens: 12 })).toEqual({
      prompt_tokens: 357,
      completion_tokens: 12,
      total_tokens: 369,
      prompt_tokens_details: { cached_tokens: 300, cache_write_tokens: 50 },
    });
  });

  it('treats missing and null counts as 0', () => {
    expect(toOpenAIUsage({ input_tokens: 7, cache_read_input_tokens: null })).toEqual({
      prompt_tokens: 7,
      completion_tokens: 0,
      total_tokens: 7,
    });
    expect(toOpenAIUsage({})).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});
