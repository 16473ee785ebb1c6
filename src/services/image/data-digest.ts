import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** More bytes arrived than the image may have (size cap, quota, or the size announced). */
export class ImageSizeLimitExceeded extends Error {
  override readonly name = 'ImageSizeLimitExceeded';
  constructor(readonly limit: number) {
    super(`The image is larger than the ${limit} bytes it may have.`);
  }
}

/** The data ended before the size the client announced: a truncated upload. */
export class ImageDataTruncated extends Error {
  override readonly name = 'ImageDataTruncated';
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`The image data ended after ${received} of the ${expected} bytes announced.`);
  }
}

export interface ImageDigest {
  readonly size: number;
  /** md5 hex: Glance's `checksum`. */
  readonly checksum: string;
  /** sha512 hex: Glance's `os_hash_value` (os_hash_algo `sha512`). */
  readonly multihash: string;
}

/**
 * Passes image data through unchanged while it counts and hashes it, so a store writes and
 * hashes in one pass without ever holding the whole image. Fails the stream as soon as more
 * than `maxBytes` arrive, and at the end when fewer than `expectedSize` did.
 */
export class DigestStream extends Transform {
  #size = 0;
  readonly #md5: Hash = createHash('md5');
  readonly #sha512: Hash = createHash('sha512');
  #digest: ImageDigest | undefined;

  constructor(private readonly limits: { maxBytes?: number | undefined; expectedSize?: number | undefined } = {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#size += chunk.length;
    const { maxBytes } = this.limits;
    if (maxBytes !== undefined && this.#size > maxBytes) {
      done(new ImageSizeLimitExceeded(maxBytes));
      return;
    }
    this.#md5.update(chunk);
    this.#sha512.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const { expectedSize } = this.limits;
    if (expectedSize !== undefined && this.#size !== expectedSize) {
      done(this.#size < expectedSize ? new ImageDataTruncated(expectedSize, this.#size) : new ImageSizeLimitExceeded(expectedSize));
      return;
    }
    this.#digest = { size: this.#size, checksum: this.#md5.digest('hex'), multihash: this.#sha512.digest('hex') };
    done();
  }

  /** The size and hashes, once the stream has ended without error. */
  get digest(): ImageDigest {
    if (!this.#digest) throw new Error('DigestStream: the data has not ended yet');
    return this.#digest;
  }
}
