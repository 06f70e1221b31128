import type { ChatStreamEvent } from './stream-codec';

/**
 * The usage-only chunk (`choices: []` with `usage`) of a stream for which the router asked
 * `stream_options.include_usage` on the client's behalf: telemetry reads its token counts, and the
 * client, which asked for none, does not get it.
 */
export function isRequestedUsageChunk(event: ChatStreamEvent): boolean {
  if (event.type !== 'chunk') return false;
  const { choices, usage } = event.chunk;
  return Array.isArray(choices) && choices.length === 0 && usage !== undefined && usage !== null;
}
