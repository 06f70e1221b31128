import { inAnthropicContextWords } from '../../../../lib/dialects/messages/context-overflow';

/** Claude Code's own reading of the two wordings (its 2.1 CLI, as measured). */
const CLAUDE_CODE_MAX_TOKENS = /input length and `max_tokens` exceed context limit: (\d+) \+ (\d+) > (\d+)/;
const CLAUDE_CODE_TOO_LONG = /prompt is too long[^0-9]*(\d+)\s*tokens?\s*>\s*(\d+)/i;

describe('inAnthropicContextWords: the provider’s message whole, then a full context in the words Claude Code reads', () => {
  test.each([
    [
      'OpenAI, DeepSeek, Groq, older vLLM',
      "This model's maximum context length is 32768 tokens. However, you requested 70000 tokens (6000 in the messages, 64000 in the completion). Please reduce the length of the messages or completion.",
      ['6000', '64000', '32768'],
    ],
    [
      'OpenRouter, with tool input',
      'This endpoint\'s maximum context length is 131072 tokens. However, you requested about 142000 tokens (76000 of text input, 2000 of tool input, 64000 in the output). Please reduce the length of either one, or use the "middle-out" transform to compress your prompt automatically.',
      ['78000', '64000', '131072'],
    ],
    [
      'vLLM',
      "This model's maximum context length is 32768 tokens. However, you requested 64000 output tokens and your prompt contains at least 6001 input tokens, for a total of at least 70001 tokens. Please reduce the length of the input prompt or the number of requested output tokens.",
      ['6001', '64000', '32768'],
    ],
    [
      'vLLM, max_tokens too large',
      "'max_tokens' or 'max_completion_tokens' is too large: 64000. This model's maximum context length is 32768 tokens and your request has 6000 input tokens (64000 > 32768 - 6000).",
      ['6000', '64000', '32768'],
    ],
    [
      'the text completions wording (OpenAI, vLLM), its parts parted by a semicolon',
      "This model's maximum context length is 32768 tokens, however you requested 70000 tokens (6000 in your prompt; 64000 for the completion). Please reduce your prompt; or completion length.",
      ['6000', '64000', '32768'],
    ],
    [
      'Mistral',
      'Prompt contains 6000 tokens and 64000 draft tokens, too large for model with 32768 maximum context length',
      ['6000', '64000', '32768'],
    ],
  ])(
    '%s: the input and max_tokens that overflow become Anthropic’s "exceed context limit", which Claude Code retries with a max_tokens that fits',
    (_provider, message, numbers) => {
      const words = inAnthropicContextWords(message);
      expect(CLAUDE_CODE_MAX_TOKENS.exec(words)?.slice(1)).toEqual(numbers);
      expect(words.startsWith(message)).toBe(true);
    },
  );

  test.each([
    [
      'OpenAI, the prompt alone',
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. Please reduce the length of the messages.",
      ['130532', '128000'],
    ],
    [
      'OpenAI, with functions',
      "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens (8500 in the messages, 500 in the functions). Please reduce the length of the messages or functions.",
      ['9000', '8192'],
    ],
    [
      'a prompt over the context on its own, max_tokens counted in',
      "This model's maximum context length is 32768 tokens. However, you requested 104000 tokens (40000 in the messages, 64000 in the completion).",
      ['40000', '32768'],
    ],
    ['llama-server', 'request (140000 tokens) exceeds the available context size (131072 tokens), try increasing it', ['140000', '131072']],
  ])('%s: a prompt that does not fit becomes Anthropic’s "prompt is too long"', (_provider, message, numbers) => {
    const words = inAnthropicContextWords(message);
    expect(CLAUDE_CODE_TOO_LONG.exec(words)?.slice(1)).toEqual(numbers);
    expect(CLAUDE_CODE_MAX_TOKENS.test(words)).toBe(false);
    expect(words.startsWith(message)).toBe(true);
  });

  test('llama-server’s older wording, its figures beside it (n_prompt_tokens, n_ctx): a prompt that does not fit', () => {
    const message = 'the request exceeds the available context size, try increasing it';
    const words = inAnthropicContextWords(message, { inputTokens: 5000, contextLimit: 4096 });
    expect(words).toBe(`${message} (prompt is too long: 5000 tokens > 4096 maximum)`);
    expect(CLAUDE_CODE_TOO_LONG.exec(words)?.slice(1)).toEqual(['5000', '4096']);
  });

  test.each([
    ['another 400', 'Invalid value for temperature: 3 is greater than the maximum of 2.'],
    [
      'a limit on output tokens alone (no context figures to fit it by)',
      'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
    ],
    ['a context message without figures', "This endpoint's maximum context length is 40960 tokens. However, you requested about 52000 tokens."],
    ['already Anthropic’s words', 'prompt is too long: 210000 tokens > 200000 maximum'],
  ])('%s is left as it is', (_case, message) => {
    expect(inAnthropicContextWords(message)).toBe(message);
  });
});
