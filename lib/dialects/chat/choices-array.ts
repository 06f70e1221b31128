import type { ChatStreamEvent } from './stream-codec';

/**
 * A chunk whose `choices` is missing or `null` with `choices: []`, OpenAI's shape: DeepInfra, Groq
 * and Gemini's compatible endpoint send their usage chunk without `choices`, some servers with
 * `choices: null`, and the openai SDK's stream helper (`chat.completions.stream()`) throws
 * `chunk.choices is not iterable` on either. A chunk that carries an `error` is left as it is:
 * clients built for OpenAI read a frame without `choices` as the stream's failure. Any other event
 * is returned as it is, byte for byte.
 */
export function withChoicesArray(event: ChatStreamEvent): ChatStreamEvent {
  if (event.type !== 'chunk') return event;
  const { choices, error } = event.chunk as { choices?: unknown; error?: unknown };
  if (choices !== undefined && choices !== null) return event;
  if (error !== undefined && error !== null) return event;
  return { type: 'chunk', chunk: { ...event.chunk, choices: [] } };
}
