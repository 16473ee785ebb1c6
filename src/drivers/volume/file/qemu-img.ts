import { run } from './command.ts';

export type VolumeFileFormat = 'raw' | 'qcow2';

/** What `qemu-img info --output=json` tells about one image (the fields we use). */
export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: number;
  readonly actualSize: number;
  readonly backingFile: string | undefined;
  /** qcow2 external data file: never accepted from untrusted images. */
  readonly dataFile: string | undefined;
}

/**
 * Glance disk formats -> qemu block driver names. Formats qemu-img cannot read (ami/aki/ari
 * are raw kernel/ramdisk blobs; iso is raw bytes) map to raw.
 */
const DISK_FORMAT_DRIVERS: Readonly<Record<string, string>> = {
  raw: 'raw',
  qcow2: 'qcow2',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vpc',
  vhdx: 'vhdx',
  iso: 'raw',
  ami: 'raw',
  aki: 'raw',
  ari: 'raw',
};

/** The Glance disk formats a volume can be made from. */
export const IMAGE_DISK_FORMATS: readonly string[] = Object.keys(DISK_FORMAT_DRIVERS);

export function qemuDriverForDiskFormat(diskFormat: string): string | undefined {
  return DISK_FORMAT_DRIVERS[diskFormat];
}

/**
 * qemu-img with the format always named (`-f`): probing a format from the bytes of an
 * untrusted image is how a raw image passes itself off as qcow2 with a backing file.
 */
export const qemuImg = {
  async info(file: string, format: string, opts: { shared?: boolean } = {}): Promise<ImageInfo> {
    const args = ['info', '--output=json', '-f', format];
    if (opts.shared) args.push('-U');
    const out = await run('qemu-img', [...args, file], { timeoutMs: 60_000 });
    const j = JSON.parse(out) as {
      format: string;
      'virtual-size': number;
      'actual-size'?: number;
      'backing-filename'?: string;
      'format-specific'?: { data?: { 'data-file'?: string } };
    };
    return {
      format: j.format,
      virtualSize: j['virtual-size'],
      actualSize: j['actual-size'] ?? 0,
      backingFile: j['backing-filename'],
      dataFile: j['format-specific']?.data?.['data-file'],
    };
  },

  async create(file: string, format: VolumeFileFormat, sizeBytes: number, backing?: { file: string; format: VolumeFileFormat }): Promise<void> {
    const args = ['create', '-q', '-f', format];
    // -u: the backing name is relative to the final directory, which may not be where qemu-img
    // would look from; the size is given, so qemu-img need not open it.
    if (backing) args.push('-u', '-b', backing.file, '-F', backing.format);
    await run('qemu-img', [...args, file, String(sizeBytes)]);
  },

  async convert(
    source: { file: string; format: string },
    target: { file: string; format: VolumeFileFormat },
    opts: { shared?: boolean } = {},
  ): Promise<void> {
    const args = ['convert', '-q', '-f', source.format, '-O', target.format];
    if (opts.shared) args.push('-U');
    await run('qemu-img', [...args, source.file, target.file]);
  },

  async resize(file: string, format: VolumeFileFormat, sizeBytes: number): Promise<void> {
    await run('qemu-img', ['resize', '-q', '-f', format, file, String(sizeBytes)]);
  },

  /** Writes `file`'s clusters into its backing file, leaving `file` as it was (-d). */
  async commit(file: string): Promise<void> {
    await run('qemu-img', ['commit', '-q', '-d', '-f', 'qcow2', file]);
  },

  /** Clusters `file` itself holds (not its backing chain). */
  async allocatedClusters(file: string): Promise<number> {
    const out = await run('qemu-img', ['check', '--output=json', '-U', '-f', 'qcow2', file], { timeoutMs: 120_000 });
    return (JSON.parse(out) as { 'allocated-clusters'?: number })['allocated-clusters'] ?? 0;
  },

  /** Throws unless `qemu-img check` finds the image consistent. */
  async check(file: string, format: VolumeFileFormat): Promise<void> {
    if (format === 'raw') return; // nothing to check in a raw file
    await run('qemu-img', ['check', '-q', '-U', '-f', format, file], { timeoutMs: 120_000 });
  },
};
