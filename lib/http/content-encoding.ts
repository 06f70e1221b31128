import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ANSWER_DECODERS } from './answer-decoders';

/** What a client's request body may come in (DESIGN section 9, as `express.json()` reads them). */
const REQUEST_DECODERS: ReadonlyMap<string, () => Transform> = new Map([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  // RFC 9110's "deflate" is the zlib format.
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/** The codings of a `Content-Encoding` header, in the order they were applied; `identity` left out. */
export function contentCodings(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

/** True when the router reads a request body sent with `header`: gzip, deflate or br, or none. */
export function canDecode(header: string | undefined): boolean {
  return contentCodings(header).every((coding) => REQUEST_DECODERS.has(coding));
}

/**
 * The `Content-Encoding` an upstream's answer is read by: its own, or none at all when it names a
 * coding the router does not know (`none`, `utf-8`, `chunked`: a header that is wrong, not a body in
 * an unknown format). The rule of `fetch()` (undici), so that the router reads what the providers'
 * SDKs read; a body that was compressed after all fails as JSON, or as a stream, that cannot be read.
 */
export function answerEncoding(header: string | undefined): string | undefined {
  return contentCodings(header).every((coding) => ANSWER_DECODERS.has(coding)) ? header : undefined;
}

/**
 * `body` decoded from the codings of `header` (gzip, deflate, br, zstd), or `body` itself when there
 * are none. An error of any stage reaches the returned stream. Call {@link canDecode} (a request)
 * or {@link answerEncoding} (an answer) first.
 */
export function decodeBody(body: Readable, header: string | undefined): Readable {
  let stream = body;
  for (const coding of contentCodings(header).reverse()) {
    const create = ANSWER_DECODERS.get(coding);
    if (!create) throw new Error(`express-provider-router: no decoder for ${coding}; check canDecode() first`);
    const decoder = create();
    const source = stream;
    source.on('error', (error) => decoder.destroy(error));
    // pipe() passes neither errors nor an early close on: without this the decoder would wait forever.
    source.on('close', () => {
      if (!source.readableEnded) decoder.destroy(new Error('the connection closed before the body was complete'));
    });
    // A reader that gives up on the decoded body gives up on the connection too.
    decoder.on('close', () => {
      if (!source.readableEnded) source.destroy();
    });
    stream = source.pipe(decoder);
  }
  return stream;
}
