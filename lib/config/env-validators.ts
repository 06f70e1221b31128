import { makeValidator } from 'envalid';

/** An http(s) URL, returned without a trailing slash so that paths can be appended. */
export const httpUrl = makeValidator<string>((input) => {
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
  return input.replace(/\/+$/, '');
});

/** A whole number of milliseconds, at least 1. */
export const milliseconds = makeValidator<number>((input) => {
  if (!/^\d+$/.test(input.trim()) || Number(input) < 1) {
    throw new Error('expected a whole number of milliseconds, such as 60000');
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

/** Any text; empty means unset. */
export const optionalText = makeValidator<string>((input) => input.trim());
