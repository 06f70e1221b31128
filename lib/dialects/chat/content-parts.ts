import { isRecord } from '../../is-record';

/**
 * The answer text of a chat `content`, a message's or a stream delta's: a string as it is, or the
 * text of an array of parts (`{type: "text", text}`: Mistral's reasoning models and some other
 * OpenAI-compatible servers answer with parts, streamed too), its thinking parts left out; empty
 * when there is none.
 */
export function contentTextOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as unknown[]) {
    if (isRecord(part) && part.type !== 'thinking' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/**
 * The reasoning text an array `content` holds: Mistral's `{type: "thinking", thinking: [{type:
 * "text", text}]}` parts (their `thinking` may be a string too); empty for a string `content`.
 */
export function contentReasoningOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  let reasoning = '';
  for (const part of content as unknown[]) {
    if (!isRecord(part) || part.type !== 'thinking') continue;
    if (typeof part.thinking === 'string') reasoning += part.thinking;
    else if (Array.isArray(part.thinking)) reasoning += contentTextOf(part.thinking);
  }
  return reasoning;
}

/**
 * The reasoning text of a chat message or stream delta: `reasoning_content` (llama-server,
 * DeepSeek), else `reasoning` (OpenRouter, vLLM, Ollama), else the thinking parts of its
 * `content` (Mistral); empty when there is none.
 */
export function reasoningTextOf(message: { reasoning_content?: unknown; reasoning?: unknown; content?: unknown } | undefined): string {
  if (typeof message?.reasoning_content === 'string' && message.reasoning_content !== '') return message.reasoning_content;
  if (typeof message?.reasoning === 'string' && message.reasoning !== '') return message.reasoning;
  return contentReasoningOf(message?.content);
}
