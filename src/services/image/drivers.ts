import type { Readable } from 'node:stream';
import type { ImageDigest } from './data-digest.ts';

export { DigestStream, DigestWriter, ImageDataTruncated, ImageSizeLimitExceeded, type ImageDigest } from './data-digest.ts';

/**
 * The port the image service stores image data through: a file store (a directory), Ceph RBD,
 * the object store. Every implementation passes the same contract suite
 * (test/store-contract.ts). Data always moves as streams: no call holds a whole image.
 *
 * Every image has at most one copy per store, named after the image id, so a put that a
 * crash interrupted can be found again and discarded by id alone.
 */

/** What a completed put wrote. */
export interface StoredImageData extends ImageDigest {
  /** Where the store keeps the data; opaque to the service, handed back to get and delete. */
  readonly location: string;
}

export interface PutOptions {
  /** Fail with ImageSizeLimitExceeded as soon as more bytes than this arrive. */
  readonly maxBytes?: number | undefined;
  /** The size the client announced: ending short fails with ImageDataTruncated. */
  readonly expectedSize?: number | undefined;
}

/** A slice of the data: `length` bytes from `offset`. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface StoreCapacity {
  readonly totalBytes: number;
  readonly freeBytes: number;
}

export interface ImageStore {
  /** Store identifier, as /v2/info/stores and an image's `stores` show it. */
  readonly id: string;
  /** Backend kind: file, rbd, swift. */
  readonly type: string;
  readonly description: string;
  /** Prepares the backend (directories, pools) and drops what an earlier crash left half-written. */
  start(): Promise<void>;
  /**
   * Writes `data` as the image's copy in this store, hashing on the way. Nothing is visible
   * under the returned location until the whole stream was written and flushed; on any error
   * (the source failing, a limit, the store) the partial data is removed before it rejects.
   * A put for an image that already has data in this store replaces it.
   */
  put(imageId: string, data: Readable, opts?: PutOptions): Promise<StoredImageData>;
  /** The data at `location`, or the given slice of it. Rejects with ImageDataMissing when gone. */
  get(location: string, range?: ByteRange): Promise<Readable>;
  /** Removes the data at `location`; succeeds when it is already gone. */
  delete(location: string): Promise<void>;
  /** Removes whatever this store holds for the image, complete or partial; succeeds when nothing. */
  discard(imageId: string): Promise<void>;
  /**
   * Ids of the images this store holds complete data for (partial puts left out), so the
   * service can find data no image row accounts for. A store that cannot list leaves it out
   * and gets no orphan sweep.
   */
  list?(): Promise<string[]>;
  capacity(): Promise<StoreCapacity>;
  /** Backend details an admin sees in /v2/info/stores/detail. */
  properties(): Readonly<Record<string, unknown>>;
}

/** The data a location names is not in the store. */
export class ImageDataMissing extends Error {
  override readonly name = 'ImageDataMissing';
}

/** The store has no room for the data. */
export class StoreFull extends Error {
  override readonly name = 'StoreFull';
}

/** What the entry point hands the image service in deps.drivers. */
export interface ImageDrivers {
  /** Stores in `enabled_backends` order; the first is the default one. */
  readonly stores: readonly ImageStore[];
  /** Where glance-direct stages data before import (not listed among the stores). */
  readonly staging: ImageStore;
}
