const LINE_BREAK = /[\r\n]/g;
/** A CR followed by anything but an LF: a line ending of its own. */
const LONE_CR = /\r[^\n]/;
/** A line of an SSE field (`data:`, `event:`, `id:`, `retry:`) or comment (`:`). */
const SSE_LINE = /^(?:data|event|id|retry|):/m;

/**
 * Splits SSE text into whole frames, each ending with its blank line, so that a frame can be
 * passed on byte for byte or left out whole. Lines may end with CRLF, LF or a lone CR (the SSE
 * spec allows all three). A CR at the end of a piece may be the first half of a CRLF: it waits for
 * the next piece, so that frames keep their bytes and begin with their first field. Once the
 * stream has shown a lone CR, such a CR ends its line at once instead (waiting would hold each
 * frame of a lone-CR stream until the next piece, its terminator until the upstream closes), and
 * an LF that begins the next piece is taken for the rest of a CRLF and left out.
 *
 * Each piece is scanned once, and the text of an unfinished frame is kept as the pieces it came
 * in, joined when the frame ends: an event of several megabytes (an image in a Responses event)
 * arrives in thousands of pieces, and joining or scanning it again for each would take seconds.
 */
export class SseFramer {
  /** The pieces of the frame that has not ended yet, and their length. */
  #pieces: string[] = [];
  #length = 0;
  /** Whether the next character begins a line: a line break there would be a blank line. */
  #atLineStart = true;
  /** A CR that ended the last piece, held back: it may be the first half of a CRLF. */
  #heldCr = '';
  /** The stream has shown a CR that is no CRLF's: a CR that ends a piece ends its line at once. */
  #loneCrs = false;
  /** The last piece ended with a CR that ended its line at once: an LF beginning the next is its CRLF's. */
  #endedWithCr = false;

  /**
   * Adds `text` and returns the frames it completes, in order. With `final`, the text is the
   * last: a trailing CR ends its line, and a last frame the upstream did not end with its blank
   * line (`data: [DONE]` and the end of the body) is ended for it, as SSE clients such as the
   * `openai` SDK read it.
   */
  push(text: string, final = false): string[] {
    let piece = this.#heldCr + text;
    this.#heldCr = '';
    if (this.#endedWithCr && piece !== '') {
      if (piece.charCodeAt(0) === 10) piece = piece.slice(1);
      this.#endedWithCr = false;
    }
    if (!this.#loneCrs && piece.includes('\r') && LONE_CR.test(piece)) this.#loneCrs = true;
    if (!final && piece.endsWith('\r')) {
      if (this.#loneCrs) {
        this.#endedWithCr = true;
      } else {
        this.#heldCr = '\r';
        piece = piece.slice(0, -1);
      }
    }
    const frames: string[] = [];
    /** Where the frame being read starts in `piece` (0: in an earlier piece, or here). */
    let frameStart = 0;
    /** Where the current line starts in `piece`; -1 when it began in an earlier piece. */
    let lineStart = this.#atLineStart ? 0 : -1;
    const lineEnd = (at: number, next: number): void => {
      if (at === lineStart) {
        frames.push(this.#take(piece.slice(frameStart, next)));
        frameStart = next;
      }
      lineStart = next;
    };
    // Most upstreams end lines with LF alone: without a CR to tell apart, indexOf finds every
    // break, cheaper than a regular expression match per line.
    if (!piece.includes('\r')) {
      for (let at = piece.indexOf('\n'); at !== -1; at = piece.indexOf('\n', at + 1)) lineEnd(at, at + 1);
    } else {
      LINE_BREAK.lastIndex = 0;
      for (let match = LINE_BREAK.exec(piece); match; match = LINE_BREAK.exec(piece)) {
        const at = match.index;
        const next = piece.charCodeAt(at) === 13 && piece.charCodeAt(at + 1) === 10 ? at + 2 : at + 1;
        lineEnd(at, next);
        LINE_BREAK.lastIndex = next;
      }
    }
    if (frameStart < piece.length) {
      this.#pieces.push(frameStart === 0 ? piece : piece.slice(frameStart));
      this.#length += piece.length - frameStart;
    }
    this.#atLineStart = lineStart === piece.length;
    // Only a whole event: a body that is no stream at all (a JSON error), or one cut off in the
    // middle of an event, stays pending, to be read as what it is.
    if (final && this.#length > 0) {
      const rest = this.pending;
      if (isWholeEvent(rest)) {
        // The blank line that ends it, in the line ending the frame used last (CR CR, LF LF).
        const lastBreak = rest.at(-1);
        frames.push(this.#take(lastBreak === '\r' ? '\r' : lastBreak === '\n' ? '\n' : '\n\n'));
      }
    }
    return frames;
  }

  /** Text of a frame that has not ended yet. */
  get pending(): string {
    if (this.#pieces.length > 1) this.#pieces = [this.#pieces.join('')];
    return (this.#pieces[0] ?? '') + this.#heldCr;
  }

  /** The length of {@link SseFramer.pending}, without joining it. */
  get pendingLength(): number {
    return this.#length + this.#heldCr.length;
  }

  /** The pending text and then `end`, as one frame; nothing is pending afterwards. */
  #take(end: string): string {
    const frame = this.#pieces.length === 0 ? end : this.#pieces.join('') + end;
    this.#pieces = [];
    this.#length = 0;
    this.#atLineStart = true;
    return frame;
  }
}

/**
 * Whether text the body ended with, without its blank line, is a whole event: SSE lines whose data
 * (its `data:` lines joined, as a parser joins them) is `[DONE]` or a whole JSON value, or comments,
 * `id:` and `retry:` lines without data. Every dialect the router reads sends JSON data, so an
 * `event:` line without any is an event cut before its data (or inside its name).
 */
function isWholeEvent(text: string): boolean {
  if (!SSE_LINE.test(text)) return false;
  const lines = text.split(/\r\n|\r|\n/);
  const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  if (data.length === 0) return !lines.some(isEventLine);
  const value = data.join('\n');
  // The codecs read the terminator trimmed, as `data: [DONE] ` comes from some servers.
  if (value.trim() === '[DONE]') return true;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** Whether `line` is an SSE `event:` field. */
export function isEventLine(line: string): boolean {
  return line.startsWith('event:');
}
