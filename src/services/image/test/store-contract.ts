import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDataMissing, ImageDataTruncated, ImageSizeLimitExceeded, type ImageStore } from '../drivers.ts';

/** A store under test, with a way to see what it keeps for an image (partial data included). */
export interface StoreUnderTest {
  readonly store: ImageStore;
  /** Names of whatever the store holds for the image, complete or partial. */
  residue(imageId: string): Promise<string[]>;
  close(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** A source that yields `total` bytes in 64 KiB chunks, then fails if `failAfter` is set. */
function source(data: Buffer, failAt?: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += 65536) {
        if (failAt !== undefined && at >= failAt) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        yield data.subarray(at, Math.min(at + 65536, data.length));
      }
    })(),
  );
}

/**
 * The behaviour every ImageStore must have (drivers.ts). Run it from each implementation's
 * test with a factory for a fresh, empty store.
 */
export function describeImageStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`image store contract: ${name}`, () => {
    let t: StoreUnderTest;
    beforeAll(async () => {
      t = await open();
      await t.store.start();
    });
    afterAll(async () => t?.close());

    it('stores data and gives back the same bytes with size, md5 and sha512', async () => {
      const id = randomUUID();
      const data = randomBytes(300_000);
      const stored = await t.store.put(id, source(data));
      expect(stored).toMatchObject({ size: data.length, checksum: md5(data), multihash: sha512(data) });
      expect(md5(await readAll(await t.store.get(stored.location)))).toBe(md5(data));
    });

    it('stores an empty image', async () => {
      const stored = await t.store.put(randomUUID(), Readable.from([]));
      expect(stored.size).toBe(0);
      expect(stored.checksum).toBe(md5(Buffer.alloc(0)));
      expect((await readAll(await t.store.get(stored.location))).length).toBe(0);
    });

    it('reads a byte range', async () => {
      const data = randomBytes(200_000);
      const stored = await t.store.put(randomUUID(), source(data));
      const slice = await readAll(await t.store.get(stored.location, { offset: 70_000, length: 1000 }));
      expect(slice.equals(data.subarray(70_000, 71_000))).toBe(true);
    });

    it('streams an image larger than any buffer in one pass', async () => {
      const id = randomUUID();
      const chunk = randomBytes(1 << 20);
      const md = createHash('md5');
      const generate = function* () {
        for (let i = 0; i < 24; i++) {
          md.update(chunk);
          yield chunk;
        }
      };
      const stored = await t.store.put(id, Readable.from(generate()));
      expect(stored.size).toBe(24 << 20);
      expect(stored.checksum).toBe(md.digest('hex'));
    });

    it('refuses data over maxBytes and keeps nothing of it', async () => {
      const id = randomUUID();
      await expect(t.store.put(id, source(randomBytes(500_000)), { maxBytes: 100_000 })).rejects.toBeInstanceOf(ImageSizeLimitExceeded);
      expect(await t.residue(id)).toEqual([]);
    });

    it('keeps nothing when the source fails midway (client gone)', async () => {
      const id = randomUUID();
      await expect(t.store.put(id, source(randomBytes(400_000), 200_000))).rejects.toThrow('aborted');
      expect(await t.residue(id)).toEqual([]);
    });

    it('fails a put that ends short of the announced size and keeps nothing', async () => {
      const id = randomUUID();
      await expect(t.store.put(id, source(randomBytes(1000)), { expectedSize: 5000 })).rejects.toBeInstanceOf(ImageDataTruncated);
      expect(await t.residue(id)).toEqual([]);
    });

    it('accepts a put of exactly the announced size', async () => {
      const stored = await t.store.put(randomUUID(), source(randomBytes(5000)), { expectedSize: 5000, maxBytes: 5000 });
      expect(stored.size).toBe(5000);
    });

    it('replaces the data of an image put twice', async () => {
      const id = randomUUID();
      await t.store.put(id, source(randomBytes(1000)));
      const second = randomBytes(2000);
      const stored = await t.store.put(id, source(second));
      expect(md5(await readAll(await t.store.get(stored.location)))).toBe(md5(second));
    });

    it('deletes data idempotently; reading it afterwards is ImageDataMissing', async () => {
      const id = randomUUID();
      const stored = await t.store.put(id, source(randomBytes(1000)));
      await t.store.delete(stored.location);
      await t.store.delete(stored.location);
      await expect(t.store.get(stored.location)).rejects.toBeInstanceOf(ImageDataMissing);
      expect(await t.residue(id)).toEqual([]);
    });

    it('discards whatever an image has, and succeeds when it has nothing', async () => {
      const id = randomUUID();
      const stored = await t.store.put(id, source(randomBytes(1000)));
      await t.store.discard(id);
      await t.store.discard(id);
      await t.store.discard(randomUUID());
      expect(await t.residue(id)).toEqual([]);
      await expect(t.store.get(stored.location)).rejects.toBeInstanceOf(ImageDataMissing);
    });

    it('keeps concurrent puts of different images apart', async () => {
      const items = [randomBytes(100_000), randomBytes(150_000), randomBytes(50_000)];
      const stored = await Promise.all(items.map((d) => t.store.put(randomUUID(), source(d))));
      for (const [i, s] of stored.entries()) expect(md5(await readAll(await t.store.get(s.location)))).toBe(md5(items[i]!));
    });

    it('lists the images it holds whole, not a put still in progress nor deleted data', async () => {
      // every store strata ships can list, so the orphan sweep covers it
      expect(t.store.list, `${name} offers list()`).toBeDefined();
      const list = () => t.store.list!();
      const whole = randomUUID();
      const stored = await t.store.put(whole, source(randomBytes(1000)));
      const gone = randomUUID();
      await t.store.delete((await t.store.put(gone, source(randomBytes(1000)))).location);

      const inProgress = randomUUID();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const slow = Readable.from(
        (async function* () {
          yield randomBytes(70_000);
          await held;
          yield randomBytes(70_000);
        })(),
      );
      const putting = t.store.put(inProgress, slow);
      // the first chunk has reached the store before the listing
      await new Promise((r) => setTimeout(r, 500));
      const listed = await list();
      expect(listed).toContain(whole);
      expect(listed).not.toContain(gone);
      expect(listed).not.toContain(inProgress);
      release();
      await putting;
      expect(await list()).toContain(inProgress);
      await t.store.delete(stored.location);
      expect(await list()).not.toContain(whole);
    });

    it('reports its capacity and properties', async () => {
      const c = await t.store.capacity();
      expect(c.totalBytes).toBeGreaterThan(0);
      expect(c.freeBytes).toBeGreaterThanOrEqual(0);
      expect(c.freeBytes).toBeLessThanOrEqual(c.totalBytes);
      expect(typeof t.store.properties()).toBe('object');
      expect(t.store.id).toMatch(/^[a-z0-9_-]+$/i);
    });
  });
}
