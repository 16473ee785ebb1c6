import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBackendCloud, messagesAbout, waitFor, waitForResource } from './file-backend-cloud.ts';

const GiB = 1024 ** 3;

/**
 * Restarts in the middle of volume operations on the file backend: the service is stopped
 * while the backend is (slowly) working, then started on the same data. A surviving task is
 * resumed to the operation's end; a lost task ends in Cinder's error status with a user
 * message (or, for a delete, is run again). Either way no file stays behind once the user
 * deletes what is left.
 */
describe('block storage: restart during volume create, delete and extend (file backend)', () => {
  let fb: FileBackendCloud;
  beforeEach(() => {
    fb = new FileBackendCloud();
  });
  afterEach(async () => fb.dispose());

  const tasksOf = async (id: string) => (await fb.cloud.instance().env.tasks.list({ resourceId: id })).map((t) => [t.kind, t.state]);
  const running = (id: string, kind: string) =>
    waitFor(`${kind} of ${id} to run`, async () => (await tasksOf(id)).some(([k, s]) => k === kind && s === 'running'));

  const createVolume = async (size = 1) => {
    const r = await fb.cloud.admin.call('POST', 'volumes', { volume: { size, name: 'restart' } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.volume.id as string;
  };
  /** Deletes the volume and checks nothing of it is left on the backend. */
  const deleteAndCheckClean = async (id: string) => {
    expect((await fb.cloud.admin.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
    expect(fb.backendFiles()).toEqual([]);
  };
  const interruptedCreate = async () => {
    await fb.start('createVolume=3000');
    const id = await createVolume();
    // Scheduled (host recorded) means the task is in the slow backend call.
    await waitFor('the volume to be scheduled', async () => (await fb.cloud.admin.call('GET', `volumes/${id}`)).body.volume['os-vol-host-attr:host'] !== null);
    expect((await fb.cloud.admin.call('GET', `volumes/${id}`)).body.volume.status).toBe('creating');
    return id;
  };

  it('resumes an interrupted create: the volume becomes available with one valid qcow2 file', async () => {
    const id = await interruptedCreate();
    await fb.stop();
    await fb.start();
    await fb.cloud.waitForStatus(id, 'available', 30_000);
    expect(await tasksOf(id)).toEqual([['volume.create', 'succeeded']]);
    const info = await fb.imageInfo(id);
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(GiB);
    expect(fb.backendFiles()).toEqual([fb.volumeFile(id)]);
    await deleteAndCheckClean(id);
  }, 120_000);

  it('puts a create whose task was lost into error with a user message; deleting it removes its file', async () => {
    const id = await interruptedCreate();
    await fb.stopAndLoseTasks(id);
    await fb.start();
    const volume = await fb.cloud.waitForStatus(id, 'error');
    expect(volume.status).toBe('error');
    const messages = await messagesAbout(fb.cloud.admin, id);
    expect(messages.map((m) => [m.event_id, m.resource_type])).toEqual([['VOLUME_VOLUME_008_001', 'VOLUME']]);
    expect(messages[0]!.user_message).toBe('create volume from backend storage:An unknown error occurred.');
    await deleteAndCheckClean(id);
  }, 120_000);

  it('resumes an interrupted delete: the volume and its file go', async () => {
    await fb.start('deleteVolume=3000');
    const id = await createVolume();
    await fb.cloud.waitForStatus(id, 'available', 30_000);
    expect(fb.volumeFile(id)).toBeDefined();
    expect((await fb.cloud.admin.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await running(id, 'volume.delete');
    expect((await fb.cloud.admin.call('GET', `volumes/${id}`)).body.volume.status).toBe('deleting');
    await fb.stop();
    await fb.start();
    await fb.cloud.waitForDeletion(id, 30_000);
    expect(fb.backendFiles()).toEqual([]);
  }, 120_000);

  it('runs a delete whose task was lost again at start, as Cinder does', async () => {
    await fb.start('deleteVolume=3000');
    const id = await createVolume();
    await fb.cloud.waitForStatus(id, 'available', 30_000);
    expect((await fb.cloud.admin.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await running(id, 'volume.delete');
    await fb.stopAndLoseTasks(id);
    await fb.start();
    await fb.cloud.waitForDeletion(id, 30_000);
    expect(fb.backendFiles()).toEqual([]);
  }, 120_000);

  it('resumes an interrupted extend: the volume is available at the new size, and so is its file', async () => {
    await fb.start('extendVolume=3000');
    const id = await createVolume();
    await fb.cloud.waitForStatus(id, 'available', 30_000);
    expect((await fb.cloud.admin.call('POST', `volumes/${id}/action`, { 'os-extend': { new_size: 2 } })).status).toBe(202);
    await running(id, 'volume.extend');
    expect((await fb.cloud.admin.call('GET', `volumes/${id}`)).body.volume.status).toBe('extending');
    await fb.stop();
    await fb.start();
    const volume = await fb.cloud.waitForStatus(id, 'available', 30_000);
    expect(volume.size).toBe(2);
    expect((await fb.imageInfo(id))['virtual-size']).toBe(2 * GiB);
    await deleteAndCheckClean(id);
  }, 120_000);

  it('puts an extend whose task was lost into error_extending with a user message; it can still be deleted', async () => {
    await fb.start('extendVolume=3000');
    const id = await createVolume();
    await fb.cloud.waitForStatus(id, 'available', 30_000);
    expect((await fb.cloud.admin.call('POST', `volumes/${id}/action`, { 'os-extend': { new_size: 2 } })).status).toBe(202);
    await running(id, 'volume.extend');
    await fb.stopAndLoseTasks(id);
    await fb.start();
    const volume = await waitForResource(fb.cloud.admin, `volumes/${id}`, 'volume', 'error_extending');
    expect(volume.size).toBe(1);
    const messages = await messagesAbout(fb.cloud.admin, id);
    expect(messages.map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_007_010']);
    await deleteAndCheckClean(id);
  }, 120_000);
});
