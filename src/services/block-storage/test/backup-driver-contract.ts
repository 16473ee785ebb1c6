import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupDriver, BackupRef } from '../drivers.ts';

/**
 * The suite every BackupDriver passes: what goes in comes back out, for full backups and
 * for chains of incremental ones, and every call can be repeated.
 */
export interface BackupDriverSubject {
  readonly driver: BackupDriver;
  close(): Promise<void>;
}

const MiB = 1024 ** 2;

/** Volume-like content: `length` bytes, mostly zeros, with marked regions. */
function content(length: number, marks: ReadonlyArray<readonly [offset: number, seed: number]>): Buffer {
  const buf = Buffer.alloc(length);
  for (const [offset, seed] of marks) {
    for (let i = 0; i < 100_000 && offset + i < length; i++) buf[offset + i] = (seed * 31 + i * 7) & 0xff || 1;
  }
  return buf;
}

/** Feeds a buffer in uneven pieces, as a network or file stream does. */
function streamOf(buf: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let off = 0, step = 65_521; off < buf.length; off += step, step = step === 65_521 ? 1_000_003 : 65_521) {
    pieces.push(buf.subarray(off, Math.min(buf.length, off + step)));
  }
  return Readable.from(pieces);
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function describeBackupDriverContract(name: string, makeSubject: () => Promise<BackupDriverSubject>): void {
  describe(`BackupDriver contract: ${name}`, () => {
    let s: BackupDriverSubject;
    let driver: BackupDriver;

    beforeAll(async () => {
      s = await makeSubject();
      driver = s.driver;
      await driver.start();
    });
    afterAll(async () => {
      await s?.close();
    });

    const ref = (volumeId: string, parent?: BackupRef & { location: Record<string, string> }): BackupRef => ({
      id: randomUUID(),
      volumeId,
      sizeGb: 1,
      parent: parent ? { id: parent.id, location: parent.location } : undefined,
    });

    it('restores a full backup byte for byte, and backs up idempotently', async () => {
      const data = content(20 * MiB + 333, [[0, 1], [9 * MiB, 2], [20 * MiB, 3]]);
      const b = ref(randomUUID());
      const first = await driver.backup(b, streamOf(data));
      const again = await driver.backup(b, streamOf(data));
      expect(again.location).toEqual(first.location);
      expect(first.objectCount).toBeGreaterThan(0);
      const restored = await drain(await driver.restore({ ...b, location: first.location }));
      expect(restored.length).toBe(data.length);
      expect(digest(restored)).toBe(digest(data));
    });

    it('restores every member of an incremental chain to its own point in time', async () => {
      const volumeId = randomUUID();
      const v1 = content(16 * MiB, [[0, 10], [12 * MiB, 11]]);
      const v2 = Buffer.from(v1);
      v2.fill(0x5a, 5 * MiB, 5 * MiB + 4096);
      // the volume grew between the backups
      const v3 = Buffer.concat([v2, content(8 * MiB, [[MiB, 12]])]);
      v3.fill(0, 0, 100_000);

      const full = ref(volumeId);
      const fullLoc = (await driver.backup(full, streamOf(v1))).location;
      const inc1 = ref(volumeId, { ...full, location: fullLoc });
      const inc1Loc = (await driver.backup(inc1, streamOf(v2))).location;
      const inc2 = ref(volumeId, { ...inc1, location: inc1Loc });
      const inc2Loc = (await driver.backup(inc2, streamOf(v3))).location;

      expect(digest(await drain(await driver.restore({ ...inc2, location: inc2Loc })))).toBe(digest(v3));
      expect(digest(await drain(await driver.restore({ ...inc1, location: inc1Loc })))).toBe(digest(v2));
      expect(digest(await drain(await driver.restore({ ...full, location: fullLoc })))).toBe(digest(v1));

      // children first, as the API orders deletions; each delete can be repeated
      for (const [b, loc] of [[inc2, inc2Loc], [inc1, inc1Loc], [full, fullLoc]] as const) {
        await driver.delete({ ...b, location: loc });
        await driver.delete({ ...b, location: loc });
      }
      await expect(driver.restore({ ...full, location: fullLoc })).rejects.toThrow();
    });

    it('restores a record imported under another id from its location; deleting that record keeps the data', async () => {
      const data = content(3 * MiB, [[MiB, 7]]);
      const original = ref(randomUUID());
      const { location } = await driver.backup(original, streamOf(data));
      const imported = { ...original, id: randomUUID(), location };
      expect(digest(await drain(await driver.restore(imported)))).toBe(digest(data));
      await driver.delete(imported);
      expect(digest(await drain(await driver.restore({ ...original, location })))).toBe(digest(data));
      await driver.delete({ ...original, location });
      await expect(driver.restore(imported)).rejects.toThrow();
    });

    it('backs up an empty (all-zero) volume and restores its full length', async () => {
      const data = Buffer.alloc(12 * MiB);
      const b = ref(randomUUID());
      const { location } = await driver.backup(b, streamOf(data));
      const restored = await drain(await driver.restore({ ...b, location }));
      expect(restored.length).toBe(data.length);
      expect(restored.equals(data)).toBe(true);
    });
  });
}
