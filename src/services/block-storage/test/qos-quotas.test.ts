import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';

type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => ReturnType<TestCloud['request']>;

describe('block storage: QoS specs, quotas, quota classes, limits', () => {
  let cloud: TestCloud;
  let admin: Call;
  let member: { userId: string; projectId: string; token: string };
  let asMember: Call;

  beforeAll(async () => {
    cloud = await startTestCloud({ services: ['block-storage'] });
    admin = (method, path, body, headers) =>
      cloud.request('block-storage', method, `/v3/${cloud.adminProjectId}/${path}`, {
        token: cloud.adminToken,
        body,
        headers,
      });
    member = await cloud.member();
    asMember = (method, path, body, headers) =>
      cloud.request('block-storage', method, `/v3/${member.projectId}/${path}`, {
        token: member.token,
        body,
        headers,
      });
  }, 60_000);
  afterAll(async () => cloud?.close());

  it('creates, lists, shows, sets and unsets QoS keys', async () => {
    const created = await admin('POST', 'qos-specs', {
      qos_specs: { name: 'q1', consumer: 'front-end', read_iops_sec: '2000' },
    });
    expect(created.status).toBe(200);
    const q = created.body.qos_specs;
    expect(q).toEqual({
      id: expect.any(String),
      name: 'q1',
      consumer: 'front-end',
      specs: { read_iops_sec: '2000' },
    });
    expect(created.body.links[0].href).toContain(`/qos-specs/${q.id}`);
    expect((await admin('GET', 'qos-specs')).body.qos_specs).toContainEqual(q);
    expect((await admin('POST', 'qos-specs', { qos_specs: { name: 'q1' } })).status).toBe(409);
    expect(
      (await admin('POST', 'qos-specs', { qos_specs: { name: 'bad', consumer: 'nowhere' } }))
        .status,
    ).toBe(400);
    const defaulted = await admin('POST', 'qos-specs', { qos_specs: { name: 'q2' } });
    expect(defaulted.body.qos_specs.consumer).toBe('back-end');

    expect(
      (await admin('PUT', `qos-specs/${q.id}`, { qos_specs: { iops_bytes: '500' } })).body,
    ).toEqual({ qos_specs: { iops_bytes: '500' } });
    expect((await admin('GET', `qos-specs/${q.id}`)).body.qos_specs.specs).toEqual({
      read_iops_sec: '2000',
      iops_bytes: '500',
    });
    expect(
      (await admin('PUT', `qos-specs/${q.id}/delete_keys`, { keys: ['iops_bytes'] })).status,
    ).toBe(202);
    expect(
      (await admin('PUT', `qos-specs/${q.id}/delete_keys`, { keys: ['iops_bytes'] })).status,
    ).toBe(404);
    expect((await admin('GET', `qos-specs/${q.id}`)).body.qos_specs.specs).toEqual({
      read_iops_sec: '2000',
    });
    expect((await asMember('GET', 'qos-specs')).status).toBe(403);
  });

  it('associates QoS specs with types and refuses to delete them while associated', async () => {
    const q = (await admin('POST', 'qos-specs', { qos_specs: { name: 'assoc' } })).body.qos_specs;
    const other = (await admin('POST', 'qos-specs', { qos_specs: { name: 'other' } })).body
      .qos_specs;
    const types = [];
    for (const name of ['qa', 'qb'])
      types.push((await admin('POST', 'types', { volume_type: { name } })).body.volume_type);
    for (const t of types)
      expect((await admin('GET', `qos-specs/${q.id}/associate?vol_type_id=${t.id}`)).status).toBe(
        202,
      );
    expect(
      (await admin('GET', `qos-specs/${other.id}/associate?vol_type_id=${types[0].id}`)).status,
    ).toBe(400);
    expect((await admin('GET', `qos-specs/${q.id}/associate`)).status).toBe(400);
    expect(
      (
        await admin(
          'GET',
          `qos-specs/${q.id}/associate?vol_type_id=0d6c1f6a-3c9e-4f7e-8d7e-3a8e8a1b2c3d`,
        )
      ).status,
    ).toBe(404);
    const assoc = (await admin('GET', `qos-specs/${q.id}/associations`)).body.qos_associations;
    expect(assoc).toEqual(
      expect.arrayContaining(
        types.map((t) => ({ association_type: 'volume_type', id: t.id, name: t.name })),
      ),
    );
    expect((await admin('GET', `types/${types[0].id}`)).body.volume_type.qos_specs_id).toBe(q.id);
    expect((await admin('DELETE', `qos-specs/${q.id}`)).status).toBe(400);
    expect(
      (await admin('GET', `qos-specs/${q.id}/disassociate?vol_type_id=${types[0].id}`)).status,
    ).toBe(202);
    expect(
      (await admin('GET', `qos-specs/${q.id}/associations`)).body.qos_associations,
    ).toHaveLength(1);
    expect((await admin('GET', `qos-specs/${q.id}/disassociate_all`)).status).toBe(202);
    expect((await admin('GET', `qos-specs/${q.id}/associations`)).body.qos_associations).toEqual(
      [],
    );
    expect(
      (await admin('GET', `qos-specs/${other.id}/associate?vol_type_id=${types[1].id}`)).status,
    ).toBe(202);
    expect((await admin('DELETE', `qos-specs/${other.id}?force=true`)).status).toBe(202);
    expect((await admin('GET', `types/${types[1].id}`)).body.volume_type.qos_specs_id).toBeNull();
    expect((await admin('DELETE', `qos-specs/${q.id}`)).status).toBe(202);
    expect((await admin('GET', `qos-specs/${q.id}`)).status).toBe(404);
  });

  it('shows quotas with per-type resources, defaults and usage', async () => {
    const t = (await admin('POST', 'types', { volume_type: { name: 'quota_type' } })).body
      .volume_type;
    const shown = await asMember('GET', `os-quota-sets/${member.projectId}`);
    expect(shown.status).toBe(200);
    expect(shown.body.quota_set).toMatchObject({
      id: member.projectId,
      volumes: 10,
      snapshots: 10,
      gigabytes: 1000,
      backups: 10,
      backup_gigabytes: 1000,
      groups: 10,
      per_volume_gigabytes: -1,
      volumes_quota_type: -1,
      gigabytes_quota_type: -1,
      snapshots_quota_type: -1,
    });
    const usage = await asMember('GET', `os-quota-sets/${member.projectId}?usage=true`);
    expect(usage.body.quota_set.volumes).toEqual({ limit: 10, in_use: 0, reserved: 0 });
    expect(usage.body.quota_set[`volumes_${t.name}`]).toEqual({
      limit: -1,
      in_use: 0,
      reserved: 0,
    });
    expect(
      (await asMember('GET', `os-quota-sets/${member.projectId}/defaults`)).body.quota_set,
    ).toMatchObject({ id: member.projectId, volumes: 10 });
    // Another project's quotas are not a member's to read, nor theirs to change.
    expect((await asMember('GET', `os-quota-sets/${cloud.adminProjectId}`)).status).toBe(403);
    expect(
      (await asMember('PUT', `os-quota-sets/${member.projectId}`, { quota_set: { volumes: 1 } }))
        .status,
    ).toBe(403);
  });

  it("updates and deletes project quotas with Cinder's checks", async () => {
    const p = member.projectId;
    const updated = await admin('PUT', `os-quota-sets/${p}`, {
      quota_set: {
        gigabytes: 1009,
        volumes: 11,
        snapshots: 11,
        backups: 11,
        backup_gigabytes: 1009,
        per_volume_gigabytes: 1009,
        volumes_quota_type: 3,
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.quota_set).toMatchObject({
      gigabytes: 1009,
      volumes: 11,
      volumes_quota_type: 3,
    });
    expect(updated.body.quota_set).not.toHaveProperty('id');
    expect((await admin('GET', `os-quota-sets/${p}`)).body.quota_set.volumes).toBe(11);
    expect((await admin('PUT', `os-quota-sets/${p}`, { quota_set: { bogus: 1 } })).status).toBe(
      400,
    );
    expect((await admin('PUT', `os-quota-sets/${p}`, { quota_set: { volumes: -2 } })).status).toBe(
      400,
    );
    expect(
      (await admin('PUT', `os-quota-sets/${p}`, { quota_set: { volumes: 'many' } })).status,
    ).toBe(400);
    expect((await admin('PUT', `os-quota-sets/${p}`, { quota_set: {} })).status).toBe(400);
    expect(
      (await admin('PUT', `os-quota-sets/${p}`, { quota_set: { volumes: '12', tenant_id: p } }))
        .body.quota_set.volumes,
    ).toBe(12);
    const deleted = await admin('DELETE', `os-quota-sets/${p}`);
    expect(deleted.status).toBe(200);
    expect((await admin('GET', `os-quota-sets/${p}`)).body.quota_set).toMatchObject({
      volumes: 10,
      volumes_quota_type: -1,
    });
  });

  it('updates the default quota class, which new projects then get', async () => {
    const before = (await admin('GET', 'os-quota-class-sets/default')).body.quota_class_set;
    expect(before).toMatchObject({ id: 'default', volumes: 10, gigabytes: 1000, groups: 10 });
    const t = (await admin('POST', 'types', { volume_type: { name: 'class-type' } })).body
      .volume_type;
    const updated = await admin('PUT', 'os-quota-class-sets/default', {
      quota_class_set: { volumes: 12, [`volumes_${t.name}`]: 4, snapshots: '13' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.quota_class_set).toMatchObject({
      volumes: 12,
      snapshots: 13,
      [`volumes_${t.name}`]: 4,
    });
    expect(updated.body.quota_class_set).not.toHaveProperty('id');
    const other = await cloud.member();
    expect(
      (await admin('GET', `os-quota-sets/${other.projectId}/defaults`)).body.quota_set,
    ).toMatchObject({ volumes: 12, [`volumes_${t.name}`]: 4 });
    expect((await admin('GET', `os-quota-sets/${other.projectId}`)).body.quota_set.volumes).toBe(
      12,
    );
    expect(
      (await admin('PUT', 'os-quota-class-sets/default', { quota_class_set: { nope: 1 } })).status,
    ).toBe(400);
    expect(
      (await admin('PUT', 'os-quota-class-sets/default', { quota_class_set: { volumes: '-1' } }))
        .status,
    ).toBe(400);
    expect((await asMember('GET', 'os-quota-class-sets/default')).status).toBe(403);
    // Renaming the type carries its class limit along.
    await admin('PUT', `types/${t.id}`, { volume_type: { name: 'class-type-2' } });
    expect((await admin('GET', 'os-quota-class-sets/default')).body.quota_class_set).toMatchObject({
      'volumes_class-type-2': 4,
    });
    await admin('PUT', 'os-quota-class-sets/default', {
      quota_class_set: { volumes: 10, snapshots: 10 },
    });
  });

  it('reports absolute limits with usage', async () => {
    const r = await asMember('GET', 'limits');
    expect(r.status).toBe(200);
    expect(r.body.limits.rate).toEqual([]);
    expect(r.body.limits.absolute).toEqual({
      maxTotalVolumeGigabytes: 1000,
      maxTotalBackupGigabytes: 1000,
      maxTotalVolumes: 10,
      maxTotalSnapshots: 10,
      maxTotalBackups: 10,
      totalVolumesUsed: 0,
      totalGigabytesUsed: 0,
      totalSnapshotsUsed: 0,
      totalBackupsUsed: 0,
      totalBackupGigabytesUsed: 0,
    });
  });
});
