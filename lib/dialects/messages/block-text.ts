import { isRecord } from '../../is-record';

/** Reading text out of Anthropic content that may be a string or an array of blocks. */

/**
 * The text of `content`: a string as it is, or the `text` of its text blocks joined with
 * `separator`. Blocks of other types are left out.
 */
export function textOfContent(content: unknown, separator = '\n\n'): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const block of content) {
    if (isTextBlock(block)) texts.push(block.text);
  }
  return texts.join(separator);
}

/** True for an object of the shape `{type:'text', text: string}`. */
export function isTextBlock(block: unknown): block is { type: 'text'; text: string } {
  return isRecord(block) && block.type === 'text' && typeof block.text === 'string';
}
