import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { openDatabase } from '../../../core/db/index.ts';
import { startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const run = promisify(execFile);

/**
 * A cloud whose block storage runs the file backend (qcow2 files made with qemu-img) and the
 * file backup driver in a temporary directory that outlives restarts: start, stop and start
 * again on the same data dir and database, with driver operations slowed down at will.
 */
export class FileBackendCloud {
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bs-restart-'));
  readonly volumesDir = path.join(this.dataDir, 'volume-files');
  readonly backupsDir = path.join(this.dataDir, 'backup-files');
  private current: VolumeCloud | undefined;

  /** `databaseUrl`: run on that database instead of SQLite in the data dir. */
  constructor(private readonly databaseUrl?: string) {}

  /** Starts (again) with `delays` (`createVolume=3000,...`) before the named driver calls, and more block-storage options. */
  async start(delays = '', services?: readonly string[], blockStorage: Record<string, unknown> = {}): Promise<VolumeCloud> {
    if (this.current) throw new Error('already running');
    this.current = await startVolumeCloud({
      dataDir: this.dataDir,
      ...(services ? { services } : {}),
      ...(this.databaseUrl ? { databaseUrl: this.databaseUrl } : {}),
      overrides: {
        'block-storage': {
          enabled_backends: ['file'],
          file_backend_dir: this.volumesDir,
          file_backend_format: 'qcow2',
          backup_driver: 'file',
          backup_dir: this.backupsDir,
          backend_delays: delays,
          ...blockStorage,
        },
      },
    });
    return this.current;
  }

  get cloud(): VolumeCloud {
    if (!this.current) throw new Error('not running');
    return this.current;
  }

  async stop(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  /** Stops, then removes every task of the resource, as a database restored from before they were written would. */
  async stopAndLoseTasks(resourceId: string): Promise<void> {
    await this.stop();
    const db = await openDatabase(this.databaseUrl ?? `sqlite://${path.join(this.dataDir, 'strata.db')}`);
    try {
      await db.kysely.deleteFrom('block_storage_task').where('resource_id', '=', resourceId).execute();
    } finally {
      await db.close();
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Files of the file backend (volumes, snapshots, frozen layers); its own bookkeeping dirs left out. */
  backendFiles(): string[] {
    if (!fs.existsSync(this.volumesDir)) return [];
    return fs
      .readdirSync(this.volumesDir, { withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => e.name)
      .sort();
  }

  backupEntries(): string[] {
    return fs.existsSync(this.backupsDir) ? fs.readdirSync(this.backupsDir).sort() : [];
  }

  volumeFile(id: string): string | undefined {
    return this.backendFiles().find((f) => f.startsWith(`volume-${id}.`));
  }

  /** `qemu-img info` of a volume's file: the format and virtual size qemu reads from it. */
  async imageInfo(id: string): Promise<{ format: string; 'virtual-size': number }> {
    const file = this.volumeFile(id);
    if (!file) throw new Error(`no file for volume ${id} in ${this.backendFiles().join(', ')}`);
    const { stdout } = await run('qemu-img', ['info', '--output=json', '-U', path.join(this.volumesDir, file)]);
    return JSON.parse(stdout) as { format: string; 'virtual-size': number };
  }

  /** Writes bytes at the start of a volume through the backend (the API has no data path). */
  async writeVolume(id: string, content: Buffer): Promise<void> {
    const backend = this.cloud.instance().env.backends[0]!;
    const row = await this.cloud.instance().env.db.selectFrom('block_storage_volume').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await backend.driver.writeVolume(
      { id, sizeGb: Number(row.size), providerLocation: row.provider_location ? (JSON.parse(row.provider_location) as Record<string, string>) : undefined },
      Readable.from([content]),
    );
  }

  async readVolume(id: string, bytes: number): Promise<Buffer> {
    const backend = this.cloud.instance().env.backends[0]!;
    const row = await this.cloud.instance().env.db.selectFrom('block_storage_volume').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const stream = await backend.driver.readVolume({
      id,
      sizeGb: Number(row.size),
      providerLocation: row.provider_location ? (JSON.parse(row.provider_location) as Record<string, string>) : undefined,
    });
    const parts: Buffer[] = [];
    let have = 0;
    for await (const c of stream) {
      parts.push(Buffer.from(c as Buffer));
      have += (c as Buffer).length;
      if (have >= bytes) break;
    }
    stream.destroy();
    return Buffer.concat(parts).subarray(0, bytes);
  }
}

/** Polls until `check` gives a value (not undefined/false). */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GETs `path` until the resource under `key` has `status` (or, with 'gone', answers 404). */
export async function waitForResource(
  who: VolumeClient,
  path: string,
  key: string,
  status: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  let last = '';
  return waitFor(
    () => `${path} to be ${status} (last: ${last})`,
    async () => {
      const r = await who.call('GET', path);
      if (status === 'gone') return r.status === 404 ? {} : undefined;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      last = JSON.stringify(r.body[key]);
      return r.body[key].status === status ? (r.body[key] as Record<string, unknown>) : undefined;
    },
    timeoutMs,
  );
}

/** The user messages (3.3+) about a resource, as its project sees them. */
export async function messagesAbout(who: VolumeClient, resourceId: string): Promise<Array<Record<string, string>>> {
  const r = await who.call('GET', 'messages', undefined, { 'OpenStack-API-Version': 'volume 3.3' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return (r.body.messages as Array<Record<string, string>>).filter((m) => m.resource_uuid === resourceId);
}
