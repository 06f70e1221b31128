import { isRecord } from '../../../is-record';
import type { AnthropicThinkingBlock } from '../wire';

/**
 * Anthropic's signed thinking as chat clients carry it, the way OpenRouter shapes it:
 * `reasoning_details` entries that a client sends back unchanged, so that the exact blocks (text
 * and signature) reach Anthropic again in the next turn of a tool loop.
 */

/** The `format` of entries holding Anthropic's blocks. */
export const ANTHROPIC_REASONING_FORMAT = 'anthropic-claude-v1';

/** A `reasoning_details` entry: a signed thinking text, or a redacted block's data. */
export type ReasoningDetail =
  | { type: 'reasoning.text'; text?: string; signature?: string; format: string; index?: number }
  | { type: 'reasoning.encrypted'; data: string; format: string; index?: number };

/** The entry of one thinking block: its text and signature. */
export function thinkingDetail(text: string, signature: string | undefined, index?: number): ReasoningDetail {
  return {
    type: 'reasoning.text',
    text,
    ...(signature ? { signature } : {}),
    format: ANTHROPIC_REASONING_FORMAT,
    ...(index === undefined ? {} : { index }),
  };
}

/** A streamed thinking block's signature, on an entry of its own with the block's index, as OpenRouter sends it. */
export function signatureDetail(signature: string, index: number): ReasoningDetail {
  return { type: 'reasoning.text', signature, format: ANTHROPIC_REASONING_FORMAT, index };
}

/** The entry of one redacted thinking block. */
export function redactedDetail(data: string, index?: number): ReasoningDetail {
  return { type: 'reasoning.encrypted', data, format: ANTHROPIC_REASONING_FORMAT, ...(index === undefined ? {} : { index }) };
}

/**
 * An entry joined from streamed pieces as the whole answer carries it, so that the same answer
 * seals the same envelope streamed or not: its fields in one order, and a whole Anthropic block
 * (signed text, or redacted data) without the `index` that only grouped its pieces. A piece that
 * is not a whole block (a signature that came apart from its text) keeps the index it joins by.
 */
export function wholeDetail(entry: Record<string, unknown>): Record<string, unknown> {
  const whole =
    entry.format === ANTHROPIC_REASONING_FORMAT &&
    ((entry.type === 'reasoning.text' && typeof entry.text === 'string' && typeof entry.signature === 'string' && entry.signature !== '') ||
      (entry.type === 'reasoning.encrypted' && typeof entry.data === 'string'));
  const names = Object.keys(entry)
    .filter((name) => !(whole && name === 'index'))
    .sort();
  return Object.fromEntries(names.map((name) => [name, entry[name]]));
}

/**
 * The thinking blocks in an assistant message's `reasoning_details` (as the router and OpenRouter
 * shape Anthropic's): entries with one `index` join into one block, its text and its signature.
 * Entries of other formats, and text without a signature, cannot go to Anthropic and are left out.
 */
export function thinkingBlocksOf(details: unknown): AnthropicThinkingBlock[] {
  if (!Array.isArray(details)) return [];
  const byIndex = new Map<unknown, { thinking: string; signature: string; data: string | undefined }>();
  details.forEach((detail: unknown, position) => {
    if (typeof detail !== 'object' || detail === null) return;
    const entry = detail as Record<string, unknown>;
    if (entry.format !== ANTHROPIC_REASONING_FORMAT) return;
    const key = entry.index ?? `at ${position}`;
    const block = byIndex.get(key) ?? { thinking: '', signature: '', data: undefined };
    if (typeof entry.text === 'string') block.thinking += entry.text;
    if (typeof entry.signature === 'string') block.signature = entry.signature;
    if (entry.type === 'reasoning.encrypted' && typeof entry.data === 'string') block.data = entry.data;
    byIndex.set(key, block);
  });
  const blocks: AnthropicThinkingBlock[] = [];
  for (const block of byIndex.values()) {
    if (block.data !== undefined) blocks.push({ type: 'redacted_thinking', data: block.data });
    else if (block.signature !== '') blocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
  }
  return blocks;
}

/**
 * The entries of `details` that are not Anthropic's blocks: another provider's own reasoning
 * behind OpenRouter (Gemini's thought signatures, `google-gemini-v1`), which OpenRouter needs back
 * in a tool loop (Gemini refuses a function call whose signature went missing).
 */
export function providerDetailsOf(details: unknown): Record<string, unknown>[] {
  if (!Array.isArray(details)) return [];
  return details.filter((detail): detail is Record<string, unknown> => isRecord(detail) && detail.format !== ANTHROPIC_REASONING_FORMAT);
}
