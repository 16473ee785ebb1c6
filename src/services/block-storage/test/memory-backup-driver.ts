import { Readable } from 'node:stream';
import type { BackupDriver, BackupRef, ProviderLocation } from '../drivers.ts';

/**
 * A BackupDriver keeping backups in memory, for tests of the backup API and its tasks
 * independent of any real driver. An incremental stores only the bytes that differ from
 * its parent's full content; restore rebuilds the chain, so a broken chain shows up.
 */
export class MemoryBackupDriver implements BackupDriver {
  readonly name = 'memory';
  /** Per backup id: the bytes stored, and the parent's id for an incremental. */
  readonly stored = new Map<
    string,
    { parent?: string; length: number; changes: Map<number, number> | Buffer }
  >();
  /** Set to make the next calls of an operation fail. */
  failing: Partial<Record<'backup' | 'restore' | 'delete', string>> = {};
  /** Resolved once per backup call, in order; tests hold a backup open with this. */
  gate: Promise<void> | undefined;

  async start(): Promise<void> {}

  private full(id: string): Buffer {
    const entry = this.stored.get(id);
    if (!entry) throw new Error(`memory backup driver has no backup ${id}`);
    if (Buffer.isBuffer(entry.changes)) return entry.changes;
    const base = Buffer.from(this.full(entry.parent!));
    const out = Buffer.alloc(entry.length);
    base.copy(out, 0, 0, Math.min(base.length, entry.length));
    for (const [offset, byte] of entry.changes) out[offset] = byte;
    return out;
  }

  async backup(
    backup: BackupRef,
    data: Readable,
  ): Promise<{ location: ProviderLocation; objectCount: number }> {
    if (this.gate) await this.gate;
    if (this.failing.backup) throw new Error(this.failing.backup);
    const parts: Buffer[] = [];
    for await (const c of data) parts.push(Buffer.from(c as Buffer));
    const content = Buffer.concat(parts);
    if (backup.parent) {
      const base = this.full(backup.parent.id);
      const changes = new Map<number, number>();
      for (let i = 0; i < content.length; i++)
        if (content[i] !== base[i]) changes.set(i, content[i]!);
      this.stored.set(backup.id, { parent: backup.parent.id, length: content.length, changes });
      return { location: { memory: backup.id }, objectCount: changes.size };
    }
    this.stored.set(backup.id, { length: content.length, changes: content });
    return { location: { memory: backup.id }, objectCount: content.length > 0 ? 1 : 0 };
  }

  async restore(backup: BackupRef): Promise<Readable> {
    if (this.failing.restore) throw new Error(this.failing.restore);
    return Readable.from([this.full(backup.location?.memory ?? backup.id)]);
  }

  async delete(backup: BackupRef): Promise<void> {
    if (this.failing.delete) throw new Error(this.failing.delete);
    if ((backup.location?.memory ?? backup.id) !== backup.id) return;
    this.stored.delete(backup.id);
  }
}
