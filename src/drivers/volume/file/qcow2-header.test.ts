import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePackages } from '../../../../scripts/ensure-packages.js';
import { readQcow2Header } from './qcow2-header.ts';
import { qemuImg } from './qemu-img.ts';

describe('readQcow2Header', () => {
  let dir: string;
  beforeAll(() => {
    ensurePackages(['qemu-utils']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-qcow2-'));
  }, 20 * 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('agrees with qemu-img on virtual size and backing file', async () => {
    await qemuImg.create(path.join(dir, 'base.qcow2'), 'qcow2', 3 * 1024 ** 3);
    await qemuImg.create(path.join(dir, 'top.qcow2'), 'qcow2', 5 * 1024 ** 3, { file: 'base.qcow2', format: 'qcow2' });
    for (const name of ['base.qcow2', 'top.qcow2']) {
      const info = await qemuImg.info(path.join(dir, name), 'qcow2');
      expect(await readQcow2Header(path.join(dir, name))).toEqual({ virtualSize: info.virtualSize, backingFile: info.backingFile });
    }
    expect((await readQcow2Header(path.join(dir, 'top.qcow2'))).backingFile).toBe('base.qcow2');
  });

  it('rejects files that are not qcow2', async () => {
    fs.writeFileSync(path.join(dir, 'raw.img'), Buffer.alloc(4096));
    await expect(readQcow2Header(path.join(dir, 'raw.img'))).rejects.toThrow(/not a qcow2 image/);
  });
});
