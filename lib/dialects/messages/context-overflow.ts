/**
 * What an OpenAI-compatible provider's "context is full" message says, in numbers: the prompt's
 * tokens, the `max_tokens` asked for (when the provider counts it in), and the model's context.
 */
export interface Overflow {
  inputTokens: number;
  maxTokens?: number;
  contextLimit: number;
}

const number = (text: string | undefined): number => Number(text);

/**
 * The providers' wordings, each read into an {@link Overflow}; the first that matches wins. Their gaps
 * are bounded: a message may be a megabyte that quotes the client, and `.*?` after each of its
 * thousands of "maximum context length is" would read it to its end every time.
 */
const WORDINGS: readonly ((message: string) => Overflow | undefined)[] = [
  // OpenAI, DeepSeek, Groq, older vLLM: "maximum context length is 32768 tokens. However, you requested
  // 70000 tokens (6000 in the messages, 64000 in the completion)"; OpenRouter: "(76000 of text input,
  // 2000 of tool input, 64000 in the output)"; the text completions wording parts them with a semicolon,
  // "(6000 in your prompt; 64000 for the completion)".
  (message) => {
    const match = /maximum context length is (\d+) tokens\b.{0,100}?requested (?:about )?\d+ tokens \(([^)]{0,300})\)/is.exec(message);
    if (!match) return undefined;
    let inputTokens = 0;
    let maxTokens: number | undefined;
    for (const [, count, what] of (match[2] ?? '').matchAll(/(\d+) ([^,;]*)/g)) {
      if (/\b(?:completion|output)\b/i.test(what ?? '')) maxTokens = number(count);
      else inputTokens += number(count);
    }
    return { inputTokens, maxTokens, contextLimit: number(match[1]) };
  },
  // vLLM: "maximum context length is 32768 tokens. However, you requested 64000 output tokens and your
  // prompt contains at least 6001 input tokens".
  (message) => {
    const match =
      /maximum context length is (\d+) tokens\b.{0,100}?requested (\d+) output tokens and your prompt contains (?:at least )?(\d+) input tokens/is.exec(
        message,
      );
    return match ? { inputTokens: number(match[3]), maxTokens: number(match[2]), contextLimit: number(match[1]) } : undefined;
  },
  // vLLM: "'max_tokens' or 'max_completion_tokens' is too large: 64000. This model's maximum context
  // length is 32768 tokens and your request has 6000 input tokens (64000 > 32768 - 6000)".
  (message) => {
    const match = /is too large: (\d+)\.\s*This model's maximum context length is (\d+) tokens and your request has (\d+) input tokens/i.exec(
      message,
    );
    return match ? { inputTokens: number(match[3]), maxTokens: number(match[1]), contextLimit: number(match[2]) } : undefined;
  },
  // Mistral: "Prompt contains 40000 tokens and 64000 draft tokens, too large for model with 32768 maximum context length".
  (message) => {
    const match = /Prompt contains (\d+) tokens and (\d+) draft tokens, too large for model with (\d+) maximum context length/i.exec(message);
    return match ? { inputTokens: number(match[1]), maxTokens: number(match[2]), contextLimit: number(match[3]) } : undefined;
  },
  // OpenAI, the prompt alone: "maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens".
  (message) => {
    const match = /maximum context length is (\d+) tokens\b.{0,100}?your messages resulted in (\d+) tokens/is.exec(message);
    return match ? { inputTokens: number(match[2]), contextLimit: number(match[1]) } : undefined;
  },
  // llama-server: "request (140000 tokens) exceeds the available context size (131072 tokens)".
  (message) => {
    const match = /request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)/i.exec(message);
    return match ? { inputTokens: number(match[1]), contextLimit: number(match[2]) } : undefined;
  },
];

/** Anthropic's own wordings, which a message that already has one keeps as it is. */
const ANTHROPIC_WORDING = /prompt is too long|exceed context limit/i;

/**
 * An OpenAI-compatible provider's 400 for a full context: the provider's message, followed by the
 * same fact in Anthropic's words, which Claude Code finds wherever they stand in the message.
 * "input length and `max_tokens` exceed context limit: I + M > L" makes it ask again at once with
 * a `max_tokens` that fits (it asks for 32,000 to 64,000, more than a small model's context leaves
 * beside the conversation); "prompt is too long: N tokens > L maximum" it reports as a prompt too
 * long. `given`: figures the provider sent beside its message (llama-server's `n_prompt_tokens`
 * and `n_ctx`), for a message without them. A message of another kind, or already in Anthropic's
 * words, is returned as it is.
 */
export function inAnthropicContextWords(message: string, given?: Overflow): string {
  if (ANTHROPIC_WORDING.test(message)) return message;
  const overflow = figuresIn(message) ?? given;
  if (overflow === undefined || !(overflow.contextLimit > 0)) return message;
  const { inputTokens, maxTokens, contextLimit } = overflow;
  if (maxTokens !== undefined && inputTokens < contextLimit) {
    return `${message} (input length and \`max_tokens\` exceed context limit: ${inputTokens} + ${maxTokens} > ${contextLimit})`;
  }
  return `${message} (prompt is too long: ${inputTokens} tokens > ${contextLimit} maximum)`;
}

/** The figures of the first of {@link WORDINGS} that `message` is in. */
function figuresIn(message: string): Overflow | undefined {
  for (const read of WORDINGS) {
    const overflow = read(message);
    if (overflow !== undefined) return overflow;
  }
  return undefined;
}
