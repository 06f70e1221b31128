/**
 * The tests' one reader of server-sent events. It reads a whole event stream as the WHATWG
 * EventSource parser reads one as it arrives: lines end with LF, CRLF or a lone CR; a blank line
 * ends a frame; lines starting with `:` are comments; one space after a field's colon is dropped;
 * the `data:` lines of a frame are joined with '\n'.
 *
 * Everything that reads SSE in the tests builds on this module: the fakes splitting fixtures into
 * frames, the replays that feed translators, and the readers of the router's answers (the strict
 * ones of each dialect are in `chat-stream.ts` and `messages-stream.ts`).
 */
import type { SseEvent } from '../../lib/dialects/stream-codec';

/** One frame of an event stream. */
export interface SseFrame {
  /** The `event:` field; undefined when the frame has none. */
  event: string | undefined;
  /** The `data:` lines, joined with '\n'; '' when there are none. */
  data: string;
  /** The frame as written, line endings included, without the blank line that ends it. */
  raw: string;
}

interface Block {
  raw: string;
  /** A blank line followed the block (a stream cut short leaves its last block open). */
  ended: boolean;
}

interface ParsedBlock {
  frame: SseFrame;
  dataLines: number;
  ended: boolean;
}

const LINE_BREAK = /\r\n|\r|\n/;

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  const lineBreak = new RegExp(LINE_BREAK.source, 'g');
  let lineStart = 0;
  let blockStart: number | undefined;
  let blockEnd = 0;
  for (;;) {
    const match = lineBreak.exec(text);
    const lineEnd = match ? match.index : text.length;
    if (lineEnd === lineStart) {
      // A blank line, or the end of the text: either closes the open block.
      if (blockStart !== undefined) blocks.push({ raw: text.slice(blockStart, blockEnd), ended: match !== null });
      blockStart = undefined;
    } else {
      blockStart ??= lineStart;
      blockEnd = lineEnd;
    }
    if (!match) break;
    lineStart = lineBreak.lastIndex;
  }
  if (blockStart !== undefined) blocks.push({ raw: text.slice(blockStart, blockEnd), ended: false });
  return blocks;
}

function parseBlock(block: Block): ParsedBlock | undefined {
  let event: string | undefined;
  const data: string[] = [];
  let fields = 0;
  for (const line of block.raw.split(LINE_BREAK)) {
    if (line.startsWith(':')) continue;
    fields++;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(line.charAt(colon + 1) === ' ' ? colon + 2 : colon + 1);
    // As in EventSource, an empty `event:` means the default (none).
    if (name === 'event') event = value === '' ? undefined : value;
    else if (name === 'data') data.push(value);
  }
  if (fields === 0) return undefined;
  return { frame: { event, data: data.join('\n'), raw: block.raw }, dataLines: data.length, ended: block.ended };
}

/**
 * The blocks of an event stream as written, each without the blank line that ends it. Unlike
 * {@link parseSse} it keeps comment-only blocks, for fakes replaying a fixture byte for byte and
 * for readers that check the exact framing.
 */
export function sseBlocks(text: string): string[] {
  return blocksOf(text).map((block) => block.raw);
}

/**
 * The frames of an event stream, comment-only blocks left out. A last frame without its blank
 * line (a stream cut short) is kept: a test reads what arrived.
 */
export function parseSse(text: string): SseFrame[] {
  return blocksOf(text).flatMap((block) => parseBlock(block)?.frame ?? []);
}

/**
 * The events an EventSource parser (the router's pump) dispatches for `text`: frames that a blank
 * line ended and that have at least one `data:` line.
 */
export function sseEvents(text: string): SseEvent[] {
  return blocksOf(text)
    .map(parseBlock)
    .filter((parsed): parsed is ParsedBlock => parsed !== undefined && parsed.ended && parsed.dataLines > 0)
    .map(({ frame }) => ({ event: frame.event, data: frame.data }));
}

/**
 * The `data` of every frame that has a `data:` line, parsed where it is JSON (so a chat stream's
 * last payload is the string '[DONE]').
 */
export function dataPayloads(text: string): unknown[] {
  return blocksOf(text)
    .map(parseBlock)
    .filter((parsed): parsed is ParsedBlock => parsed !== undefined && parsed.dataLines > 0)
    .map(({ frame }) => {
      try {
        return JSON.parse(frame.data) as unknown;
      } catch {
        return frame.data;
      }
    });
}
