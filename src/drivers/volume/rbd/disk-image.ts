import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Glance disk_format -> qemu-img format name, for the formats a volume can be made from. */
const QEMU_FORMATS: Readonly<Record<string, string>> = {
  raw: 'raw',
  iso: 'raw',
  ami: 'raw',
  ari: 'raw',
  aki: 'raw',
  qcow2: 'qcow2',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
  vhdx: 'vhdx',
};

/** The Glance disk formats a volume can be made from. */
export const IMAGE_DISK_FORMATS: readonly string[] = Object.keys(QEMU_FORMATS);

export class UnsupportedImageError extends Error {}

/** True when the disk format's bytes are the disk's bytes (no conversion needed). */
export function isRawFormat(diskFormat: string): boolean {
  return QEMU_FORMATS[diskFormat] === 'raw';
}

function qemuImg(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`qemu-img ${args[0]} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

interface QemuImgInfo {
  'virtual-size': number;
  'backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string } };
}

/**
 * Stages a non-raw image (qcow2, vmdk ...) as a sparse raw file with qemu-img, as Cinder
 * does before writing it into RBD. The format is given, never probed, and images that
 * point at other files (a backing file or external data file) are refused: an uploaded
 * image must not make the service read arbitrary host files.
 */
export async function stageAsRaw(
  data: Readable,
  diskFormat: string,
  workDir: string,
): Promise<{ rawPath: string; virtualSize: number; dispose: () => void }> {
  const qemuFormat = QEMU_FORMATS[diskFormat];
  if (!qemuFormat) throw new UnsupportedImageError(`disk format ${diskFormat} cannot be written to a volume`);
  fs.mkdirSync(workDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(workDir, 'image-'));
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const source = path.join(dir, 'source');
    await pipeline(data, fs.createWriteStream(source));
    const info = JSON.parse(await qemuImg(['info', '-f', qemuFormat, '--output', 'json', source])) as QemuImgInfo;
    if (info['backing-filename'] || info['format-specific']?.data?.['data-file']) {
      throw new UnsupportedImageError('images with a backing file or external data file are not accepted');
    }
    const rawPath = path.join(dir, 'raw');
    await qemuImg(['convert', '-f', qemuFormat, '-O', 'raw', source, rawPath]);
    fs.rmSync(source);
    return { rawPath, virtualSize: info['virtual-size'], dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
