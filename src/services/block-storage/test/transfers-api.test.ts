import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });

describe('block storage: volume transfers', () => {
  let c: VolumeCloud;
  let alice: VolumeClient;
  let bob: VolumeClient;

  const volume = async (who: VolumeClient) => {
    const r = await who.call('POST', 'volumes', { volume: { size: 1 } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'available');
    return r.body.volume.id as string;
  };
  const snapshot = async (who: VolumeClient, volumeId: string) => {
    const r = await who.call('POST', 'snapshots', { snapshot: { volume_id: volumeId } });
    expect(r.status).toBe(202);
    for (let i = 0; i < 400; i++) {
      if (
        (await who.call('GET', `snapshots/${r.body.snapshot.id}`)).body.snapshot.status ===
        'available'
      )
        return r.body.snapshot.id as string;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('snapshot never became available');
  };

  beforeAll(async () => {
    c = await startVolumeCloud();
    alice = await c.member();
    bob = await c.member();
    for (const p of [alice, bob]) {
      await c.admin.call('PUT', `os-quota-sets/${p.projectId}`, {
        quota_set: { volumes: -1, gigabytes: -1, snapshots: -1 },
      });
    }
  }, 90_000);
  afterAll(async () => c?.close());

  it('creates a transfer whose auth key is shown once; the volume awaits transfer; another project accepts it', async () => {
    const vol = await volume(alice);
    const snap = await snapshot(alice, vol);
    const created = await alice.call('POST', 'os-volume-transfer', {
      transfer: { volume_id: vol, name: ' t1 ' },
    });
    expect(created.status).toBe(202);
    const t = created.body.transfer;
    expect(Object.keys(t).sort()).toEqual([
      'auth_key',
      'created_at',
      'id',
      'links',
      'name',
      'volume_id',
    ]);
    expect(t).toMatchObject({ name: 't1', volume_id: vol });
    expect(t.auth_key).toMatch(/^[0-9a-f]{16}$/);
    expect((await c.waitForStatus(vol, 'awaiting-transfer')).status).toBe('awaiting-transfer');

    const shown = await alice.call('GET', `os-volume-transfer/${t.id}`);
    expect(shown.body.transfer).not.toHaveProperty('auth_key');
    expect(shown.body.transfer.volume_id).toBe(vol);
    expect(
      (await alice.call('GET', 'os-volume-transfer')).body.transfers.map(
        (x: { id: string }) => x.id,
      ),
    ).toContain(t.id);
    // Bob cannot see it, but may accept it with the key.
    expect((await bob.call('GET', `os-volume-transfer/${t.id}`)).status).toBe(404);
    expect((await bob.call('GET', 'os-volume-transfer')).body.transfers).toEqual([]);
    const wrong = await bob.call('POST', `os-volume-transfer/${t.id}/accept`, {
      accept: { auth_key: 'deadbeefdeadbeef' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.badRequest.message).toMatch(/invalid auth key/);
    const accepted = await bob.call('POST', `os-volume-transfer/${t.id}/accept`, {
      accept: { auth_key: t.auth_key },
    });
    expect(accepted.status).toBe(202);
    expect(Object.keys(accepted.body.transfer).sort()).toEqual([
      'id',
      'links',
      'name',
      'volume_id',
    ]);

    const mine = await bob.call('GET', `volumes/${vol}`);
    expect(mine.body.volume).toMatchObject({
      status: 'available',
      user_id: bob.userId,
      'os-vol-tenant-attr:tenant_id': bob.projectId,
    });
    expect((await alice.call('GET', `volumes/${vol}`)).status).toBe(404);
    // The snapshot went with it.
    expect((await bob.call('GET', `snapshots/${snap}`)).status).toBe(200);
    expect((await alice.call('GET', `snapshots/${snap}`)).status).toBe(404);
    // A transfer is used once.
    expect(
      (
        await bob.call('POST', `os-volume-transfer/${t.id}/accept`, {
          accept: { auth_key: t.auth_key },
        })
      ).status,
    ).toBe(404);
  });

  it('3.55: no_snapshots leaves the snapshots behind; 3.57 shows the history fields', async () => {
    const vol = await volume(alice);
    const snap = await snapshot(alice, vol);
    expect(
      (
        await alice.call(
          'POST',
          'volume-transfers',
          { transfer: { volume_id: vol, no_snapshots: true } },
          at('3.54'),
        )
      ).status,
    ).toBe(400);
    const created = await alice.call(
      'POST',
      'volume-transfers',
      { transfer: { volume_id: vol, no_snapshots: true } },
      at('3.57'),
    );
    expect(created.status).toBe(202);
    expect(created.body.transfer).toMatchObject({
      no_snapshots: true,
      source_project_id: alice.projectId,
      destination_project_id: null,
      accepted: false,
    });
    const detail = await alice.call('GET', 'volume-transfers/detail', undefined, at('3.55'));
    const mine = detail.body.transfers.find(
      (x: { id: string }) => x.id === created.body.transfer.id,
    );
    expect(mine).toMatchObject({ no_snapshots: true, volume_id: vol });
    expect(mine).not.toHaveProperty('accepted');
    const t = created.body.transfer;
    expect(
      (
        await bob.call(
          'POST',
          `volume-transfers/${t.id}/accept`,
          { accept: { auth_key: t.auth_key } },
          at('3.57'),
        )
      ).status,
    ).toBe(202);
    expect((await bob.call('GET', `volumes/${vol}`)).body.volume.user_id).toBe(bob.userId);
    expect((await alice.call('GET', `snapshots/${snap}`)).body.snapshot.volume_id).toBe(vol);
  });

  it('deleting a transfer gives the volume back; only available volumes with available snapshots can be offered', async () => {
    const vol = await volume(alice);
    const t = (await alice.call('POST', 'os-volume-transfer', { transfer: { volume_id: vol } }))
      .body.transfer;
    expect(
      (await alice.call('POST', 'os-volume-transfer', { transfer: { volume_id: vol } })).status,
    ).toBe(400);
    expect((await bob.call('DELETE', `os-volume-transfer/${t.id}`)).status).toBe(404);
    expect((await alice.call('DELETE', `os-volume-transfer/${t.id}`)).status).toBe(202);
    expect((await c.waitForStatus(vol, 'available')).status).toBe('available');
    expect((await alice.call('GET', `os-volume-transfer/${t.id}`)).status).toBe(404);

    const snap = await snapshot(alice, vol);
    await c.admin.call('POST', `snapshots/${snap}/action`, {
      'os-reset_status': { status: 'error' },
    });
    const refused = await alice.call('POST', 'os-volume-transfer', {
      transfer: { volume_id: vol },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toMatch(/snapshot/);
    // Without its snapshots it may go.
    expect(
      (
        await alice.call(
          'POST',
          'volume-transfers',
          { transfer: { volume_id: vol, no_snapshots: true } },
          at('3.55'),
        )
      ).status,
    ).toBe(202);

    expect(
      (
        await bob.call('POST', 'os-volume-transfer', {
          transfer: { volume_id: await volume(alice) },
        })
      ).status,
    ).toBe(404);
    expect(
      (await alice.call('POST', 'os-volume-transfer', { transfer: { volume_id: 'nope' } })).status,
    ).toBe(400);
    expect((await alice.call('POST', 'os-volume-transfer', { transfer: {} })).status).toBe(400);
  });

  it("checks the accepting project's quota, leaving everything as it was when over", async () => {
    const erin = await c.member();
    await c.admin.call('PUT', `os-quota-sets/${erin.projectId}`, { quota_set: { volumes: 0 } });
    const vol = await volume(alice);
    const t = (await alice.call('POST', 'os-volume-transfer', { transfer: { volume_id: vol } }))
      .body.transfer;
    const over = await erin.call('POST', `os-volume-transfer/${t.id}/accept`, {
      accept: { auth_key: t.auth_key },
    });
    expect(over.status).toBe(413);
    expect((await c.admin.call('GET', `volumes/${vol}`)).body.volume).toMatchObject({
      status: 'awaiting-transfer',
      user_id: alice.userId,
    });

    // Snapshots count too: room for the volume but not for its snapshot.
    const frank = await c.member();
    await c.admin.call('PUT', `os-quota-sets/${frank.projectId}`, { quota_set: { snapshots: 0 } });
    const vol2 = await volume(alice);
    await snapshot(alice, vol2);
    const t2 = (await alice.call('POST', 'os-volume-transfer', { transfer: { volume_id: vol2 } }))
      .body.transfer;
    expect(
      (
        await frank.call('POST', `os-volume-transfer/${t2.id}/accept`, {
          accept: { auth_key: t2.auth_key },
        })
      ).status,
    ).toBe(413);
    expect(
      (await c.admin.call('GET', `volumes/${vol2}`)).body.volume['os-vol-tenant-attr:tenant_id'],
    ).toBe(alice.projectId);
    expect(
      (await erin.call('POST', `os-volume-transfer/${t.id}/accept`, { accept: { auth_key: 123 } }))
        .status,
    ).toBe(400);
  });

  it('pages and sorts from 3.59 on volume-transfers; admins list every project with all_tenants', async () => {
    const gina = await c.member();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await gina.call('POST', 'os-volume-transfer', {
            transfer: { volume_id: await volume(gina), name: `t${i}` },
          })
        ).body.transfer.id,
      );
    }
    const old = await gina.call('GET', 'os-volume-transfer');
    expect(old.body.transfers.map((t: { id: string }) => t.id)).toEqual(ids);
    const page = await gina.call(
      'GET',
      'volume-transfers?limit=2&sort=name:desc',
      undefined,
      at('3.59'),
    );
    expect(page.body.transfers.map((t: { name: string }) => t.name)).toEqual(['t2', 't1']);
    expect(page.body.transfers_links[0].href).toContain('marker=');
    const next = await gina.call(
      'GET',
      `volume-transfers?sort=name:desc&marker=${page.body.transfers[1].id}`,
      undefined,
      at('3.59'),
    );
    expect(next.body.transfers.map((t: { name: string }) => t.name)).toEqual(['t0']);
    const all = await c.admin.call('GET', 'os-volume-transfer?all_tenants=true');
    expect(all.body.transfers.map((t: { id: string }) => t.id)).toEqual(
      expect.arrayContaining(ids),
    );
  });

  it('withdraws a transfer past transfer_expiry_seconds', async () => {
    const vol = await volume(alice);
    const env = c.instance().env;
    const t = (await alice.call('POST', 'os-volume-transfer', { transfer: { volume_id: vol } }))
      .body.transfer;
    await env.db
      .updateTable('block_storage_transfer')
      .set({ expires_at: '2000-01-01T00:00:00.000000Z' })
      .where('id', '=', t.id)
      .execute();
    expect(
      (
        await bob.call('POST', `os-volume-transfer/${t.id}/accept`, {
          accept: { auth_key: t.auth_key },
        })
      ).status,
    ).toBe(404);
    expect((await c.waitForStatus(vol, 'available')).status).toBe('available');
  });
});
