import { invalidRequest } from '../../errors';
import { isRecord } from '../../is-record';

/** Reading text out of Anthropic content that may be a string or an array of blocks. */

/** True for an object of the shape `{type:'text', text: string}`. */
export function isTextBlock(block: unknown): block is { type: 'text'; text: string } {
  return isRecord(block) && block.type === 'text' && typeof block.text === 'string';
}

/**
 * The blocks of a system prompt, all text (`where` names it in the error): any other block would
 * be lost in a chat system message, so it is refused with a 400 naming its type.
 */
export function systemTextBlocks(blocks: unknown[], where: string): { type: 'text'; text: string }[] {
  return blocks.map((block, index) => {
    if (isTextBlock(block)) return block;
    const type = isRecord(block) && typeof block.type === 'string' ? `a "${block.type}" block` : 'a block that is not text';
    throw invalidRequest(`${where}[${index}] is ${type}: a system prompt can only carry text blocks to this provider.`);
  });
}
