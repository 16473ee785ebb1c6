import type { Readable } from 'node:stream';

/**
 * What the RBD image store needs from a Ceph RBD client. The client itself lives with the
 * RBD volume driver (src/drivers/volume/rbd/rbd-client.ts) and the entry point hands the
 * same kind of client to both, so one implementation decides how RBD images, snapshots and
 * copy-on-write clones are created and removed — and a volume cloned from an image keeps
 * working when the image is deleted.
 */

export interface RbdImageSpec {
  readonly pool: string;
  readonly image: string;
  readonly snap?: string | undefined;
}

export interface RbdImageAccess {
  fsid(): Promise<string>;
  poolExists(pool: string): Promise<boolean>;
  /** Creates a pool for RBD when missing. */
  ensurePool(pool: string): Promise<void>;
  poolUsage(pool: string): Promise<{ usedBytes: number; maxAvailBytes: number } | undefined>;
  /** The image or snapshot, or undefined when it does not exist. */
  info(spec: RbdImageSpec): Promise<{ name: string; size: number } | undefined>;
  list(pool: string): Promise<{ image: string; size: number }[]>;
  /** A new image holding exactly the bytes of `data`. */
  importRaw(spec: RbdImageSpec, data: AsyncIterable<Buffer>): Promise<void>;
  rename(from: RbdImageSpec, toImage: string): Promise<void>;
  /** Creates and protects a snapshot (idempotent). */
  snapshot(spec: RbdImageSpec & { snap: string }): Promise<void>;
  /** The image's (or snapshot's) bytes; errors if the read fails midway. */
  exportRaw(spec: RbdImageSpec): Readable;
  /**
   * Removes the image with its snapshots, idempotently. While clones depend on it, it is
   * kept under another name and goes with its last clone.
   */
  removeImage(spec: RbdImageSpec): Promise<void>;
}
