import { createRedactor, REDACTED } from '../../../lib/http/redactor';

const KEYS = ['sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'sk-or-v1-0123456789abcdef0123456789abcdef', 'short-key'];
const redactor = createRedactor(KEYS);

/** Deterministic mixed case, so that the test does not depend on a random seed. */
const mixCase = (text: string): string => [...text].map((char, i) => (i % 3 === 0 ? char.toUpperCase() : char.toLowerCase())).join('');

describe('createRedactor', () => {
  test.each(KEYS)('finds and replaces every 12-character piece of %s, at every offset, in any case', (key) => {
    const lengths = key.length >= 12 ? [12] : [key.length];
    for (const length of lengths) {
      for (let start = 0; start + length <= key.length; start++) {
        const piece = key.slice(start, start + length);
        for (const form of [piece, piece.toUpperCase(), mixCase(piece)]) {
          const text = `{"error":"bad key ${form} given"}`;
          expect(redactor.containsSecret(text)).toBe(true);
          expect(redactor.redact(text)).toBe(`{"error":"bad key ${REDACTED} given"}`);
        }
      }
    }
  });

  test('every piece is found in keys of every length around the block arithmetic (12 to 26 characters)', () => {
    const alphabet = 'k3Y-0123456789abcdefghijklmnopqrstuvwxyz';
    for (let length = 12; length <= 26; length++) {
      const key = alphabet.slice(0, length);
      const single = createRedactor([key]);
      for (let start = 0; start + 12 <= length; start++) {
        const piece = mixCase(key.slice(start, start + 12));
        expect(single.containsSecret(`<${piece}>`)).toBe(true);
      }
    }
  });

  test('a whole key is replaced as one piece', () => {
    expect(redactor.redact(`key=${KEYS[0]!}&next`)).toBe(`key=${REDACTED}&next`);
  });

  test('pieces of 11 characters, and text around blocks of a key, are not secrets', () => {
    for (const key of KEYS.slice(0, 2)) {
      for (let start = 0; start + 11 <= key.length; start++) {
        const text = `x ${key.slice(start, start + 11)} y`;
        expect(redactor.containsSecret(text)).toBe(false);
        expect(redactor.redact(text)).toBe(text);
      }
    }
    expect(redactor.containsSecret('{"choices":[{"message":{"content":"Hello! How can I help?"}}]}')).toBe(false);
  });

  test('a key with non-ASCII characters is still found, in any case', () => {
    const unicode = createRedactor(['clé-secrète-Ünïcode-0123456789']);
    expect(unicode.containsSecret('echo: CLÉ-SECRÈTE-ÜNÏCODE-0123456789')).toBe(true);
    expect(unicode.containsSecret('echo: SECRÈTE-ÜNÏC')).toBe(true);
    expect(unicode.containsSecret('nothing here')).toBe(false);
  });

  test('a text whose lower case changes length still has its secrets found', () => {
    // "İ" lower-cases to two code units, which moves every later character.
    const text = `İİİİ ${KEYS[1]!.slice(10, 22).toUpperCase()} İ`;
    expect(redactor.containsSecret(text)).toBe(true);
    expect(redactor.redact(text)).toBe(`İİİİ ${REDACTED} İ`);
  });

  test('values shorter than 4 characters are not treated as secrets', () => {
    const tiny = createRedactor(['abc']);
    expect(tiny.containsSecret('abc')).toBe(false);
  });

  test('redactValue copies a JSON value with every string and key redacted', () => {
    const value = { [`k-${KEYS[2]!}`]: [`a ${KEYS[0]!}`, 1, null, { nested: mixCase(KEYS[1]!.slice(3, 15)) }] };
    expect(redactor.redactValue(value)).toEqual({ [`k-${REDACTED}`]: [`a ${REDACTED}`, 1, null, { nested: REDACTED }] });
    expect(value[`k-${KEYS[2]!}`]![0]).toBe(`a ${KEYS[0]!}`);
  });
});

describe('createRedactor: keys an upstream writes escaped', () => {
  const key = 'sk-b64+/Key=0123456789abcdef\\x';
  const escaped = createRedactor([key]);
  const json = JSON.stringify(key).slice(1, -1);
  test.each([
    ['as JSON writes it (a backslash doubled)', json],
    ['with / written \\/', json.replace(/\//g, '\\/')],
    [
      'with every character but letters and digits written \\u00xx',
      key.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['with upper-case hex escapes', key.replace(/[^A-Za-z0-9]/g, (c) => `\\u00${c.charCodeAt(0).toString(16).toUpperCase()}`)],
    ['URL-encoded', encodeURIComponent(key)],
    ['URL-encoded twice', encodeURIComponent(encodeURIComponent(key))],
    ['in a JSON string inside a JSON string', JSON.stringify(JSON.stringify(key)).slice(3, -3)],
    ['a 12-character piece URL-encoded', encodeURIComponent(key.slice(4, 16))],
  ])('is found and replaced whole %s', (_name, form) => {
    const text = `{"error":{"message":"bad key ${form} given"}}`;
    expect(escaped.containsSecret(text)).toBe(true);
    expect(escaped.redact(text)).toBe(`{"error":{"message":"bad key ${REDACTED} given"}}`);
  });

  test('ordinary escaped text holds no secret and is left as it is', () => {
    const text = '{"content":"line\\none \\"quoted\\" caf\\u00e9 50%25 a\\/b"}';
    expect(escaped.containsSecret(text)).toBe(false);
    expect(escaped.redact(text)).toBe(text);
  });

  test('keys are trimmed: whitespace around a secret does not hide its echo', () => {
    expect(createRedactor(['  sk-short1  ']).redact('key sk-short1.')).toBe(`key ${REDACTED}.`);
  });
});

describe('createRedactor: a key made only of characters URL encoding leaves as they are (as real keys are)', () => {
  const key = 'sk-ant-api03-Zq9_xY.0123456789~abcdef';
  const plainKey = createRedactor([key]);
  const percentEncoded = (text: string): string => Array.from(Buffer.from(text), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  const jsonEscaped = (text: string): string => Array.from(text, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  test.each([
    ['with every byte percent-encoded', percentEncoded(key)],
    ['with every byte percent-encoded, in upper case', percentEncoded(key).toUpperCase()],
    ['with only its dashes percent-encoded', key.replace(/-/g, '%2D')],
    ['JSON-escaped, then URL-encoded (a backslash as %5C)', encodeURIComponent(jsonEscaped(key))],
    ['as base64 writes it', Buffer.from(key).toString('base64')],
    ['as base64 writes Basic credentials (user:key)', Buffer.from(`user:${key}`).toString('base64')],
    ['as base64 writes it after two other bytes', Buffer.from(`ab${key}`).toString('base64')],
    ['as base64url writes it after one other byte', Buffer.from(`a${key}`).toString('base64url')],
  ])('is found and replaced %s', (name, form) => {
    const text = `{"error":{"message":"bad key ${form} given"}}`;
    expect(plainKey.containsSecret(text)).toBe(true);
    const redacted = plainKey.redact(text);
    if (!name.includes('base64')) expect(redacted).toBe(`{"error":{"message":"bad key ${REDACTED} given"}}`);
    // Of base64, what also encodes the bytes around the key is left: the other bytes, then at most 3 characters.
    else expect(redacted).toMatch(/^\{"error":\{"message":"bad key [A-Za-z0-9+/_-]*\[REDACTED\][A-Za-z0-9+/=_-]{0,3} given"\}\}$/);
  });

  test("a key's base64 in a lower-cased header name is found too", () => {
    expect(plainKey.containsSecret(`x-ratelimit-${Buffer.from(key).toString('base64url').toLowerCase()}`)).toBe(true);
  });

  test('base64 text that is not a key is no secret', () => {
    const text = `{"data":"${Buffer.from('sk-ant-api03-something-else-entirely').toString('base64')}","b":"${Buffer.from(key.slice(0, 11)).toString('base64')}"}`;
    expect(plainKey.containsSecret(text)).toBe(false);
  });

  test.each([
    ['its last 20 characters', key.slice(-20)],
    ['its first 20 characters', key.slice(0, 20)],
    ['its last 20 characters percent-encoded', percentEncoded(key.slice(-20))],
    ['two overlapping stretches of it', `${key.slice(0, 30)} ${key.slice(5)}`],
  ])('an echo of %s is replaced whole, not a 12-character piece of it leaving the rest', (_name, form) => {
    expect(plainKey.redact(`key ending ${form}.`)).toBe(form.includes(' ') ? `key ending ${REDACTED} ${REDACTED}.` : `key ending ${REDACTED}.`);
  });
});

describe('createRedactor: a key shorter than 12 characters', () => {
  const short = createRedactor(['1234', 'test']);
  test.each([
    ['Invalid API Key: 1234', `Invalid API Key: ${REDACTED}`],
    ['{"param":"1234"}', `{"param":"${REDACTED}"}`],
    ['Bearer test.', `Bearer ${REDACTED}.`],
    ['{"created":1712345678,"id":"a12345"}', '{"created":1712345678,"id":"a12345"}'],
    ['{"prompt_tokens":1234,"list":[1234,5]}', '{"prompt_tokens":1234,"list":[1234,5]}'],
    ['testing, a tested attest', 'testing, a tested attest'],
  ])('%s becomes %s', (text, expected) => {
    expect(short.redact(text)).toBe(expected);
  });
});

describe('createRedactor: withSecrets, for keys learnt after creation', () => {
  const base = createRedactor([KEYS[0]!]);
  const rotated = 'rotated-key-0123456789QWERTY';

  test('gives the same redactor back when every key given is known already', () => {
    expect(base.withSecrets([KEYS[0]!, `  ${KEYS[0]!} `])).toBe(base);
    expect(base.withSecrets([])).toBe(base);
  });

  test('finds the new key as well as the known ones, and leaves the first redactor as it was', () => {
    const both = base.withSecrets([rotated]);
    const text = `old ${KEYS[0]!} new ${rotated} new base64 ${Buffer.from(rotated).toString('base64')}`;
    expect(both.containsSecret(`x ${rotated.slice(3, 15)} y`)).toBe(true);
    expect(both.redact(text)).toMatch(new RegExp(`^old \\[REDACTED\\] new \\[REDACTED\\] new base64 \\[REDACTED\\][A-Za-z0-9+/=]{0,3}$`));
    expect(both.redactValue({ [rotated]: [KEYS[0]!] })).toEqual({ [REDACTED]: [REDACTED] });
    expect(base.containsSecret(rotated)).toBe(false);
  });

  test('is built once for each new set of keys', () => {
    expect(base.withSecrets([rotated])).toBe(base.withSecrets([` ${rotated}`, KEYS[0]!]));
  });
});
