import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Glance disk formats and the qemu-img output format that writes each. */
const QEMU_FORMAT: Readonly<Record<string, string>> = {
  qcow2: 'qcow2',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
  vhdx: 'vhdx',
  ploop: 'parallels',
};

export interface UploadData {
  readonly data: Readable;
  /** Removes temporary files; call once the data was consumed or abandoned. */
  cleanup(): Promise<void>;
}

/**
 * A volume's raw content in the disk format an image is to have. Raw streams through as
 * it is; other formats are written by qemu-img, which needs seekable files, so the content
 * goes through a scratch directory on disk (never through memory).
 */
export async function inDiskFormat(raw: Readable, diskFormat: string, scratchDir: string): Promise<UploadData> {
  if (diskFormat === 'raw') return { data: raw, cleanup: async () => undefined };
  const target = QEMU_FORMAT[diskFormat];
  if (!target) {
    raw.destroy();
    throw new Error(`cannot write disk format ${diskFormat}`);
  }
  const dir = await mkdtemp(path.join(scratchDir, 'upload-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const input = path.join(dir, 'volume.raw');
    const output = path.join(dir, `image.${diskFormat}`);
    await pipeline(raw, createWriteStream(input));
    await run('qemu-img', ['convert', '-f', 'raw', '-O', target, input, output]);
    return { data: createReadStream(output), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
