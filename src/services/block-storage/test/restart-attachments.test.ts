import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackendCloud } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });
const connector = { initiator: 'iqn.1993-08.org.debian:01:abc', ip: '192.168.1.20', platform: 'x86_64', host: 'compute-1', os_type: 'linux2', multipath: false };

/**
 * Attaching and detaching are driven by the caller (Nova): reserved, attaching and
 * detaching wait for its next call. A restart between the calls must keep each state with
 * its attachment so the caller can go on or roll back, and a restart in the middle of an
 * attachment update must not leave the volume where neither works.
 */
describe('block storage: restart between and during attach/detach steps (file backend)', () => {
  const fb = new FileBackendCloud();
  let alice: VolumeClient;
  const restart = async (delays = '') => {
    const token = alice.token;
    await fb.stop();
    await fb.start(delays);
    const projectId = alice.projectId;
    alice = { ...alice, call: (m, p, b, h) => fb.cloud.cloud.request('block-storage', m, p.startsWith('/') ? p : `/v3/${projectId}/${p}`, { token, body: b, headers: h }) };
  };
  const state = async (id: string) => {
    const v = (await alice.call('GET', `volumes/${id}`)).body.volume;
    const row = await fb.cloud.instance().env.db.selectFrom('block_storage_volume').select('attach_status').where('id', '=', id).executeTakeFirstOrThrow();
    return { status: v.status as string, attachStatus: row.attach_status, attachments: (v.attachments as unknown[]).length };
  };
  const volume = async () => {
    const r = await alice.call('POST', 'volumes', { volume: { size: 1 } });
    await fb.cloud.waitForStatus(r.body.volume.id, 'available', 60_000);
    return r.body.volume.id as string;
  };
  const act = (id: string, body: unknown) => alice.call('POST', `volumes/${id}/action`, body);

  beforeAll(async () => {
    await fb.start();
    alice = await fb.cloud.member();
  }, 120_000);
  afterAll(async () => fb.dispose());

  it('keeps reserved, attaching and in-use across restarts; the attachment API goes on from each', async () => {
    const id = await volume();
    const server = crypto.randomUUID();
    const created = await alice.call('POST', 'attachments', { attachment: { volume_uuid: id, instance_uuid: server } }, at('3.27'));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const attachment = created.body.attachment.id as string;
    expect(await state(id)).toEqual({ status: 'reserved', attachStatus: 'detached', attachments: 0 });
    await restart();
    expect(await state(id)).toEqual({ status: 'reserved', attachStatus: 'detached', attachments: 0 });

    const updated = await alice.call('PUT', `attachments/${attachment}`, { attachment: { connector } }, at('3.27'));
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.attachment.connection_info.driver_volume_type).toBe('file');
    expect((await state(id)).status).toBe('attaching');
    await restart();
    expect((await state(id)).status).toBe('attaching');
    expect((await alice.call('POST', `attachments/${attachment}/action`, { 'os-complete': {} }, at('3.44'))).status).toBe(204);
    await restart();
    expect(await state(id)).toEqual({ status: 'in-use', attachStatus: 'attached', attachments: 1 });
    expect((await alice.call('GET', `attachments/${attachment}`, undefined, at('3.27'))).body.attachment).toMatchObject({ status: 'attached', instance: server });

    expect((await alice.call('DELETE', `attachments/${attachment}`, undefined, at('3.27'))).status).toBe(200);
    expect(await state(id)).toEqual({ status: 'available', attachStatus: 'detached', attachments: 0 });
  }, 180_000);

  it('keeps the legacy attaching and detaching states across restarts; unreserve and roll back work after them', async () => {
    const id = await volume();
    expect((await act(id, { 'os-reserve': {} })).status).toBe(202);
    await restart();
    expect((await state(id)).status).toBe('attaching');
    expect((await act(id, { 'os-unreserve': {} })).status).toBe(202);
    expect((await state(id)).status).toBe('available');

    expect((await act(id, { 'os-attach': { instance_uuid: crypto.randomUUID(), mountpoint: '/dev/vdb' } })).status).toBe(202);
    expect((await act(id, { 'os-begin_detaching': {} })).status).toBe(202);
    await restart();
    expect(await state(id)).toEqual({ status: 'detaching', attachStatus: 'attached', attachments: 1 });
    expect((await act(id, { 'os-roll_detaching': {} })).status).toBe(202);
    expect((await state(id)).status).toBe('in-use');
    expect((await act(id, { 'os-begin_detaching': {} })).status).toBe(202);
    expect((await act(id, { 'os-detach': {} })).status).toBe(202);
    expect(await state(id)).toEqual({ status: 'available', attachStatus: 'detached', attachments: 0 });
  }, 180_000);

  it('a restart during an attachment update leaves a volume the caller can attach or release', async () => {
    await restart('initializeConnection=3000');
    const id = await volume();
    const created = await alice.call('POST', 'attachments', { attachment: { volume_uuid: id, instance_uuid: crypto.randomUUID() } }, at('3.27'));
    const attachment = created.body.attachment.id as string;
    const inFlight = alice.call('PUT', `attachments/${attachment}`, { attachment: { connector } }, at('3.27')).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 500));
    await restart();
    await inFlight;
    expect(['reserved', 'attaching']).toContain((await state(id)).status);
    // The caller repeats the update and completes; or it would delete the attachment.
    const again = await alice.call('PUT', `attachments/${attachment}`, { attachment: { connector } }, at('3.27'));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await alice.call('POST', `attachments/${attachment}/action`, { 'os-complete': {} }, at('3.44'))).status).toBe(204);
    expect((await state(id)).status).toBe('in-use');
    expect((await alice.call('DELETE', `attachments/${attachment}`, undefined, at('3.27'))).status).toBe(200);
    expect((await state(id)).status).toBe('available');
    expect((await alice.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
  }, 180_000);
});
