/** Reading chat completions streams (the OpenAI dialect) as a client receives them. */
import type { ChatCompletionChunk } from '../../lib/dialects/chat/wire';
import { dataPayloads, sseBlocks } from './sse';

/** A payload of a chat completions stream: a chunk (or an error object), or the terminator. */
export type ChatStreamPayload = ChatCompletionChunk | Record<string, unknown> | '[DONE]';

/** The comment frame the router writes for an upstream's keep-alive on a translated stream. */
export const KEEP_ALIVE_BLOCK = ': keep-alive';

/**
 * The payloads of a chat completions stream written the way the router writes one, failing the
 * test otherwise: frames of one `data: ` line each (or the router's keep-alive comment, skipped),
 * LF line endings, every frame ended by exactly one blank line. Each payload is parsed JSON or the
 * string '[DONE]'.
 */
export function chatStreamPayloads(text: string): ChatStreamPayload[] {
  expect(text.endsWith('\n\n') || text === '').toBe(true);
  const blocks = sseBlocks(text);
  expect(blocks.map((block) => `${block}\n\n`).join('')).toBe(text);
  return blocks
    .filter((block) => block !== KEEP_ALIVE_BLOCK)
    .map((block) => {
      expect(block.startsWith('data: ')).toBe(true);
      const data = block.slice('data: '.length);
      return data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as ChatCompletionChunk);
    });
}

/** The assistant text of a chat completions stream: its `delta.content` pieces, joined. */
export function streamedText(body: string): string {
  let text = '';
  for (const payload of dataPayloads(body)) {
    const delta = (payload as { choices?: Array<{ delta?: { content?: unknown } }> }).choices?.[0]?.delta;
    if (typeof delta?.content === 'string') text += delta.content;
  }
  return text;
}

/** The error frames (`data: {"error":...}` without `choices`) of a chat completions stream. */
export function errorFrames(body: string): Array<{ message: string; type: string }> {
  return dataPayloads(body)
    .filter((payload): payload is { error: { message: string; type: string } } => {
      const p = payload as { error?: unknown; choices?: unknown };
      return typeof p === 'object' && p !== null && typeof p.error === 'object' && p.choices === undefined;
    })
    .map((payload) => payload.error);
}
