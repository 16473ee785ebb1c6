import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VolumeDriver } from '../drivers.ts';
import { LATEST, startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });

describe('block storage: volume actions and the volume state machine', () => {
  let c: VolumeCloud;
  let alice: VolumeClient;

  const ready = async (who: VolumeClient, volume: Record<string, unknown> = {}) => {
    const r = await who.call('POST', 'volumes', { volume: { size: 1, ...volume } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'available');
    return r.body.volume.id as string;
  };
  const act = (who: VolumeClient, id: string, body: unknown, headers?: Record<string, string>) =>
    who.call('POST', `volumes/${id}/action`, body, headers);
  const show = async (id: string) => (await c.admin.call('GET', `volumes/${id}`)).body.volume;
  /** Replaces one operation of the fake backend for the duration of `fn`. */
  const withDriver = async <K extends keyof VolumeDriver>(op: K, impl: VolumeDriver[K], fn: () => Promise<void>) => {
    const driver = c.instance().env.backends[0]!.driver;
    const original = driver[op];
    (driver as unknown as Record<string, unknown>)[op] = impl;
    try {
      await fn();
    } finally {
      (driver as unknown as Record<string, unknown>)[op] = original;
    }
  };
  const messages = async (resourceId: string) =>
    c.instance().env.db.selectFrom('block_storage_message').selectAll().where('resource_uuid', '=', resourceId).execute();

  beforeAll(async () => {
    c = await startVolumeCloud();
    alice = await c.member();
    // Many volumes come and go here: lift the default limit of 10.
    const q = await c.admin.call('PUT', `os-quota-sets/${alice.projectId}`, { quota_set: { volumes: -1, gigabytes: -1 } });
    expect(q.status).toBe(200);
  }, 90_000);
  afterAll(async () => c?.close());

  it('dispatches by the single key of the body', async () => {
    const id = await ready(alice);
    const unknown = await act(alice, id, { 'os-frobnicate': {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.badRequest.message).toMatch(/^There is no such action: os-frobnicate/);
    expect((await act(alice, id, { 'os-extend': { new_size: 2 }, 'os-set_bootable': { bootable: true } })).status).toBe(400);
    expect((await act(alice, id, {})).status).toBe(400);
    expect((await act(alice, id, [])).status).toBe(400);
    expect((await act(alice, crypto.randomUUID(), { 'os-extend': { new_size: 2 } })).status).toBe(404);
    // revert exists from 3.40 only.
    expect((await act(alice, id, { revert: { snapshot_id: null } })).status).toBe(404);
  });

  it('extends: available -> extending -> available, with the new size', async () => {
    const id = await ready(alice);
    for (const new_size of [0, 1, 'abc', null, -2]) expect((await act(alice, id, { 'os-extend': { new_size } })).status).toBe(400);
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const driver = c.instance().env.backends[0]!.driver;
    const extend = driver.extendVolume.bind(driver);
    await withDriver('extendVolume', async (v, size) => {
      await gate;
      await extend(v, size);
    }, async () => {
      expect((await act(alice, id, { 'os-extend': { new_size: '3' } })).status).toBe(202);
      expect((await show(id)).status).toBe('extending');
      // An extending volume is busy: no second extend, no delete.
      expect((await act(alice, id, { 'os-extend': { new_size: 4 } })).status).toBe(400);
      expect((await alice.call('DELETE', `volumes/${id}`)).status).toBe(400);
      release();
      await c.waitForStatus(id, 'available');
    });
    expect((await show(id)).size).toBe(3);
  });

  it('extends an in-use volume from 3.42 only', async () => {
    const id = await ready(alice);
    const env = c.instance().env;
    await env.db.updateTable('block_storage_volume').set({ status: 'in-use' }).where('id', '=', id).execute();
    const refused = await act(alice, id, { 'os-extend': { new_size: 2 } });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toContain("status must be '{'status': 'available'}' to extend, currently in-use");
    expect((await act(alice, id, { 'os-extend': { new_size: 2 } }, at('3.42'))).status).toBe(202);
    await c.waitForStatus(id, 'in-use');
    expect((await show(id)).size).toBe(2);
  });

  it('records error_extending and a user message when the driver fails', async () => {
    const id = await ready(alice);
    await withDriver('extendVolume', async () => {
      throw new Error('disk on fire');
    }, async () => {
      expect((await act(alice, id, { 'os-extend': { new_size: 2 } })).status).toBe(202);
      await c.waitForStatus(id, 'error_extending');
    });
    expect((await messages(id)).map((m) => m.event_id)).toContain('VOLUME_VOLUME_007_010');
    expect((await show(id)).size).toBe(1);
  });

  it('sets the bootable and read-only flags', async () => {
    const id = await ready(alice);
    const r = await act(alice, id, { 'os-set_bootable': { bootable: 'true' } });
    expect(r.status).toBe(200);
    expect((await show(id)).bootable).toBe('true');
    expect((await act(alice, id, { 'os-set_bootable': { bootable: 'maybe' } })).status).toBe(400);
    expect((await act(alice, id, { 'os-update_readonly_flag': { readonly: true } })).status).toBe(202);
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.metadata).toEqual({ readonly: 'True' });
    await act(alice, id, { 'os-update_readonly_flag': { readonly: false } });
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.metadata).toEqual({ readonly: 'False' });
    // Both refuse a volume under maintenance.
    await act(c.admin, id, { 'os-reset_status': { status: 'maintenance' } });
    expect((await act(alice, id, { 'os-set_bootable': { bootable: false } })).status).toBe(400);
    expect((await act(alice, id, { 'os-update_readonly_flag': { readonly: true } })).status).toBe(400);
    expect((await alice.call('PUT', `volumes/${id}`, { volume: { name: 'x' } })).status).toBe(400);
  });

  it('resets status for admins only, with Cinder checks', async () => {
    const id = await ready(alice);
    expect((await act(alice, id, { 'os-reset_status': { status: 'error' } })).status).toBe(403);
    for (const status of ['error', 'available', 'maintenance', 'creating', 'AVAILABLE']) {
      expect((await act(c.admin, id, { 'os-reset_status': { status } })).status).toBe(202);
      expect((await show(id)).status).toBe(status.toLowerCase());
    }
    expect((await act(c.admin, id, { 'os-reset_status': { status: 'bogus' } })).status).toBe(400);
    expect((await act(c.admin, id, { 'os-reset_status': {} })).status).toBe(400);
    expect((await act(c.admin, id, { 'os-reset_status': { status: 'deleting' } })).status).toBe(400);
    expect((await act(c.admin, id, { 'os-reset_status': { status: 'in-use' } })).status).toBe(400);
    expect((await act(c.admin, id, { 'os-reset_status': { attach_status: 'attached', migration_status: 'none' } })).status).toBe(202);
    expect((await show(id)).migration_status).toBeNull();
  });

  it('force-deletes from any status for admins', async () => {
    for (const status of ['creating', 'attaching', 'error', 'maintenance']) {
      const id = await ready(alice);
      await act(c.admin, id, { 'os-reset_status': { status } });
      expect((await act(alice, id, { 'os-force_delete': {} })).status).toBe(403);
      expect((await act(c.admin, id, { 'os-force_delete': {} })).status).toBe(202);
      await c.waitForDeletion(id);
    }
  });

  it('retypes in place when the backend fits the new type', async () => {
    const gold = await c.admin.call('POST', 'types', { volume_type: { name: 'gold-retype' } });
    expect(gold.status).toBe(200);
    const nowhere = await c.admin.call('POST', 'types', { volume_type: { name: 'nowhere', extra_specs: { volume_backend_name: 'nope' } } });
    const id = await ready(alice);
    expect((await act(alice, id, { 'os-retype': { new_type: 'no-such' } })).status).toBe(404);
    expect((await act(alice, id, { 'os-retype': { new_type: '__DEFAULT__' } })).status).toBe(400);
    expect((await act(alice, id, { 'os-retype': { new_type: 'gold-retype', migration_policy: 'never' } })).status).toBe(202);
    for (let i = 0; i < 400 && (await show(id)).volume_type !== 'gold-retype'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await show(id)).toMatchObject({ volume_type: 'gold-retype', status: 'available', migration_status: null });
    // No backend reports volume_backend_name nope: the volume keeps its type.
    expect((await act(alice, id, { 'os-retype': { new_type: nowhere.body.volume_type.id } })).status).toBe(202);
    await c.waitForStatus(id, 'available');
    expect((await show(id)).volume_type).toBe('gold-retype');
  });

  it('errors a volume no backend can take, with a user message', async () => {
    await c.admin.call('POST', 'types', { volume_type: { name: 'unplaceable', extra_specs: { volume_backend_name: 'elsewhere' } } });
    const r = await alice.call('POST', 'volumes', { volume: { size: 1, volume_type: 'unplaceable' } });
    expect(r.status).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'error');
    const m = await messages(r.body.volume.id);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ event_id: 'VOLUME_VOLUME_001_003', project_id: alice.projectId, message_level: 'ERROR' });
    // An errored volume that never reached a backend is deleted at once.
    expect((await alice.call('DELETE', `volumes/${r.body.volume.id}`)).status).toBe(202);
    expect((await alice.call('GET', `volumes/${r.body.volume.id}`)).status).toBe(404);
  });

  it('errors a create the driver refuses and keeps the error deletable', async () => {
    await withDriver('createVolume', async () => {
      throw new Error('no space');
    }, async () => {
      const r = await alice.call('POST', 'volumes', { volume: { size: 1 } });
      await c.waitForStatus(r.body.volume.id, 'error');
      expect((await messages(r.body.volume.id)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_008_012']);
      expect((await alice.call('DELETE', `volumes/${r.body.volume.id}`)).status).toBe(202);
      await c.waitForDeletion(r.body.volume.id);
    });
  });

  it('clones a volume, content included, and refuses a smaller clone', async () => {
    const src = await ready(alice, { size: 2 });
    await act(alice, src, { 'os-set_bootable': { bootable: true } });
    expect((await alice.call('POST', 'volumes', { volume: { size: 1, source_volid: src } })).status).toBe(400);
    const r = await alice.call('POST', 'volumes', { volume: { source_volid: src } });
    expect(r.status).toBe(202);
    const clone = await c.waitForStatus(r.body.volume.id, 'available');
    expect(clone).toMatchObject({ size: 2, source_volid: src, bootable: 'true' });
  });

  it('sets, shows and unsets image metadata', async () => {
    const id = await ready(alice);
    const set = await act(alice, id, { 'os-set_image_metadata': { metadata: { image_name: 'cirros', ramdisk_id: 'r' } } });
    expect(set.status).toBe(200);
    expect(set.body.metadata).toEqual({ image_name: 'cirros', ramdisk_id: 'r' });
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.volume_image_metadata).toEqual({ image_name: 'cirros', ramdisk_id: 'r' });
    const unset = await act(alice, id, { 'os-unset_image_metadata': { key: 'ramdisk_id' } });
    expect(unset.status).toBe(200);
    expect((await act(alice, id, { 'os-show_image_metadata': {} })).body).toEqual({ metadata: { image_name: 'cirros' } });
    expect((await act(alice, id, { 'os-unset_image_metadata': { key: 'ramdisk_id' } })).status).toBe(404);
  });

  it('reverts to the latest snapshot (3.40)', async () => {
    const id = await ready(alice);
    expect((await act(alice, id, { revert: { snapshot_id: crypto.randomUUID() } }, LATEST)).status).toBe(400);
    const snap = await alice.call('POST', 'snapshots', { snapshot: { volume_id: id } });
    const sid = snap.body.snapshot.id as string;
    for (let i = 0; i < 200 && (await alice.call('GET', `snapshots/${sid}`)).body.snapshot.status !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await act(alice, id, { revert: { snapshot_id: crypto.randomUUID() } }, LATEST)).status).toBe(400);
    expect((await act(alice, id, { revert: { snapshot_id: sid } }, LATEST)).status).toBe(202);
    await c.waitForStatus(id, 'available');
    expect((await alice.call('GET', `snapshots/${sid}`)).body.snapshot.status).toBe('available');
  });

  it('refuses to upload a volume that is not available, and without an image service', async () => {
    const id = await ready(alice);
    await act(c.admin, id, { 'os-reset_status': { status: 'error' } });
    expect((await act(alice, id, { 'os-volume_upload_image': { image_name: 'img' } })).status).toBe(400);
    await act(c.admin, id, { 'os-reset_status': { status: 'available' } });
    expect((await act(alice, id, { 'os-volume_upload_image': { image_name: 'img', disk_format: 'iso' } })).status).toBe(400);
    // This cloud runs no image service: the request fails and the volume stays available.
    expect((await act(alice, id, { 'os-volume_upload_image': { image_name: 'img' } })).status).toBe(400);
    expect((await show(id)).status).toBe('available');
  });
});
