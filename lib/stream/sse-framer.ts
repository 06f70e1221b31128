const LINE_BREAK = /[\r\n]/g;
/** A line of an SSE field (`data:`, `event:`, `id:`, `retry:`) or comment (`:`). */
const SSE_LINE = /^(?:data|event|id|retry|):/m;

/**
 * Splits SSE text into whole frames, each ending with its blank line, so that a frame can be
 * passed on byte for byte or left out whole. Lines may end with CRLF, LF or a lone CR (the SSE
 * spec allows all three); a CR at the end of the text waits for the next piece, which may begin
 * with the LF of a CRLF.
 */
export class SseFramer {
  #buffer = '';
  /** Where the line being scanned starts, in `#buffer`. */
  #lineStart = 0;
  /** Where scanning resumes, in `#buffer`. */
  #scanFrom = 0;

  /**
   * Adds `text` and returns the frames it completes, in order. With `final`, the text is the
   * last: a trailing CR ends its line, and a last frame the upstream did not end with its blank
   * line (`data: [DONE]` and the end of the body) is ended for it, as SSE clients such as the
   * `openai` SDK read it.
   */
  push(text: string, final = false): string[] {
    const buffer = this.#buffer + text;
    const frames: string[] = [];
    let frameStart = 0;
    let lineStart = this.#lineStart;
    let scanFrom = buffer.length;
    // Most upstreams end lines with LF alone: without a CR to tell apart, indexOf finds every
    // break, cheaper than a regular expression match per line.
    if (!buffer.includes('\r', this.#scanFrom)) {
      for (let at = buffer.indexOf('\n', this.#scanFrom); at !== -1; at = buffer.indexOf('\n', at + 1)) {
        if (at === lineStart) {
          frames.push(buffer.slice(frameStart, at + 1));
          frameStart = at + 1;
        }
        lineStart = at + 1;
      }
    } else {
      LINE_BREAK.lastIndex = this.#scanFrom;
      for (let match = LINE_BREAK.exec(buffer); match; match = LINE_BREAK.exec(buffer)) {
        const at = match.index;
        let next = at + 1;
        if (buffer.charCodeAt(at) === 13) {
          if (next === buffer.length && !final) {
            scanFrom = at;
            break;
          }
          if (buffer.charCodeAt(next) === 10) next++;
        }
        if (at === lineStart) {
          frames.push(buffer.slice(frameStart, next));
          frameStart = next;
        }
        lineStart = next;
        LINE_BREAK.lastIndex = next;
      }
    }
    this.#buffer = buffer.slice(frameStart);
    this.#lineStart = lineStart - frameStart;
    this.#scanFrom = scanFrom - frameStart;
    // Only a whole event: a body that is no stream at all (a JSON error), or one cut off in the
    // middle of an event, stays pending, to be read as what it is.
    if (final && isWholeEvent(this.#buffer)) {
      // The blank line that ends it, in the line ending the frame used last (CR CR, LF LF).
      const lastBreak = this.#buffer.at(-1);
      frames.push(this.#buffer + (lastBreak === '\r' ? '\r' : lastBreak === '\n' ? '\n' : '\n\n'));
      this.#buffer = '';
      this.#lineStart = 0;
      this.#scanFrom = 0;
    }
    return frames;
  }

  /** Text of a frame that has not ended yet. */
  get pending(): string {
    return this.#buffer;
  }
}

/**
 * Whether text the body ended with, without its blank line, is a whole event: SSE lines whose data
 * (its `data:` lines joined, as a parser joins them) is `[DONE]` or a whole JSON value, or fields
 * and comments without data. Every dialect the router reads sends JSON data.
 */
function isWholeEvent(text: string): boolean {
  if (!SSE_LINE.test(text)) return false;
  const data = text
    .split(/\r\n|\r|\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  if (data.length === 0) return true;
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
