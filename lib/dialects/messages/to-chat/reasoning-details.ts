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

/** The entry of one redacted thinking block. */
export function redactedDetail(data: string, index?: number): ReasoningDetail {
  return { type: 'reasoning.encrypted', data, format: ANTHROPIC_REASONING_FORMAT, ...(index === undefined ? {} : { index }) };
}
