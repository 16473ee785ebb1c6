import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeImageStoreContract } from '../../../services/image/test/store-contract.ts';
import { FileImageStore } from './file-image-store.ts';

async function tempStore() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'strata-image-store-'));
  const store = new FileImageStore({ id: 'file', dir: path.join(dir, 'images') });
  return { dir, store };
}

describeImageStoreContract('file', async () => {
  const { dir, store } = await tempStore();
  return {
    store,
    async residue(imageId) {
      const names = await fsp.readdir(path.join(dir, 'images')).catch(() => [] as string[]);
      return names.filter((n) => n.includes(imageId));
    },
    close: () => fsp.rm(dir, { recursive: true, force: true }),
  };
});

describe('file image store', () => {
  it('names the data file after the image and gives a file:// location', async () => {
    const { dir, store } = await tempStore();
    await store.start();
    const id = randomUUID();
    const stored = await store.put(id, Readable.from([randomBytes(10)]));
    expect(stored.location).toBe(`file://${path.join(dir, 'images', id)}`);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('refuses locations outside its directory and ids that are not ids', async () => {
    const { dir, store } = await tempStore();
    await store.start();
    await expect(store.get('file:///etc/passwd')).rejects.toThrow(/not in store/);
    await expect(store.delete(`file://${path.join(dir, 'images', '..', 'x')}`)).rejects.toThrow(TypeError);
    await expect(store.put('../escape', Readable.from([]))).rejects.toThrow(TypeError);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('removes partial files when discarding an image a crash left half-written', async () => {
    const { dir, store } = await tempStore();
    await store.start();
    const id = randomUUID();
    await fsp.writeFile(path.join(dir, 'images', `.partial.${id}.leftover`), 'half');
    await store.discard(id);
    expect(await fsp.readdir(path.join(dir, 'images'))).toEqual([]);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('stores a few hundred MiB without its memory growing with the size', async () => {
    const { dir, store } = await tempStore();
    await store.start();
    const block = randomBytes(65_536);
    const total = 384 * 1024 * 1024;
    const md5 = createHash('md5');
    let sent = 0;
    // The same 64 KiB again and again, as a socket delivers them: the source itself holds nothing.
    const source = new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        sent += block.length;
        md5.update(block);
        this.push(block);
      },
    });
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const stored = await store.put(randomUUID(), source);
      expect(stored.size).toBe(total);
      expect(stored.checksum).toBe(md5.digest('hex'));
      // Holding the image would take 384 MiB; the pool is 16 MiB, plus the heap's slack.
      expect(peak - rss0).toBeLessThan(128 * 1024 * 1024);
    } finally {
      clearInterval(timer);
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
