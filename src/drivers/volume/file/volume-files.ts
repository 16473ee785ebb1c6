import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VolumeFileFormat } from './qemu-img.ts';

/**
 * The file backend's directory layout. Names carry the role, so the directory alone says
 * what everything is (no side database to get out of step):
 *
 *   volume-<id>.qcow2|raw     a volume's active file (the path hypervisors and tgt open)
 *   frozen-<uuid>.qcow2       an immutable point-in-time file that other qcow2 files back onto
 *   snapshot-<id>.qcow2       symlink to the frozen file holding the snapshot's content
 *   snapshot-<id>.raw         a raw volume's snapshot: a full (sparse) copy
 *   tmp-<uuid>.*              work in progress, renamed into place when complete
 *   exports/                  export records and FUSE mount points (iscsi-exports.ts)
 *
 * Backing file names inside qcow2 headers are bare names resolved in this directory, so the
 * directory can be moved as a whole.
 */
export interface LocatedFile {
  readonly path: string;
  readonly name: string;
  readonly format: VolumeFileFormat;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function assertSafeId(id: string, what: string): void {
  if (!SAFE_ID.test(id)) throw new Error(`invalid ${what} id ${JSON.stringify(id)} for the file backend`);
}

export class VolumeFiles {
  constructor(readonly dir: string) {}

  at(name: string): string {
    return path.join(this.dir, name);
  }

  volumeName(id: string, format: VolumeFileFormat): string {
    assertSafeId(id, 'volume');
    return `volume-${id}.${format}`;
  }

  snapshotName(id: string, format: VolumeFileFormat): string {
    assertSafeId(id, 'snapshot');
    return `snapshot-${id}.${format}`;
  }

  newFrozenName(): string {
    return `frozen-${randomUUID()}.qcow2`;
  }

  newTmpName(ext: string): string {
    return `tmp-${randomUUID()}.${ext}`;
  }

  async findVolume(id: string): Promise<LocatedFile | undefined> {
    for (const format of ['qcow2', 'raw'] as const) {
      const name = this.volumeName(id, format);
      if (await exists(this.at(name))) return { path: this.at(name), name, format };
    }
    return undefined;
  }

  async needVolume(id: string): Promise<LocatedFile> {
    const found = await this.findVolume(id);
    if (!found) throw new Error(`file backend has no volume ${id}`);
    return found;
  }

  /** The snapshot's entry: for qcow2 the symlink, whose target (`frozen`) holds the data. */
  async findSnapshot(id: string): Promise<(LocatedFile & { frozen?: string }) | undefined> {
    for (const format of ['qcow2', 'raw'] as const) {
      const name = this.snapshotName(id, format);
      const p = this.at(name);
      try {
        const st = await fs.lstat(p);
        if (st.isSymbolicLink()) return { path: p, name, format, frozen: path.basename(await fs.readlink(p)) };
        return { path: p, name, format };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  }

  /** Removes leftovers of operations a crash interrupted. */
  async removeTmpFiles(): Promise<void> {
    for (const name of await fs.readdir(this.dir)) {
      if (name.startsWith('tmp-')) await fs.rm(this.at(name), { force: true });
    }
  }

  /** Renames a finished tmp file to its final name (atomic within the directory). */
  async place(tmpName: string, finalName: string): Promise<void> {
    await fs.rename(this.at(tmpName), this.at(finalName));
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export async function removeIfExists(p: string): Promise<void> {
  await fs.rm(p, { force: true });
}
