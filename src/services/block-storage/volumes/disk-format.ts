import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
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
    await writeSparse(raw, input);
    await run('qemu-img', ['convert', '-f', 'raw', '-O', target, input, output]);
    return { data: createReadStream(output), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

const BLOCK = 64 * 1024;

/**
 * Writes the stream to a file, leaving holes where whole 64 KiB blocks are zero: a volume is
 * mostly unwritten, and writing its zeros out would cost a full-size file and the time to
 * write it before qemu-img (which reads holes as zeros) converts it.
 */
async function writeSparse(data: Readable, file: string): Promise<void> {
  const fh = await open(file, 'w');
  const zero = Buffer.alloc(BLOCK);
  let position = 0;
  let pending: Buffer = Buffer.alloc(0);
  const flush = async (block: Buffer) => {
    if (!block.equals(zero.subarray(0, block.length))) await fh.write(block, 0, block.length, position);
    position += block.length;
  };
  try {
    for await (const chunk of data) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      let offset = 0;
      for (; offset + BLOCK <= pending.length; offset += BLOCK) await flush(pending.subarray(offset, offset + BLOCK));
      pending = pending.subarray(offset);
    }
    if (pending.length) await flush(pending);
    await fh.truncate(position);
  } finally {
    await fh.close();
  }
}
