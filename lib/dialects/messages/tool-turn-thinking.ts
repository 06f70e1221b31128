import { isRecord } from '../../is-record';

/**
 * True when an assistant turn calls tools but does not open with a thinking block. With thinking
 * enabled, Anthropic refuses a tool loop whose last assistant turn is like that ("a final
 * `assistant` message must start with a thinking block").
 */
export function callsToolsWithoutThinking(message: unknown): boolean {
  if (!isRecord(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return false;
  const blocks = message.content as unknown[];
  const typeOf = (block: unknown): unknown => (isRecord(block) ? block.type : undefined);
  const opening = typeOf(blocks[0]);
  return blocks.some((block) => typeOf(block) === 'tool_use') && opening !== 'thinking' && opening !== 'redacted_thinking';
}
