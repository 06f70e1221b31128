/**
 * Texts are copied into one buffer, a byte a character (`latin1`: a character beyond it keeps its
 * low byte, which can only make a hit the full expression then refutes), and scanned there, this
 * much at a time: reading a typed array costs fewer instructions than reading a string's
 * characters, above all a string built by concatenation (the pump's frames), which the copy reads
 * without first joining it.
 */
const SCRATCH_BYTES = 64 * 1024;
let scratch: Buffer | undefined;

/** Characters of the ASCII range, the only ones a block holds: a pair of them is `(first << 7) | second`. */
const ASCII = 128;

/**
 * Whether a text holds one of `blocks` (printable ASCII, two characters or more), ignoring ASCII
 * case as a non-Unicode case-insensitive regular expression does (it never folds a character
 * outside ASCII to one in it). A text with characters beyond Latin-1 may get a `true` it does not
 * deserve (see {@link SCRATCH_BYTES}), never a `false`: the caller confirms a hit.
 *
 * Wu–Manber's search: a window as long as the shortest block slides over the text, and the pair of
 * characters at its end tells how far it may move on without passing over where a block starts:
 * in most texts the window's length but one, since few pairs occur in the blocks. Only where a
 * pair ends a block's first window-length characters are the blocks ending with it compared. A
 * case-insensitive expression of the blocks as alternatives tries them at every position, and
 * costs several times as much when they start with different characters.
 */
export function blockScannerOf(blocks: readonly string[]): (text: string) => boolean {
  const words = [...new Set(blocks.map((block) => block.toLowerCase()))];
  if (words.length === 0 || words.some((word) => !/^[\x20-\x7e]{2,}$/.test(word))) {
    throw new Error('blocks must be printable ASCII, two characters or more');
  }
  const lower = Uint8Array.from({ length: ASCII }, (_, code) => String.fromCharCode(code).toLowerCase().charCodeAt(0));
  // A window longer than a few blocks' characters would only make the shifts' table wider.
  const window = Math.min(64, ...words.map((word) => word.length));
  // By the pair of characters at the window's end (the first's code times 128 plus the second's):
  // how far the window may move on, to put the last place where that pair ends in a block's first
  // `window` characters at the window's end; 0 where it ends them.
  const shifts = new Uint8Array(ASCII * ASCII).fill(window - 1);
  /** By that pair, the blocks whose first `window` characters it ends. */
  const candidates = new Map<number, string[]>();
  const pairsOf = (first: string, second: string): number[] => {
    const firsts = [first, first.toUpperCase()];
    const seconds = [second, second.toUpperCase()];
    return firsts.flatMap((one) => seconds.map((two) => (one.charCodeAt(0) << 7) | two.charCodeAt(0)));
  };
  for (const word of words) {
    for (let end = 1; end < window; end++) {
      for (const pair of pairsOf(word.charAt(end - 1), word.charAt(end))) {
        shifts[pair] = Math.min(shifts[pair] ?? 0, window - 1 - end);
        if (end === window - 1) candidates.set(pair, [...(candidates.get(pair) ?? []), word]);
      }
    }
  }
  const holdsAt = (bytes: Uint8Array, start: number, length: number, word: string): boolean => {
    if (start + word.length > length) return false;
    for (let at = 0; at < word.length; at++) {
      const code = bytes[start + at] ?? ASCII;
      if (code >= ASCII || lower[code] !== word.charCodeAt(at)) return false;
    }
    return true;
  };
  const farthest = window - 1;
  /** Whether the first `length` bytes of `bytes` hold a block. */
  const inBytes = (bytes: Uint8Array, length: number): boolean => {
    // Read into locals once: the loop then keeps them in registers.
    const table = shifts;
    const skip = farthest;
    for (let end = skip; end < length;) {
      const first = bytes[end - 1] ?? 0;
      const second = bytes[end] ?? 0;
      const shift = (first | second) < ASCII ? (table[(first << 7) | second] ?? skip) : skip;
      if (shift > 0) {
        end += shift;
        continue;
      }
      for (const word of candidates.get((first << 7) | second) ?? []) if (holdsAt(bytes, end - skip, length, word)) return true;
      end++;
    }
    return false;
  };
  // A block straddling two pieces of a long text is whole in the second, which starts this much before the first's end.
  const overlap = Math.max(...words.map((word) => word.length)) - 1;
  return (text: string): boolean => {
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    for (let start = 0; ; start += SCRATCH_BYTES - overlap) {
      const piece = start === 0 && text.length <= SCRATCH_BYTES ? text : text.slice(start, start + SCRATCH_BYTES);
      if (inBytes(scratch, scratch.write(piece, 0, 'latin1'))) return true;
      if (start + SCRATCH_BYTES >= text.length) return false;
    }
  };
}
