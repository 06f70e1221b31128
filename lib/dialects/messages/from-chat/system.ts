import type { AnthropicTextBlock } from '../wire';

/**
 * Anthropic's top-level `system` from the text blocks of a request's system and developer messages
 * (one array per message, in order): their texts joined, a message's parts by a newline and the
 * messages by a blank line. When a block carries `cache_control`, `system` is sent as text blocks
 * instead, each ending at a marked block and carrying its marker, since Anthropic caches up to a
 * block; the separator at such a break begins the next block, so that the text read is the same.
 * Undefined when there is no system text.
 */
export function toAnthropicSystem(systemMessages: readonly AnthropicTextBlock[][]): string | AnthropicTextBlock[] | undefined {
  const texts = systemMessages.filter((blocks) => blocks.length > 0);
  if (texts.length === 0) return undefined;
  if (!texts.some((blocks) => blocks.some((block) => block.cache_control !== undefined))) {
    return texts.map((blocks) => blocks.map((block) => block.text).join('\n')).join('\n\n');
  }
  const system: AnthropicTextBlock[] = [];
  let pending = '';
  texts.forEach((blocks, m) => {
    blocks.forEach((block, i) => {
      const separator = i > 0 ? '\n' : m > 0 ? '\n\n' : '';
      pending = `${pending}${separator}${block.text}`;
      if (block.cache_control === undefined) return;
      system.push({ type: 'text', text: pending, cache_control: block.cache_control });
      pending = '';
    });
  });
  if (pending !== '') system.push({ type: 'text', text: pending });
  return system;
}
