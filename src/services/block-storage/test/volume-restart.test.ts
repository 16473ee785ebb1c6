import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/db/index.ts';
import { startVolumeCloud, type VolumeCloud } from './volume-cloud.ts';

/**
 * A restart in the middle of a volume create: the cloud is stopped while the (slow) fake
 * backend creates the volume, then started again on the same data. The create must finish
 * (the task is resumed) or, if its task is gone, end in error; never stay in creating.
 */
describe('block storage: restart during a volume create', () => {
  const dirs: string[] = [];
  let running: VolumeCloud | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const start = async (dataDir: string, delays: string) => {
    running = await startVolumeCloud({ dataDir, overrides: { 'block-storage': { backend_delays: delays } } });
    return running;
  };
  const stop = async () => {
    await running!.close();
    running = undefined;
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const interruptedCreate = async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-restart-'));
    dirs.push(dataDir);
    const first = await start(dataDir, 'createVolume=3000');
    const created = await first.admin.call('POST', 'volumes', { volume: { size: 1, name: 'interrupted' } });
    expect(created.status).toBe(202);
    const id = created.body.volume.id as string;
    // Scheduled (host recorded) means the task is inside the slow backend call.
    await until('the volume to be scheduled', async () => (await first.admin.call('GET', `volumes/${id}`)).body.volume['os-vol-host-attr:host'] !== null);
    expect((await first.admin.call('GET', `volumes/${id}`)).body.volume.status).toBe('creating');
    await stop();
    return { dataDir, id };
  };

  it('resumes the create after the restart: the volume becomes available', async () => {
    const { dataDir, id } = await interruptedCreate();
    const second = await start(dataDir, '');
    await second.waitForStatus(id, 'available', 20_000);
    const tasks = await second.instance().env.tasks.list({ resourceId: id });
    expect(tasks.map((t) => [t.kind, t.state])).toEqual([['volume.create', 'succeeded']]);
  }, 90_000);

  it('puts a create whose task was lost into error, with the reason', async () => {
    const { dataDir, id } = await interruptedCreate();
    // Lose the task, as a database restored from before it was written would.
    const db = await openDatabase(`sqlite://${path.join(dataDir, 'strata.db')}`);
    await db.kysely.deleteFrom('block_storage_task').where('resource_id', '=', id).execute();
    await db.close();
    const second = await start(dataDir, '');
    expect((await second.admin.call('GET', `volumes/${id}`)).body.volume.status).toBe('error');
    const row = await second.instance().env.db.selectFrom('block_storage_volume').select('status_reason').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status_reason).toBe('interrupted while creating');
    // The error is final and deletable.
    expect((await second.admin.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await second.waitForDeletion(id);
  }, 90_000);
});
