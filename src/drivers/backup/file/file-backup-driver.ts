import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { BackupDriver, BackupRef, ProviderLocation } from '../../../services/block-storage/drivers.ts';
import { fixedChunks, isAllZero } from './chunks.ts';

const deflate = promisify(zlib.deflate);
const inflate = promisify(zlib.inflate);

/** One chunk of a backup: its hash, and which backup's directory holds its data (none: zeros). */
export interface ManifestChunk {
  readonly sha256: string;
  /** Backup id whose chunks/ directory stores this chunk; absent for an all-zero chunk. */
  readonly in?: string;
}

/** manifest.json of a backup: written last, so its presence means the backup is complete. */
export interface BackupManifest {
  readonly version: 1;
  readonly backupId: string;
  readonly volumeId: string;
  readonly parentId: string | null;
  readonly chunkBytes: number;
  readonly totalBytes: number;
  /** Chunk files this backup wrote itself (Cinder's object_count). */
  readonly objectCount: number;
  readonly chunks: readonly ManifestChunk[];
}

export interface FileBackupDriverOptions {
  /** Directory of all backups, one sub-directory each (created at start). */
  readonly dir: string;
  /** Bytes per chunk: the unit of change detection and of storage (default 4 MiB). */
  readonly chunkBytes?: number;
  /** zlib level of stored chunks (default 1: backups are throughput-bound). */
  readonly compressionLevel?: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Backups as directories of zlib-compressed, fixed-size chunks with a manifest of their
 * SHA-256 hashes. An incremental backup compares each chunk's hash with its parent's at the
 * same offset and stores only those that differ; unchanged chunks point at the backup that
 * holds them, so a restore reads each chunk from exactly one place without walking the
 * chain. All-zero chunks are not stored at all. A backup that others point into cannot be
 * deleted (the API refuses first; this is the last line).
 */
export class FileBackupDriver implements BackupDriver {
  readonly name = 'file';
  private readonly dir: string;
  private readonly chunkBytes: number;
  private readonly level: number;

  constructor(opts: FileBackupDriverOptions) {
    this.dir = path.resolve(opts.dir);
    this.chunkBytes = opts.chunkBytes ?? 4 * 1024 * 1024;
    this.level = opts.compressionLevel ?? 1;
  }

  async start(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  private backupDir(id: string): string {
    if (!SAFE_ID.test(id)) throw new Error(`invalid backup id ${JSON.stringify(id)}`);
    return path.join(this.dir, id);
  }

  private chunkFile(id: string, index: number): string {
    return path.join(this.backupDir(id), 'chunks', `${String(index).padStart(8, '0')}.z`);
  }

  private location(id: string): ProviderLocation {
    return { path: this.backupDir(id) };
  }

  /** The backup whose directory holds this one's data: an imported record may name another's. */
  private dataId(backup: BackupRef): string {
    const at = backup.location?.path;
    if (at !== undefined && path.dirname(at) === this.dir && SAFE_ID.test(path.basename(at))) return path.basename(at);
    return backup.id;
  }

  async manifest(id: string): Promise<BackupManifest | undefined> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.backupDir(id), 'manifest.json'), 'utf8')) as BackupManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async backup(backup: BackupRef, data: Readable): Promise<{ location: ProviderLocation; objectCount: number }> {
    const done = await this.manifest(backup.id);
    if (done) {
      data.destroy();
      return { location: this.location(backup.id), objectCount: done.objectCount };
    }
    const parent = backup.parent ? await this.manifest(backup.parent.id) : undefined;
    if (backup.parent && !parent) {
      data.destroy();
      throw new Error(`parent backup ${backup.parent.id} has no manifest in ${this.dir}`);
    }
    const target = this.backupDir(backup.id);
    // an earlier attempt that died before its manifest left only garbage
    await fs.rm(target, { recursive: true, force: true });
    await fs.mkdir(path.join(target, 'chunks'), { recursive: true });

    const chunks: ManifestChunk[] = [];
    let totalBytes = 0;
    let objectCount = 0;
    for await (const chunk of fixedChunks(data, this.chunkBytes)) {
      const index = chunks.length;
      const sha256 = createHash('sha256').update(chunk).digest('hex');
      totalBytes += chunk.length;
      if (isAllZero(chunk)) {
        chunks.push({ sha256 });
        continue;
      }
      const before = parent && parent.chunkBytes === this.chunkBytes ? parent.chunks[index] : undefined;
      if (before?.in && before.sha256 === sha256) {
        chunks.push({ sha256, in: before.in });
        continue;
      }
      await fs.writeFile(this.chunkFile(backup.id, index), await deflate(chunk, { level: this.level }));
      objectCount++;
      chunks.push({ sha256, in: backup.id });
    }
    const manifest: BackupManifest = {
      version: 1,
      backupId: backup.id,
      volumeId: backup.volumeId,
      parentId: backup.parent?.id ?? null,
      chunkBytes: this.chunkBytes,
      totalBytes,
      objectCount,
      chunks,
    };
    const file = path.join(target, 'manifest.json');
    await fs.writeFile(`${file}.tmp`, JSON.stringify(manifest));
    await fs.rename(`${file}.tmp`, file);
    return { location: this.location(backup.id), objectCount };
  }

  async restore(backup: BackupRef): Promise<Readable> {
    const manifest = await this.manifest(this.dataId(backup));
    if (!manifest) throw new Error(`backup ${backup.id} has no manifest in ${this.dir}`);
    return Readable.from(this.chunksOf(manifest));
  }

  private async *chunksOf(m: BackupManifest): AsyncGenerator<Buffer> {
    const zeros = Buffer.alloc(m.chunkBytes);
    for (let i = 0; i < m.chunks.length; i++) {
      const entry = m.chunks[i]!;
      const length = Math.min(m.chunkBytes, m.totalBytes - i * m.chunkBytes);
      if (!entry.in) {
        yield zeros.subarray(0, length);
        continue;
      }
      const data = await inflate(await fs.readFile(this.chunkFile(entry.in, i)));
      if (data.length !== length || createHash('sha256').update(data).digest('hex') !== entry.sha256) {
        throw new Error(`backup ${m.backupId}: chunk ${i} (stored in backup ${entry.in}) is corrupt`);
      }
      yield data;
    }
  }

  async delete(backup: BackupRef): Promise<void> {
    if (this.dataId(backup) !== backup.id) return;
    const target = this.backupDir(backup.id);
    const children = await this.childrenOf(backup.id);
    if (children.length > 0) {
      throw new Error(`backup ${backup.id} has dependent incremental backups (${children.join(', ')}); delete them first`);
    }
    await fs.rm(target, { recursive: true, force: true });
  }

  /** Backups whose chunks point into `id`'s directory. */
  private async childrenOf(id: string): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const children: string[] = [];
    for (const name of names) {
      if (name === id || !SAFE_ID.test(name)) continue;
      const m = await this.manifest(name);
      if (m && (m.parentId === id || m.chunks.some((c) => c.in === id))) children.push(name);
    }
    return children;
  }
}
