/** Reading Messages API streams (the Anthropic dialect) as a client receives them. */
import Anthropic from '@anthropic-ai/sdk';
import { startFakeUpstream } from './fake-upstream';
import { KEEP_ALIVE_BLOCK } from './chat-stream';
import { parseSse, sseBlocks } from './sse';

/** One frame of a Messages stream: its event name and its parsed payload. */
export interface AnthropicFrame {
  event: string;
  data: Record<string, unknown>;
}

/**
 * The frames of a Messages stream written the way the router writes one, failing the test
 * otherwise: each frame exactly an `event:` line and one `data:` line (or the router's keep-alive
 * comment, skipped), LF line endings, one blank line after every frame, and each payload's `type`
 * equal to its frame's `event`.
 */
export function parseAnthropicSse(text: string): AnthropicFrame[] {
  const blocks = sseBlocks(text);
  expect(blocks.map((block) => `${block}\n\n`).join('')).toBe(text);
  const frames: AnthropicFrame[] = [];
  for (const raw of blocks.filter((block) => block !== KEEP_ALIVE_BLOCK)) {
    const [eventLine, dataLine, ...rest] = raw.split('\n');
    expect(eventLine).toMatch(/^event: \S+$/);
    expect(dataLine).toMatch(/^data: /);
    expect(rest).toEqual([]);
    const [frame] = parseSse(raw);
    const event = frame!.event!;
    const data = JSON.parse(frame!.data) as Record<string, unknown>;
    expect(data.type).toBe(event);
    frames.push({ event, data });
  }
  expect(text.endsWith('\n\n') || text === '').toBe(true);
  return frames;
}

/** `event` names plus the block index where the frame has one, e.g. `content_block_delta@1`. */
export function eventSequence(frames: AnthropicFrame[]): string[] {
  return frames.map((f) => (typeof f.data.index === 'number' ? `${f.event}@${f.data.index}` : f.event));
}

/**
 * Serves `sseText` from a fake Anthropic upstream as the answer to a streamed request and reads it
 * with the official SDK's `messages.stream(...).finalMessage()`.
 */
export async function finalMessageViaSdk(sseText: string): Promise<Anthropic.Message> {
  const fake = await startFakeUpstream('anthropic');
  fake.handler = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(sseText);
  };
  try {
    const client = new Anthropic({ apiKey: 'x', baseURL: fake.baseUrl, maxRetries: 0 });
    return await client.messages.stream({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
  } finally {
    await fake.close();
  }
}
