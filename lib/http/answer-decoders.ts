import { Transform, type TransformCallback } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw, createZstdDecompress, type ZlibOptions } from 'node:zlib';

const LENIENT_ZLIB: ZlibOptions = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };

/** Inflates the zlib format or raw deflate, told apart by the first byte (a zlib header's method nibble is 8). */
class ZlibOrRawInflate extends Transform {
  #inflate: Transform | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    if (!this.#inflate) {
      const inflate = ((chunk[0] ?? 0) & 0x0f) === 0x08 ? createInflate(LENIENT_ZLIB) : createInflateRaw(LENIENT_ZLIB);
      inflate.on('data', (data: Buffer) => this.push(data));
      inflate.on('error', (error) => this.destroy(error));
      this.#inflate = inflate;
    }
    this.#inflate.write(chunk, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    const inflate = this.#inflate;
    if (!inflate) {
      callback();
      return;
    }
    inflate.once('end', () => callback());
    inflate.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inflate?.destroy();
    callback(error);
  }
}

/**
 * Decoders of an upstream's answer that read what `fetch()` (undici), and so the providers' own
 * SDKs, read: a gzip or deflate stream that ends without its trailer (servers and proxies that
 * close after the last block) gives what it holds instead of failing, and `deflate` may be the
 * zlib format RFC 9110 names or the raw deflate some servers send under that name. zstd too, which
 * Node 22.15+ decodes and `fetch()` reads.
 */
export const ANSWER_DECODERS: ReadonlyMap<string, () => Transform> = new Map<string, () => Transform>([
  ['gzip', () => createGunzip(LENIENT_ZLIB)],
  ['x-gzip', () => createGunzip(LENIENT_ZLIB)],
  ['deflate', () => new ZlibOrRawInflate()],
  ['br', () => createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH })],
  ['zstd', createZstdDecompress],
]);
