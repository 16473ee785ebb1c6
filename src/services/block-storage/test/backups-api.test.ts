import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockStorageEnv } from '../env.ts';
import { MemoryBackupDriver } from './memory-backup-driver.ts';
import { LATEST, startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

describe('block storage: backups (on an in-memory backup driver)', () => {
  let c: VolumeCloud;
  let alice: VolumeClient;
  let bob: VolumeClient;
  let backups: MemoryBackupDriver;
  let env: BlockStorageEnv;

  const volume = async (who: VolumeClient, extra: Record<string, unknown> = {}) => {
    const r = await who.call('POST', 'volumes', { volume: { size: 1, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'available');
    return r.body.volume.id as string;
  };
  const backupStatus = async (who: VolumeClient, id: string, status: string) => {
    const deadline = Date.now() + 15_000;
    let last = '';
    while (Date.now() < deadline) {
      const r = await who.call('GET', `backups/${id}`);
      if (status === 'gone' && r.status === 404) return undefined;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      last = r.body.backup.status;
      if (last === status) return r.body.backup as Record<string, unknown>;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`backup ${id} is ${last}, not ${status}`);
  };
  const backup = async (
    who: VolumeClient,
    volumeId: string,
    extra: Record<string, unknown> = {},
    headers?: Record<string, string>,
  ) => {
    const r = await who.call(
      'POST',
      'backups',
      { backup: { volume_id: volumeId, ...extra } },
      headers,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await backupStatus(who, r.body.backup.id, 'available');
    return r.body.backup.id as string;
  };
  const driver = () => env.backends[0]!.driver;
  const write = async (volumeId: string, content: Buffer) =>
    driver().writeVolume({ id: volumeId, sizeGb: 1 }, Readable.from([content]));
  const read = async (volumeId: string) =>
    drain(await driver().readVolume({ id: volumeId, sizeGb: 1 }));

  beforeAll(async () => {
    c = await startVolumeCloud();
    env = c.instance().env;
    backups = new MemoryBackupDriver();
    // The port, not a real driver: these tests are about the API and the task state machine.
    (env as { backup: MemoryBackupDriver | undefined }).backup = backups;
    alice = await c.member();
    bob = await c.member();
    for (const p of [alice, bob]) {
      const q = await c.admin.call('PUT', `os-quota-sets/${p.projectId}`, {
        quota_set: { volumes: -1, gigabytes: -1, snapshots: -1, backups: -1, backup_gigabytes: -1 },
      });
      expect(q.status).toBe(200);
    }
  }, 90_000);
  afterAll(async () => c?.close());

  it('backs up a volume: the volume is backing-up meanwhile, then available; the backup keeps its data', async () => {
    const vol = await volume(alice);
    await write(vol, Buffer.from('first content'));
    let release = (): void => undefined;
    backups.gate = new Promise<void>((r) => (release = r));
    const r = await alice.call('POST', 'backups', {
      backup: { volume_id: vol, name: 'b1', description: 'd', container: 'container' },
    });
    expect(r.status).toBe(202);
    expect(Object.keys(r.body.backup).sort()).toEqual(['id', 'links', 'name']);
    expect(r.body.backup.links[0].href).toContain(
      `/v3/${alice.projectId}/backups/${r.body.backup.id}`,
    );
    await c.waitForStatus(vol, 'backing-up');
    expect((await alice.call('GET', `backups/${r.body.backup.id}`)).body.backup.status).toBe(
      'creating',
    );
    release();
    backups.gate = undefined;
    const shown = await backupStatus(alice, r.body.backup.id, 'available');
    await c.waitForStatus(vol, 'available');
    expect(shown).toMatchObject({
      name: 'b1',
      description: 'd',
      container: 'container',
      size: 1,
      volume_id: vol,
      is_incremental: false,
      has_dependent_backups: false,
      snapshot_id: null,
      fail_reason: null,
      object_count: 1,
    });
    // Base microversion shows no owner, metadata or user.
    expect(shown).not.toHaveProperty('metadata');
    expect(shown).not.toHaveProperty('os-backup-project-attr:project_id');
    expect(backups.stored.has(r.body.backup.id)).toBe(true);
    const latest = await c.admin.call('GET', `backups/${r.body.backup.id}`, undefined, LATEST);
    expect(latest.body.backup).toMatchObject({
      metadata: {},
      'os-backup-project-attr:project_id': alice.projectId,
      user_id: alice.userId,
    });
    expect(
      (await alice.call('GET', `backups/${r.body.backup.id}`, undefined, LATEST)).body.backup,
    ).not.toHaveProperty('user_id');
  }, 30_000);

  it("restores to a new volume with the source volume's data, metadata and bootable flag", async () => {
    const vol = await volume(alice, { metadata: { 'vol-meta1': 'value1', 'vol-meta2': 'value2' } });
    await alice.call('POST', `volumes/${vol}/action`, { 'os-set_bootable': { bootable: true } });
    await write(vol, Buffer.from('restore me'));
    const id = await backup(alice, vol);
    const r = await alice.call('POST', `backups/${id}/restore`, { restore: { name: null } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.restore).toMatchObject({ backup_id: id, volume_name: `restore_backup_${id}` });
    const restored = await c.waitForStatus(r.body.restore.volume_id, 'available');
    await backupStatus(alice, id, 'available');
    expect(restored.metadata).toMatchObject({ 'vol-meta1': 'value1', 'vol-meta2': 'value2' });
    expect(restored.bootable).toBe('true');
    expect(restored.description).toBe('auto-created_from_restore_from_backup');
    expect((await read(r.body.restore.volume_id)).toString()).toBe('restore me');
  }, 30_000);

  it('restores onto an existing available volume, refusing one that is too small or busy', async () => {
    const src = await volume(alice, { size: 2 });
    await write(src, Buffer.from('two gig'));
    const id = await backup(alice, src);
    const small = await volume(alice);
    const tooSmall = await alice.call('POST', `backups/${id}/restore`, {
      restore: { volume_id: small },
    });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.badRequest.message).toMatch(/too small/);
    const target = await volume(alice, { size: 2, name: 'target' });
    await c.admin.call('POST', `volumes/${target}/action`, {
      'os-reset_status': { status: 'error' },
    });
    expect(
      (await alice.call('POST', `backups/${id}/restore`, { restore: { volume_id: target } }))
        .status,
    ).toBe(400);
    await c.admin.call('POST', `volumes/${target}/action`, {
      'os-reset_status': { status: 'available' },
    });
    const ok = await alice.call('POST', `backups/${id}/restore`, {
      restore: { volume_id: target },
    });
    expect(ok.status).toBe(202);
    expect(ok.body.restore).toEqual({ backup_id: id, volume_id: target, volume_name: 'target' });
    await c.waitForStatus(target, 'available');
    await backupStatus(alice, id, 'available');
    expect((await read(target)).toString()).toBe('two gig');
    // Another project's volume is not there for alice.
    const bobs = await volume(bob, { size: 2 });
    expect(
      (await alice.call('POST', `backups/${id}/restore`, { restore: { volume_id: bobs } })).status,
    ).toBe(404);
  }, 30_000);

  it('makes incremental backups on the latest one and restores the chain; parents cannot go first', async () => {
    const vol = await volume(alice);
    expect(
      (await alice.call('POST', 'backups', { backup: { volume_id: vol, incremental: true } }))
        .status,
    ).toBe(400);
    await write(vol, Buffer.from('aaaaaaaaaa'));
    const full = await backup(alice, vol);
    await write(vol, Buffer.from('aaaaabbbbb'));
    const inc = await backup(alice, vol, { incremental: true });
    const shown = (await alice.call('GET', `backups/${inc}`)).body.backup;
    expect(shown.is_incremental).toBe(true);
    expect((await alice.call('GET', `backups/${full}`)).body.backup.has_dependent_backups).toBe(
      true,
    );
    expect(backups.stored.get(inc)!.parent).toBe(full);
    const del = await alice.call('DELETE', `backups/${full}`);
    expect(del.status).toBe(400);
    expect(del.body.badRequest.message).toMatch(/Incremental backups exist/);
    const r = await alice.call('POST', `backups/${inc}/restore`, { restore: {} });
    await c.waitForStatus(r.body.restore.volume_id, 'available');
    await backupStatus(alice, inc, 'available');
    expect((await read(r.body.restore.volume_id)).toString()).toBe('aaaaabbbbb');
    expect((await alice.call('DELETE', `backups/${inc}`)).status).toBe(202);
    await backupStatus(alice, inc, 'gone');
    expect((await alice.call('DELETE', `backups/${full}`)).status).toBe(202);
    await backupStatus(alice, full, 'gone');
    expect(backups.stored.has(full)).toBe(false);
  }, 30_000);

  it('backs up a snapshot through a temporary volume, and needs force for in-use volumes', async () => {
    const vol = await volume(alice);
    await write(vol, Buffer.from('snapshot data'));
    const s = await alice.call('POST', 'snapshots', { snapshot: { volume_id: vol } });
    const snapId = s.body.snapshot.id as string;
    for (
      let i = 0;
      i < 200 &&
      (await alice.call('GET', `snapshots/${snapId}`)).body.snapshot.status !== 'available';
      i++
    ) {
      await new Promise((res) => setTimeout(res, 25));
    }
    await write(vol, Buffer.from('changed after'));
    const other = await volume(alice);
    expect(
      (await alice.call('POST', 'backups', { backup: { volume_id: other, snapshot_id: snapId } }))
        .status,
    ).toBe(400);
    const id = await backup(alice, vol, { snapshot_id: snapId });
    const shown = (await alice.call('GET', `backups/${id}`)).body.backup;
    expect(shown).toMatchObject({ snapshot_id: snapId, volume_id: vol });
    expect((await alice.call('GET', `snapshots/${snapId}`)).body.snapshot.status).toBe('available');
    const r = await alice.call('POST', `backups/${id}/restore`, { restore: null });
    await c.waitForStatus(r.body.restore.volume_id, 'available');
    expect((await read(r.body.restore.volume_id)).toString()).toBe('snapshot data');

    await alice.call('POST', `volumes/${vol}/action`, {
      'os-attach': { instance_uuid: crypto.randomUUID(), mountpoint: '/dev/vdb' },
    });
    await c.waitForStatus(vol, 'in-use');
    const refused = await alice.call('POST', 'backups', { backup: { volume_id: vol } });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toMatch(/force flag/);
    await backup(alice, vol, { force: true });
    // The volume goes back to in-use, not available.
    expect((await c.waitForStatus(vol, 'in-use')).status).toBe('in-use');
  }, 30_000);

  it('a driver failure leaves the backup in error with the reason, and the volume as it was', async () => {
    const vol = await volume(alice);
    backups.failing.backup = 'disk full';
    try {
      const r = await alice.call('POST', 'backups', { backup: { volume_id: vol } });
      const failed = await backupStatus(alice, r.body.backup.id, 'error');
      expect(failed!.fail_reason).toBe('disk full');
      await c.waitForStatus(vol, 'available');
      const messages = await env.db
        .selectFrom('block_storage_message')
        .selectAll()
        .where('resource_uuid', '=', r.body.backup.id)
        .execute();
      expect(messages.map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_BACKUP_013_020']);
      expect((await alice.call('DELETE', `backups/${r.body.backup.id}`)).status).toBe(202);
      await backupStatus(alice, r.body.backup.id, 'gone');
    } finally {
      delete backups.failing.backup;
    }
  }, 60_000);

  it('updates (3.9+), keeps metadata (3.43+), lists with filters and paging, hides other projects', async () => {
    const vol = await volume(alice);
    const id = await backup(alice, vol, { name: 'one', metadata: { k: 'v' } }, at('3.43'));
    expect((await alice.call('PUT', `backups/${id}`, { backup: { name: 'x' } })).status).toBe(404);
    const up = await alice.call(
      'PUT',
      `backups/${id}`,
      { backup: { name: 'renamed', description: 'new' } },
      at('3.9'),
    );
    expect(up.status).toBe(200);
    expect(up.body.backup).toMatchObject({ id, name: 'renamed' });
    expect(
      (await alice.call('PUT', `backups/${id}`, { backup: { metadata: { a: 'b' } } }, at('3.9')))
        .status,
    ).toBe(400);
    const withMeta = await alice.call(
      'PUT',
      `backups/${id}`,
      { backup: { metadata: { a: 'b' } } },
      at('3.43'),
    );
    expect(withMeta.body.backup.metadata).toEqual({ a: 'b' });
    const shown = (await alice.call('GET', `backups/${id}`, undefined, at('3.43'))).body.backup;
    expect(shown).toMatchObject({ name: 'renamed', description: 'new', metadata: { a: 'b' } });

    const list = await alice.call('GET', 'backups/detail?name=renamed');
    expect(list.body.backups.map((b: { id: string }) => b.id)).toEqual([id]);
    expect((await alice.call('GET', 'backups?limit=1')).body.backups).toHaveLength(1);
    expect((await alice.call('GET', 'backups?limit=1')).body.backups_links[0].rel).toBe('next');
    expect(
      (await alice.call('GET', 'backups?with_count=1', undefined, at('3.45'))).body.count,
    ).toBeGreaterThan(1);
    expect((await bob.call('GET', 'backups')).body.backups).toEqual([]);
    expect((await bob.call('GET', `backups/${id}`)).status).toBe(404);
    expect((await bob.call('DELETE', `backups/${id}`)).status).toBe(404);
    expect((await alice.call('GET', `backups?marker=${crypto.randomUUID()}`)).status).toBe(404);
  }, 30_000);

  it('admin actions: reset status to available or error only; force delete; others 403', async () => {
    const vol = await volume(alice);
    const id = await backup(alice, vol);
    const action = (who: VolumeClient, body: unknown) =>
      who.call('POST', `backups/${id}/action`, body);
    expect((await action(alice, { 'os-reset_status': { status: 'error' } })).status).toBe(403);
    expect((await action(c.admin, { 'os-reset_status': { status: 'creating' } })).status).toBe(400);
    expect((await action(c.admin, { 'os-reset_status': { status: 'error' } })).status).toBe(202);
    await backupStatus(alice, id, 'error');
    expect((await action(alice, { 'os-force_delete': {} })).status).toBe(403);
    expect((await action(c.admin, { 'os-force_delete': {} })).status).toBe(202);
    await backupStatus(alice, id, 'gone');
  }, 30_000);

  it('exports a backup record and imports it back (admins): the imported backup restores the same data', async () => {
    const vol = await volume(alice);
    await write(vol, Buffer.from('exported content'));
    const id = await backup(alice, vol, { name: 'exported' });
    expect((await alice.call('GET', `backups/${id}/export_record`)).status).toBe(403);
    const exported = await c.admin.call('GET', `backups/${id}/export_record`);
    expect(exported.status, JSON.stringify(exported.body)).toBe(200);
    const record = exported.body['backup-record'];
    expect(record.backup_service).toBe('cinder.backup.drivers.memory');
    const decoded = JSON.parse(Buffer.from(record.backup_url, 'base64').toString());
    expect(decoded).toMatchObject({ id, volume_id: vol, size: 1, display_name: 'exported' });

    const importAs = (backupUrl: string, service = record.backup_service) =>
      c.admin.call('POST', 'backups/import_record', {
        'backup-record': { backup_service: service, backup_url: backupUrl },
      });
    // the row still exists: Cinder refuses to import over it
    expect((await importAs(record.backup_url)).status).toBe(400);
    expect((await importAs('not base64 json!')).status).toBe(400);
    expect((await importAs(Buffer.from('[1]').toString('base64'))).status).toBe(400);
    const newId = crypto.randomUUID();
    const renamed = Buffer.from(JSON.stringify({ ...decoded, id: newId })).toString('base64');
    expect((await importAs(renamed, 'cinder.backup.drivers.other')).status).toBe(400);
    expect(
      (
        await alice.call('POST', 'backups/import_record', {
          'backup-record': { backup_service: record.backup_service, backup_url: renamed },
        })
      ).status,
    ).toBe(403);
    const imported = await importAs(renamed);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body.backup).toMatchObject({ id: newId, name: 'exported' });
    const shown = await backupStatus(c.admin, newId, 'available');
    expect(shown).toMatchObject({ size: 1, volume_id: vol });

    // restoring the imported record reads the exported backup's data
    const target = await volume(c.admin);
    const r = await c.admin.call('POST', `backups/${newId}/restore`, { restore: { volume_id: target } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await backupStatus(c.admin, newId, 'available');
    await c.waitForStatus(target, 'available');
    expect((await read(target)).subarray(0, 16).toString()).toBe('exported content');

    // deleting the imported record leaves the data the original still names
    expect((await c.admin.call('DELETE', `backups/${newId}`)).status).toBe(202);
    await backupStatus(c.admin, newId, 'gone');
    expect(backups.stored.has(id)).toBe(true);
  }, 30_000);

  it('answers 503 without a backup driver', async () => {
    const vol = await volume(alice);
    const id = await backup(alice, vol);
    (env as { backup: MemoryBackupDriver | undefined }).backup = undefined;
    try {
      const r = await alice.call('POST', 'backups', { backup: { volume_id: vol } });
      expect(r.status).toBe(503);
      expect((await c.admin.call('GET', `backups/${id}/export_record`)).status).toBe(503);
      expect((await alice.call('GET', `backups/${id}`)).status).toBe(200);
    } finally {
      (env as { backup: MemoryBackupDriver | undefined }).backup = backups;
    }
  }, 30_000);

  it('counts backups against the backups quota (413)', async () => {
    const erin = await c.member();
    await c.admin.call('PUT', `os-quota-sets/${erin.projectId}`, { quota_set: { backups: 1 } });
    const vol = await volume(erin);
    await backup(erin, vol);
    const over = await erin.call('POST', 'backups', { backup: { volume_id: vol } });
    expect(over.status).toBe(413);
    expect((await erin.call('GET', `volumes/${vol}`)).body.volume.status).toBe('available');
  }, 30_000);
});
