/**
 * The tests' SSE reader (`__tests__/support/sse.ts`): every other test that reads a stream relies
 * on it, so it is held to the EventSource parser the router's pump uses.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import type { SseEvent } from '../../../lib/dialects/stream-codec';
import { fixtureText, sseFrames } from '../../support/fixtures';
import { dataPayloads, parseSse, sseBlocks, sseEvents } from '../../support/sse';

/** What eventsource-parser dispatches for `text`, fed in one piece. */
function parserEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) }).feed(text);
  return events;
}

const SSE_FIXTURES = readdirSync(join(__dirname, '..', '..', 'fixtures')).filter((name) => name.endsWith('.sse'));

describe('sseEvents', () => {
  test.each(SSE_FIXTURES)('reads %s as eventsource-parser does, with LF, CRLF and lone CR line endings', (name) => {
    const text = fixtureText(name);
    for (const lineEnding of ['\n', '\r\n', '\r']) {
      const variant = text.replace(/\n/g, lineEnding);
      expect(sseEvents(variant)).toEqual(parserEvents(variant));
    }
    expect(sseEvents(text).length).toBeGreaterThan(0);
  });

  test('joins data lines with \\n, drops one space after the colon, skips comments, and leaves out an unended frame', () => {
    const text = ': hello\nevent: e\ndata: a\ndata:  b\ndata\n\n: only a comment\n\ndata:x\r\ndata: y\r\n\r\nid: 1\n\ndata: cut';
    expect(sseEvents(text)).toEqual([
      { event: 'e', data: 'a\n b\n' },
      { event: undefined, data: 'x\ny' },
    ]);
    expect(sseEvents(text)).toEqual(parserEvents(text));
  });
});

describe('parseSse', () => {
  test('gives each frame its event, data and raw text, comment-only frames left out, an unended last frame kept', () => {
    const text = ': keep-alive\n\nevent: message_start\ndata: {"a":1}\n\ndata: one\rdata: two\r\rdata: cut';
    expect(parseSse(text)).toEqual([
      { event: 'message_start', data: '{"a":1}', raw: 'event: message_start\ndata: {"a":1}' },
      { event: undefined, data: 'one\ntwo', raw: 'data: one\rdata: two' },
      { event: undefined, data: 'cut', raw: 'data: cut' },
    ]);
  });

  test('reads nothing from an empty text or blank lines alone', () => {
    expect(parseSse('')).toEqual([]);
    expect(parseSse('\n\n\r\n\r\n')).toEqual([]);
  });
});

describe('sseBlocks', () => {
  test('keeps comment-only blocks, as written', () => {
    expect(sseBlocks(': x\n\ndata: 1\r\n\r\n\n\ndata: 2')).toEqual([': x', 'data: 1', 'data: 2']);
  });

  test.each(SSE_FIXTURES)('splits %s into frames that join back into the fixture', (name) => {
    expect(sseFrames(name).join('')).toBe(fixtureText(name));
  });
});

describe('dataPayloads', () => {
  test('parses JSON payloads and keeps the others as text, frames without data left out', () => {
    expect(dataPayloads(': c\n\ndata: {"a":1}\n\nevent: ping\n\ndata: [DONE]\n\n')).toEqual([{ a: 1 }, '[DONE]']);
  });
});
