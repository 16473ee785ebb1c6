import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBackendCloud, messagesAbout, waitFor, waitForResource } from './file-backend-cloud.ts';

/**
 * Restarts in the middle of snapshot and backup operations on the file backend and the
 * file backup driver: resumed tasks finish (backups byte for byte), lost ones end in
 * Cinder's error statuses with user messages and release the volume they held; once
 * everything is deleted neither the backend nor the backup directory keeps a file.
 */
describe('block storage: restart during snapshot and backup operations (file backend)', () => {
  let fb: FileBackendCloud;
  beforeEach(() => {
    fb = new FileBackendCloud();
  });
  afterEach(async () => fb.dispose());

  const admin = () => fb.cloud.admin;
  const running = (id: string, kind: string) =>
    waitFor(`${kind} of ${id} to run`, async () =>
      (await fb.cloud.instance().env.tasks.list({ resourceId: id })).some((t) => t.kind === kind && t.state === 'running'),
    );
  const volume = async () => {
    const r = await admin().call('POST', 'volumes', { volume: { size: 1 } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await fb.cloud.waitForStatus(r.body.volume.id, 'available', 30_000);
    return r.body.volume.id as string;
  };
  const snapshot = async (volumeId: string) => {
    const r = await admin().call('POST', 'snapshots', { snapshot: { volume_id: volumeId } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.snapshot.id as string;
  };
  const backup = async (volumeId: string) => {
    const r = await admin().call('POST', 'backups', { backup: { volume_id: volumeId } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.backup.id as string;
  };
  const remove = async (kind: 'snapshots' | 'backups' | 'volumes', id: string) => {
    expect((await admin().call('DELETE', `${kind}/${id}`)).status).toBe(202);
    await waitForResource(admin(), `${kind}/${id}`, kind.slice(0, -1), 'gone');
  };
  const expectClean = () => {
    expect(fb.backendFiles()).toEqual([]);
    expect(fb.backupEntries()).toEqual([]);
  };

  it('resumes an interrupted snapshot create, and an interrupted snapshot delete', async () => {
    await fb.start('createSnapshot=3000,deleteSnapshot=3000');
    const vol = await volume();
    const snap = await snapshot(vol);
    await running(snap, 'snapshot.create');
    await fb.stop();
    await fb.start('deleteSnapshot=3000');
    await waitForResource(admin(), `snapshots/${snap}`, 'snapshot', 'available');
    expect(fb.backendFiles().some((f) => f.startsWith(`snapshot-${snap}`))).toBe(true);
    expect((await admin().call('DELETE', `snapshots/${snap}`)).status).toBe(202);
    await running(snap, 'snapshot.delete');
    await fb.stop();
    await fb.start();
    await waitForResource(admin(), `snapshots/${snap}`, 'snapshot', 'gone');
    expect(fb.backendFiles().some((f) => f.startsWith(`snapshot-${snap}`))).toBe(false);
    await remove('volumes', vol);
    expectClean();
  }, 120_000);

  it('puts a snapshot create whose task was lost into error with a user message; the snapshot and volume can be deleted', async () => {
    await fb.start('createSnapshot=3000');
    const vol = await volume();
    const snap = await snapshot(vol);
    await running(snap, 'snapshot.create');
    await fb.stopAndLoseTasks(snap);
    await fb.start();
    await waitForResource(admin(), `snapshots/${snap}`, 'snapshot', 'error');
    expect((await messagesAbout(admin(), snap)).map((m) => [m.event_id, m.resource_type])).toEqual([
      ['VOLUME_VOLUME_SNAPSHOT_009_013', 'VOLUME_SNAPSHOT'],
    ]);
    // A snapshot holds its volume: delete it first (400 until then), as Cinder.
    expect((await admin().call('DELETE', `volumes/${vol}`)).status).toBe(400);
    await remove('snapshots', snap);
    await remove('volumes', vol);
    expectClean();
  }, 120_000);

  it('resumes an interrupted revert to a snapshot (3.40): the volume has the snapshot data, no scratch volume is left', async () => {
    await fb.start('writeVolume=3000');
    const vol = await volume();
    const before = randomBytes(1024 * 1024);
    await fb.writeVolume(vol, before);
    const snap = await snapshot(vol);
    await waitForResource(admin(), `snapshots/${snap}`, 'snapshot', 'available');
    await fb.writeVolume(vol, randomBytes(1024 * 1024));
    const r = await admin().call('POST', `volumes/${vol}/action`, { revert: { snapshot_id: snap } }, { 'OpenStack-API-Version': 'volume 3.40' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await running(vol, 'volume.revert');
    expect((await admin().call('GET', `volumes/${vol}`)).body.volume.status).toBe('reverting');
    await fb.stop();
    await fb.start();
    await fb.cloud.waitForStatus(vol, 'available', 60_000);
    await waitForResource(admin(), `snapshots/${snap}`, 'snapshot', 'available');
    expect((await fb.readVolume(vol, before.length)).equals(before)).toBe(true);
    expect(fb.backendFiles().filter((f) => f.includes('-revert-'))).toEqual([]);
    await remove('snapshots', snap);
    await remove('volumes', vol);
    expectClean();
  }, 120_000);

  it('resumes an interrupted backup create and an interrupted restore: the restored volume has the data', async () => {
    await fb.start('readVolume=3000');
    const vol = await volume();
    const content = randomBytes(3 * 1024 * 1024 + 17);
    await fb.writeVolume(vol, content);
    const b = await backup(vol);
    await running(b, 'backup.create');
    expect((await admin().call('GET', `volumes/${vol}`)).body.volume.status).toBe('backing-up');
    await fb.stop();
    await fb.start('writeVolume=3000');
    await waitForResource(admin(), `backups/${b}`, 'backup', 'available');
    expect((await admin().call('GET', `volumes/${vol}`)).body.volume.status).toBe('available');

    const target = await volume();
    const r = await admin().call('POST', `backups/${b}/restore`, { restore: { volume_id: target } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await running(b, 'backup.restore');
    expect((await admin().call('GET', `volumes/${target}`)).body.volume.status).toBe('restoring-backup');
    expect((await admin().call('GET', `backups/${b}`)).body.backup.status).toBe('restoring');
    await fb.stop();
    await fb.start();
    await fb.cloud.waitForStatus(target, 'available', 30_000);
    await waitForResource(admin(), `backups/${b}`, 'backup', 'available');
    expect((await fb.readVolume(target, content.length)).equals(content)).toBe(true);

    await remove('backups', b);
    await remove('volumes', vol);
    await remove('volumes', target);
    expectClean();
  }, 150_000);

  it('a backup create whose task was lost ends in error with a message and gives the volume back; deleting it leaves no backup data', async () => {
    await fb.start('readVolume=3000');
    const vol = await volume();
    await fb.writeVolume(vol, randomBytes(1024 * 1024));
    const b = await backup(vol);
    await running(b, 'backup.create');
    await fb.stopAndLoseTasks(b);
    await fb.start();
    const failed = await waitForResource(admin(), `backups/${b}`, 'backup', 'error');
    expect(failed.fail_reason).toBe('interrupted while creating');
    expect((await admin().call('GET', `volumes/${vol}`)).body.volume.status).toBe('available');
    expect((await messagesAbout(admin(), b)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_BACKUP_013_020']);
    await remove('backups', b);
    await remove('volumes', vol);
    expectClean();
  }, 120_000);

  it('a restore whose task was lost leaves the backup available and the volume in error_restoring, with a message', async () => {
    await fb.start('writeVolume=3000');
    const vol = await volume();
    const b = await backup(vol);
    await waitForResource(admin(), `backups/${b}`, 'backup', 'available');
    const target = await volume();
    expect((await admin().call('POST', `backups/${b}/restore`, { restore: { volume_id: target } })).status).toBe(202);
    await running(b, 'backup.restore');
    await fb.stopAndLoseTasks(b);
    await fb.start();
    await fb.cloud.waitForStatus(target, 'error_restoring', 30_000);
    await waitForResource(admin(), `backups/${b}`, 'backup', 'available');
    expect((await messagesAbout(admin(), b)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_BACKUP_015_026']);
    // error_restoring is a status a volume may be deleted from.
    await remove('volumes', target);
    await remove('backups', b);
    await remove('volumes', vol);
    expectClean();
  }, 120_000);
});
