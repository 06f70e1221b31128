import type { ChatStreamEvent } from './stream-codec';

/**
 * The usage-only chunk (`usage` and no choice) of a stream for which the router asked
 * `stream_options.include_usage` on the client's behalf: telemetry reads its token counts, and the
 * client, which asked for none, does not get it. OpenAI sends it with `choices: []`; DeepInfra,
 * Groq and Gemini's compatible endpoint without `choices`, some servers with `choices: null`, which
 * the openai SDK's stream helper cannot iterate.
 */
export function isRequestedUsageChunk(event: ChatStreamEvent): boolean {
  if (event.type !== 'chunk') return false;
  const { choices, usage, error } = event.chunk as { choices?: unknown; usage?: unknown; error?: unknown };
  const noChoice = choices === undefined || choices === null || (Array.isArray(choices) && choices.length === 0);
  // A provider's error beside the usage (OpenRouter) is passed on whatever else the chunk holds.
  return noChoice && usage !== undefined && usage !== null && (error === undefined || error === null);
}
