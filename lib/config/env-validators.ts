import { makeValidator } from 'envalid';

/** An http(s) URL, returned without a trailing slash so that paths can be appended. */
export const httpUrl = makeValidator<string>((raw) => {
  // Spaces around a value (a copied line, a YAML quirk) would become `%20` in every upstream path.
  const input = raw.trim();
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new Error('expected an http(s) URL such as https://api.example.com/v1');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error('expected an http(s) URL such as https://api.example.com/v1');
  }
  if (parsed.search || parsed.hash) {
    throw new Error('expected a base URL without a query or fragment');
  }
  if (hasCredentials(parsed)) throw new Error(CREDENTIALS_IN_URL);
  return input.replace(/\/+$/, '');
});

/**
 * Why a base URL must not hold `user:password@`: requests would go without them while model lists
 * sent them (Node's `http.get` turns them into Basic auth), and they would be quoted, unredacted,
 * wherever a URL is (a model list's error). The value is not quoted.
 */
export const CREDENTIALS_IN_URL =
  "expected a base URL without user:password@; give the provider's key in its API key variable, or its own headers in an adapter (options.providers)";

/** Whether `url` carries a user name or a password. */
export function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

/** A whole number of milliseconds, 0 included. */
export const milliseconds = makeValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim())) {
    throw new Error('expected a whole number of milliseconds, such as 60000');
  }
  return Number(input);
});

/**
 * The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days): a longer one fires at once,
 * with a warning on stderr, so a timeout set that long would fail every request.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A timeout in whole milliseconds, from 1 to {@link MAX_TIMER_MS}. */
export const timerMilliseconds = makeValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim()) || Number(input) < 1 || Number(input) > MAX_TIMER_MS) {
    throw new Error(`expected a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, such as 60000`);
  }
  return Number(input);
});

/** A whole number of bytes, at least 1. */
export const byteCount = makeValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim()) || Number(input) < 1) {
    throw new Error('expected a whole number of bytes, such as 33554432');
  }
  return Number(input);
});

/** A positive whole number. */
export const positiveInteger = makeValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim()) || Number(input) < 1) {
    throw new Error('expected a positive whole number, such as 4096');
  }
  return Number(input);
});

/**
 * One of `choices`, read as `<ID>_RESPONSES` is: spaces around the value and its case do not
 * matter (`Budget` and `budget ` from a hand-written `.env` mean `budget`).
 */
export function oneOf<T extends string>(choices: readonly T[], spec: { default: T }) {
  return makeValidator<T>((input) => {
    const value = input.trim().toLowerCase();
    const choice = choices.find((candidate) => candidate === value);
    // Worded as envalid's own choices; the value is quoted, and a key pasted here redacted (config-error-without-keys).
    if (choice === undefined) throw new Error(`Value "${input}" not in choices [${choices.join(',')}]`);
    return choice;
  })(spec);
}

/** Any text; empty means unset. */
export const optionalText = makeValidator<string>((input) => input.trim());

/**
 * What an HTTP header value cannot hold: control characters other than tab (a line break) and
 * anything beyond Latin-1 (Node's `setHeader` throws on them, from where nothing catches it).
 */
export const NOT_IN_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The message of a value that cannot go in a header; the value itself is not quoted (it may be a key). */
export const NOT_A_HEADER_VALUE =
  'expected a value an HTTP header can carry: no line breaks or other control characters, no characters beyond Latin-1';

/** Text sent in an upstream header (a key, a version, a name); empty means unset. */
export const headerText = makeValidator<string>((input) => {
  const value = input.trim();
  if (NOT_IN_HEADER_VALUE.test(value)) throw new Error(NOT_A_HEADER_VALUE);
  return value;
});
