import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import type { TextTranslation } from '../../../support/text-translation';

/** The text of a fixture file. */
export function fixtureText(name: string): string {
  return readFileSync(join(__dirname, '../../../fixtures', name), 'utf8');
}

/** Feeds an upstream SSE byte stream through the translator, as the core's pump does. */
export function replay(translator: TextTranslation, upstream: string): string {
  let out = '';
  const parser = createParser({
    onEvent(e) {
      out += translator.push({ event: e.event, data: e.data });
    },
  });
  parser.feed(upstream);
  return out;
}

export interface ParsedFrame {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Splits produced Anthropic SSE text into frames, failing on a frame without its `event:` line
 * or whose `event:` differs from its payload `type`.
 */
export function parseAnthropicSse(text: string): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  for (const raw of text.split('\n\n')) {
    if (raw === '') continue;
    const [eventLine, dataLine, ...rest] = raw.split('\n');
    expect(eventLine).toMatch(/^event: \S+$/);
    expect(dataLine).toMatch(/^data: /);
    expect(rest).toEqual([]);
    const event = (eventLine ?? '').slice('event: '.length);
    const data = JSON.parse((dataLine ?? '').slice('data: '.length)) as Record<string, unknown>;
    expect(data.type).toBe(event);
    frames.push({ event, data });
  }
  expect(text.endsWith('\n\n') || text === '').toBe(true);
  return frames;
}

/** `event` names plus the block index where the frame has one, e.g. `content_block_delta@1`. */
export function eventSequence(frames: ParsedFrame[]): string[] {
  return frames.map((f) => (typeof f.data.index === 'number' ? `${f.event}@${f.data.index}` : f.event));
}

/**
 * Serves `sseText` as the answer to any request and reads it with the official Anthropic SDK's
 * `messages.stream(...).finalMessage()`.
 */
export async function finalMessageViaSdk(sseText: string): Promise<Anthropic.Message> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(sseText);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const client = new Anthropic({ apiKey: 'x', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
    return await client.messages.stream({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
