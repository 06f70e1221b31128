import { blockScannerOf } from '../../../lib/http/block-scanner';

/** What the scanner stands for: a case-insensitive, non-Unicode expression of the blocks as alternatives. */
const expressionOf = (blocks: readonly string[]): RegExp =>
  new RegExp(blocks.map((block) => block.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'i');

/** A small deterministic generator, so that a failure can be run again. */
function randomOf(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % below;
  };
}

const BLOCK_SETS: readonly string[][] = [
  // The benchmark's key, `sk-bench-0123456789abcdefghijklmn`, and its base64 forms' first blocks.
  ['sk-benc', 'ch-0123', '3456789', '9abcdef', 'fghijkl', 'c2stymv', 'nrlwjlb', 'zay1izw'],
  // Keys sharing a prefix, and a short key (its own block, of another length).
  ['sk-proj', 'j-abcde', 'sk-or-v', 'v1-0123', 'short-key'],
  // Blocks that overlap one another and repeat a pair.
  ['aaaaaaa', 'aaaab', 'abab', 'ba'],
  // Blocks given in either case.
  ['SK-Bench', 'AbCdEfG'],
  // Punctuation and the characters between the cases' letters.
  ['[]^_`{|', '@-+/=~!', 'a b c'],
];

describe('blockScannerOf', () => {
  test.each(BLOCK_SETS.map((blocks) => [blocks.join(' '), blocks]))(
    'agrees with the case-insensitive expression of %s, and misses nothing it finds',
    (_name, blocks) => {
      const scan = blockScannerOf(blocks);
      const expression = expressionOf(blocks);
      const random = randomOf(blocks.length);
      // Texts made mostly of the blocks' own characters, in either case, with others and non-ASCII
      // ones between: hits at every offset and near misses.
      const alphabet = [...new Set(blocks.join('') + blocks.join('').toUpperCase())].join('') + 'xyZ"{}:, \u00e9\u212a\u017f\u0130\ud83d\ude00';
      for (let round = 0; round < 4000; round++) {
        let text = '';
        const length = random(40);
        while (text.length < length) {
          if (random(6) === 0) {
            const block = blocks[random(blocks.length)] ?? '';
            const cut = random(3) === 0 ? random(block.length) : block.length;
            text += [...block.slice(0, cut)].map((char) => (random(2) === 0 ? char.toUpperCase() : char)).join('');
          } else text += alphabet[random(alphabet.length)];
        }
        // Beyond Latin-1 a character is read by its low byte: a hit there is for the expression to refute, but none is missed.
        const expected = expression.test(text);
        if (expected || [...text].every((char) => char.charCodeAt(0) <= 0xff)) expect([text, scan(text)]).toEqual([text, expected]);
      }
    },
  );

  test('finds a block at the start, at the end, and as the whole text, in any case', () => {
    const scan = blockScannerOf(['sk-benc', 'ch-0123']);
    for (const text of ['sk-benc', 'SK-BENC rest', 'rest Ch-0123', 'xsK-bEnCx', '{"k":"ch-0123"}']) expect(scan(text)).toBe(true);
    for (const text of ['', 's', 'sk-ben', 'k-benc', 'sk-bénc', 'sk\u2010benc', 'ch-012 3']) expect(scan(text)).toBe(false);
  });

  test('finds a block in a text longer than its buffer, wherever it lies across the pieces scanned', () => {
    const scan = blockScannerOf(['sk-benc', 'short-key']);
    const filler = 'x'.repeat(200_000);
    expect(scan(filler)).toBe(false);
    for (const block of ['SK-BENC', 'short-key']) {
      for (const around of [64 * 1024, 2 * 64 * 1024 - 8, 3 * 64 * 1024 - 16, 200_000]) {
        for (let at = around - 12; at <= Math.min(around + 2, filler.length - block.length); at++) {
          expect([at, scan(filler.slice(0, at) + block + filler.slice(at + block.length))]).toEqual([at, true]);
        }
      }
    }
  });

  test('reads a character beyond Latin-1 by its low byte only to have the expression refute it', () => {
    // U+0173 and U+0161 keep 0x73 (`s`) and 0x61 (`a`) as their low bytes.
    const scan = blockScannerOf(['sk-bench']);
    expect(scan('\u0173k-bench')).toBe(true);
    expect(expressionOf(['sk-bench']).test('\u0173k-bench')).toBe(false);
  });

  test('does not fold characters outside ASCII to ASCII letters, as the non-Unicode expression does not', () => {
    // KELVIN SIGN lower-cases to `k`, LATIN SMALL LETTER LONG S upper-cases to `S`.
    const scan = blockScannerOf(['sk-bench']);
    for (const text of ['s\u212a-bench', '\u017fk-bench']) expect(scan(text)).toBe(expressionOf(['sk-bench']).test(text));
  });

  test('refuses blocks it cannot find soundly', () => {
    expect(() => blockScannerOf([])).toThrow();
    expect(() => blockScannerOf(['a'])).toThrow();
    expect(() => blockScannerOf(['caf\u00e9-key'])).toThrow();
  });
});
