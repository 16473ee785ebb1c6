import { afterEach, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { FileBackendCloud, messagesAbout, waitFor, waitForResource } from './file-backend-cloud.ts';

/**
 * The restart paths on each database the cloud runs on: a create interrupted by a stop is
 * resumed, an extend whose task was lost ends in error_extending with a user message, and
 * nothing is left on the file backend once both are deleted.
 */
describeEachDialect('block storage: restarts on each database (file backend)', (suite) => {
  let fb: FileBackendCloud | undefined;
  afterEach(async () => {
    await fb?.dispose();
    fb = undefined;
  });

  it('resumes an interrupted create and fails a lost extend', async () => {
    fb = new FileBackendCloud(suite.url);
    await fb.start('createVolume=2000,extendVolume=2000');
    const admin = () => fb!.cloud.admin;
    const r = await admin().call('POST', 'volumes', { volume: { size: 1 } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.volume.id as string;
    const running = (kind: string) =>
      waitFor(`${kind} to run`, async () => (await fb!.cloud.instance().env.tasks.list({ resourceId: id })).some((t) => t.kind === kind && t.state === 'running'));
    await running('volume.create');
    await fb.stop();
    await fb.start('extendVolume=2000');
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    expect((await fb.imageInfo(id)).format).toBe('qcow2');

    expect((await admin().call('POST', `volumes/${id}/action`, { 'os-extend': { new_size: 2 } })).status).toBe(202);
    await running('volume.extend');
    await fb.stopAndLoseTasks(id);
    await fb.start();
    await waitForResource(admin(), `volumes/${id}`, 'volume', 'error_extending');
    expect((await messagesAbout(admin(), id)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_007_010']);
    expect((await admin().call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
    expect(fb.backendFiles()).toEqual([]);
  }, 180_000);
});
