import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });
const V327 = at('3.27');
const V344 = at('3.44');
const connector = {
  initiator: 'iqn.1993-08.org.debian:01:abc',
  ip: '192.168.1.20',
  platform: 'x86_64',
  host: 'compute-1',
  os_type: 'linux2',
  multipath: false,
  mountpoint: '/dev/vdb',
};

describe('block storage: attachments (3.27+) and the legacy attach actions', () => {
  let c: VolumeCloud;
  let alice: VolumeClient;
  let bob: VolumeClient;

  const volume = async (who: VolumeClient, extra: Record<string, unknown> = {}) => {
    const r = await who.call('POST', 'volumes', { volume: { size: 1, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'available');
    return r.body.volume.id as string;
  };
  const status = async (id: string) => {
    const v = (await c.admin.call('GET', `volumes/${id}`)).body.volume;
    return {
      status: v.status as string,
      attachments: v.attachments as Array<Record<string, unknown>>,
    };
  };
  const attachStatus = async (id: string) =>
    (
      await c
        .instance()
        .env.db.selectFrom('block_storage_volume')
        .select('attach_status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).attach_status;
  const act = (who: VolumeClient, id: string, body: unknown, headers?: Record<string, string>) =>
    who.call('POST', `volumes/${id}/action`, body, headers);

  beforeAll(async () => {
    c = await startVolumeCloud();
    alice = await c.member();
    bob = await c.member();
    await c.admin.call('PUT', `os-quota-sets/${alice.projectId}`, {
      quota_set: { volumes: -1, gigabytes: -1 },
    });
  }, 90_000);
  afterAll(async () => c?.close());

  it('reserve, connect, complete, delete: reserved -> attaching -> in-use -> available', async () => {
    const vol = await volume(alice);
    const server = crypto.randomUUID();
    expect(
      (await alice.call('POST', 'attachments', { attachment: { volume_uuid: vol } }, at('3.26')))
        .status,
    ).toBe(404);
    const created = await alice.call(
      'POST',
      'attachments',
      { attachment: { volume_uuid: vol, instance_uuid: server } },
      V327,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const a = created.body.attachment;
    expect(a).toMatchObject({
      status: 'reserved',
      instance: server,
      volume_id: vol,
      attach_mode: 'null',
      connection_info: {},
      detached_at: null,
    });
    expect((await status(vol)).status).toBe('reserved');
    // A second reservation of a non-multiattach volume for another server is refused.
    const second = await alice.call(
      'POST',
      'attachments',
      { attachment: { volume_uuid: vol, instance_uuid: crypto.randomUUID() } },
      V327,
    );
    expect(second.status).toBe(400);
    expect(second.body.badRequest.message).toMatch(
      /status must be available or downloading to reserve, but the current status is reserved/,
    );

    expect(
      (await alice.call('PUT', `attachments/${a.id}`, { attachment: { connector: {} } }, V327))
        .status,
    ).toBe(400);
    const updated = await alice.call(
      'PUT',
      `attachments/${a.id}`,
      { attachment: { connector } },
      V327,
    );
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.attachment).toMatchObject({ status: 'attaching', attach_mode: 'rw' });
    expect(updated.body.attachment.connection_info).toMatchObject({
      driver_volume_type: 'fake',
      volume_id: vol,
      access_mode: 'rw',
      attachment_id: a.id,
    });
    expect(updated.body.attachment.attached_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await status(vol)).status).toBe('attaching');
    expect(await attachStatus(vol)).toBe('attaching');

    expect(
      (await alice.call('POST', `attachments/${a.id}/action`, { 'os-complete': {} }, V327)).status,
    ).toBe(404);
    expect(
      (await alice.call('POST', `attachments/${a.id}/action`, { 'os-complete': {} }, V344)).status,
    ).toBe(204);
    const inUse = await status(vol);
    expect(inUse.status).toBe('in-use');
    expect(await attachStatus(vol)).toBe('attached');
    expect(inUse.attachments).toEqual([
      expect.objectContaining({
        attachment_id: a.id,
        server_id: server,
        volume_id: vol,
        id: vol,
        host_name: 'compute-1',
        device: '/dev/vdb',
      }),
    ]);

    const shown = await alice.call('GET', `attachments/${a.id}`, undefined, V327);
    expect(shown.body.attachment).toMatchObject({ id: a.id, status: 'attached' });
    expect((await bob.call('GET', `attachments/${a.id}`, undefined, V327)).status).toBe(404);
    expect((await bob.call('DELETE', `attachments/${a.id}`, undefined, V327)).status).toBe(404);
    const list = await alice.call('GET', `attachments?volume_id=${vol}`, undefined, V327);
    expect(list.body.attachments).toEqual([
      { id: a.id, status: 'attached', instance: server, volume_id: vol },
    ]);
    expect(
      (await alice.call('GET', 'attachments/detail', undefined, V327)).body.attachments[0],
    ).toHaveProperty('connection_info');
    expect((await bob.call('GET', 'attachments', undefined, V327)).body.attachments).toEqual([]);

    const deleted = await alice.call('DELETE', `attachments/${a.id}`, undefined, V327);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ attachments: [] });
    expect((await status(vol)).status).toBe('available');
    expect(await attachStatus(vol)).toBe('detached');
  });

  it('creates with a connector in one call, honours the mode (3.54) and the readonly flag', async () => {
    const vol = await volume(alice);
    const r = await alice.call(
      'POST',
      'attachments',
      {
        attachment: { volume_uuid: vol, instance_uuid: crypto.randomUUID(), connector, mode: 'ro' },
      },
      at('3.54'),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.attachment).toMatchObject({ status: 'attaching', attach_mode: 'ro' });
    expect(r.body.attachment.connection_info.access_mode).toBe('ro');
    expect(
      (
        await alice.call(
          'POST',
          'attachments',
          { attachment: { volume_uuid: vol, mode: 'ro' } },
          at('3.53'),
        )
      ).status,
    ).toBe(400);
    await alice.call('DELETE', `attachments/${r.body.attachment.id}`, undefined, V327);

    const ro = await volume(alice);
    expect((await act(alice, ro, { 'os-update_readonly_flag': { readonly: true } })).status).toBe(
      202,
    );
    const a = await alice.call(
      'POST',
      'attachments',
      { attachment: { volume_uuid: ro, connector } },
      V327,
    );
    expect(a.body.attachment.connection_info.access_mode).toBe('ro');
  });

  it('refuses attachments to volumes in error and to volumes the caller cannot see', async () => {
    const vol = await volume(alice);
    await c.admin.call('POST', `volumes/${vol}/action`, { 'os-reset_status': { status: 'error' } });
    const r = await alice.call('POST', 'attachments', { attachment: { volume_uuid: vol } }, V327);
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toMatch(/error state/);
    expect(
      (await bob.call('POST', 'attachments', { attachment: { volume_uuid: vol } }, V327)).status,
    ).toBe(404);
    expect(
      (await alice.call('POST', 'attachments', { attachment: { volume_uuid: 'x' } }, V327)).status,
    ).toBe(400);
  });

  it('a multiattach volume takes a second attachment while in use', async () => {
    const type = await c.admin.call('POST', 'types', {
      volume_type: {
        name: `multi-${crypto.randomUUID()}`,
        extra_specs: { multiattach: '<is> True' },
      },
    });
    expect(type.status, JSON.stringify(type.body)).toBe(200);
    const vol = await volume(alice, { volume_type: type.body.volume_type.name });
    const first = await alice.call(
      'POST',
      'attachments',
      { attachment: { volume_uuid: vol, instance_uuid: crypto.randomUUID(), connector } },
      V327,
    );
    await alice.call(
      'POST',
      `attachments/${first.body.attachment.id}/action`,
      { 'os-complete': {} },
      V344,
    );
    expect((await status(vol)).status).toBe('in-use');
    const second = await alice.call(
      'POST',
      'attachments',
      {
        attachment: {
          volume_uuid: vol,
          instance_uuid: crypto.randomUUID(),
          connector: { ...connector, host: 'compute-2' },
        },
      },
      V327,
    );
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    await alice.call(
      'POST',
      `attachments/${second.body.attachment.id}/action`,
      { 'os-complete': {} },
      V344,
    );
    expect((await status(vol)).attachments).toHaveLength(2);
    const left = await alice.call(
      'DELETE',
      `attachments/${first.body.attachment.id}`,
      undefined,
      V327,
    );
    expect(left.body.attachments).toEqual([
      expect.objectContaining({ id: second.body.attachment.id, status: 'attached' }),
    ]);
    // Still attached elsewhere: still in use.
    expect((await status(vol)).status).toBe('in-use');
    await alice.call('DELETE', `attachments/${second.body.attachment.id}`, undefined, V327);
    expect((await status(vol)).status).toBe('available');
  });

  it('a backend failure to export answers 500 and leaves the volume as it was', async () => {
    const vol = await volume(alice);
    const driver = c.instance().env.backends[0]!.driver;
    const original = driver.initializeConnection.bind(driver);
    driver.initializeConnection = async () => {
      throw new Error('no target');
    };
    try {
      const r = await alice.call(
        'POST',
        'attachments',
        { attachment: { volume_uuid: vol, connector } },
        V327,
      );
      expect(r.status).toBe(500);
      expect((await status(vol)).status).toBe('available');
      expect(
        await c
          .instance()
          .env.db.selectFrom('block_storage_attachment')
          .select('id')
          .where('volume_id', '=', vol)
          .execute(),
      ).toEqual([]);
    } finally {
      driver.initializeConnection = original;
    }
  });

  it('legacy: reserve/unreserve, begin/roll detaching, attach/detach keep status and attach_status consistent', async () => {
    const vol = await volume(alice);
    expect((await act(alice, vol, { 'os-reserve': {} })).status).toBe(202);
    expect((await status(vol)).status).toBe('attaching');
    expect((await act(alice, vol, { 'os-reserve': {} })).status).toBe(400);
    expect((await act(alice, vol, { 'os-unreserve': {} })).status).toBe(202);
    expect((await status(vol)).status).toBe('available');
    expect((await act(alice, vol, { 'os-begin_detaching': {} })).status).toBe(400);

    const server = crypto.randomUUID();
    expect((await act(alice, vol, { 'os-attach': { mountpoint: '/dev/vdc' } })).status).toBe(400);
    expect(
      (
        await act(alice, vol, {
          'os-attach': { instance_uuid: server, mountpoint: '/dev/vdc', mode: 'xx' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await act(alice, vol, { 'os-attach': { instance_uuid: server, mountpoint: '/dev/vdc' } }))
        .status,
    ).toBe(202);
    const attached = await status(vol);
    expect(attached.status).toBe('in-use');
    expect(await attachStatus(vol)).toBe('attached');
    expect(attached.attachments[0]).toMatchObject({
      server_id: server,
      device: '/dev/vdc',
      volume_id: vol,
    });
    const meta = (await alice.call('GET', `volumes/${vol}`)).body.volume.metadata;
    expect(meta).toMatchObject({ attached_mode: 'rw', readonly: 'False' });
    // Attaching again to the same server changes nothing; to another is refused.
    expect(
      (await act(alice, vol, { 'os-attach': { instance_uuid: server, mountpoint: '/dev/vdc' } }))
        .status,
    ).toBe(202);
    expect(
      (
        await act(alice, vol, {
          'os-attach': { instance_uuid: crypto.randomUUID(), mountpoint: '/dev/vdd' },
        })
      ).status,
    ).toBe(400);

    expect((await act(alice, vol, { 'os-begin_detaching': {} })).status).toBe(202);
    expect((await status(vol)).status).toBe('detaching');
    expect((await act(alice, vol, { 'os-roll_detaching': {} })).status).toBe(202);
    expect((await status(vol)).status).toBe('in-use');
    expect((await bob.call('POST', `volumes/${vol}/action`, { 'os-detach': {} })).status).toBe(404);
    expect((await act(alice, vol, { 'os-detach': { attachment_id: 'x' } })).status).toBe(400);
    expect((await act(alice, vol, { 'os-detach': {} })).status).toBe(202);
    const detached = await status(vol);
    expect(detached).toEqual({ status: 'available', attachments: [] });
    expect(await attachStatus(vol)).toBe('detached');
    expect((await alice.call('GET', `volumes/${vol}`)).body.volume.metadata).not.toHaveProperty(
      'attached_mode',
    );
  });

  it('legacy: initialize and terminate connection, with the terminate unreserving', async () => {
    const vol = await volume(alice);
    await act(alice, vol, { 'os-reserve': {} });
    const init = await act(alice, vol, { 'os-initialize_connection': { connector } });
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    expect(init.body.connection_info).toMatchObject({
      driver_volume_type: 'fake',
      data: { volume_id: vol, access_mode: 'rw' },
    });
    expect((await act(alice, vol, { 'os-initialize_connection': {} })).status).toBe(400);
    expect((await act(alice, vol, { 'os-terminate_connection': { connector } })).status).toBe(202);
    expect((await status(vol)).status).toBe('available');
  });

  it('os-force_detach (admin) detaches an attachment of a volume in error', async () => {
    const vol = await volume(alice);
    await act(alice, vol, {
      'os-attach': { instance_uuid: crypto.randomUUID(), mountpoint: '/dev/vdb' },
    });
    const attachment = (await status(vol)).attachments[0]!;
    await c.admin.call('POST', `volumes/${vol}/action`, { 'os-reset_status': { status: 'error' } });
    expect(
      (await act(alice, vol, { 'os-force_detach': { attachment_id: attachment.attachment_id } }))
        .status,
    ).toBe(403);
    const r = await act(c.admin, vol, {
      'os-force_detach': { connector: null, attachment_id: attachment.attachment_id },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(await status(vol)).toEqual({ status: 'available', attachments: [] });
  });
});
