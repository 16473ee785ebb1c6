import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDbTime } from '../../../core/db/index.ts';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import type { BlockStorageInstance } from '../index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { createMessage } from '../store/messages.ts';

type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => ReturnType<TestCloud['request']>;
const LATEST = { 'OpenStack-API-Version': 'volume 3.70' };

describe('block storage: services, hosts, pools, capabilities, zones, extensions, messages', () => {
  let cloud: TestCloud;
  let env: BlockStorageEnv;
  let admin: Call;
  let member: { userId: string; projectId: string; token: string };
  let asMember: Call;

  beforeAll(async () => {
    cloud = await startTestCloud({ services: ['block-storage'] });
    env = (
      cloud.cloud.services.find((s) => s.definition.type === 'block-storage')!
        .instance as BlockStorageInstance
    ).env;
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

  it('lists the registered services, up, and filters them by host and binary', async () => {
    const { status, body } = await admin('GET', 'os-services');
    expect(status).toBe(200);
    const binaries = body.services.map((s: { binary: string }) => s.binary);
    expect(binaries).toContain('cinder-scheduler');
    expect(binaries.filter((b: string) => b === 'cinder-volume')).toHaveLength(env.backends.length);
    expect(binaries.includes('cinder-backup')).toBe(env.backup !== undefined);
    const volume = body.services.find((s: { binary: string }) => s.binary === 'cinder-volume');
    expect(volume).toEqual({
      binary: 'cinder-volume',
      host: env.backends[0]!.host,
      zone: 'nova',
      status: 'enabled',
      state: 'up',
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
      disabled_reason: null,
      replication_status: 'disabled',
      active_backend_id: null,
      frozen: false,
    });
    const hostName = volume.host.split('@')[0];
    const onHost = (await admin('GET', `os-services?host=${hostName}`)).body.services;
    expect(onHost.map((s: { binary: string }) => s.binary).sort()).toEqual([...binaries].sort());
    const volumesOnly = (await admin('GET', `os-services?host=${hostName}&binary=cinder-volume`))
      .body.services;
    expect(volumesOnly.every((s: { binary: string }) => s.binary === 'cinder-volume')).toBe(true);
    expect(
      (await admin('GET', 'os-services', undefined, LATEST)).body.services.find(
        (s: { binary: string }) => s.binary === 'cinder-volume',
      ),
    ).toMatchObject({
      cluster: null,
      backend_state: 'up',
    });
    expect((await asMember('GET', 'os-services')).status).toBe(403);
  });

  it('shows a service down once its heartbeat is older than the down time', async () => {
    const old = toDbTime(new Date(Date.now() - 120_000));
    await env.db
      .updateTable('block_storage_service')
      .set({ updated_at: old })
      .where('binary', '=', 'cinder-scheduler')
      .execute();
    const scheduler = (await admin('GET', 'os-services?binary=cinder-scheduler')).body.services[0];
    expect(scheduler.state).toBe('down');
    const hosts = (await admin('GET', 'os-hosts')).body.hosts;
    expect(
      hosts.find((h: { service: string }) => h.service === 'cinder-scheduler')['service-status'],
    ).toBe('unavailable');
    await env.db
      .updateTable('block_storage_service')
      .set({ updated_at: toDbTime(new Date()) })
      .where('binary', '=', 'cinder-scheduler')
      .execute();
  });

  it("enables and disables services, freezes and thaws hosts, with Cinder's errors", async () => {
    const host = env.backends[0]!.host;
    const disabled = await admin('PUT', 'os-services/disable-log-reason', {
      host,
      binary: 'cinder-volume',
      disabled_reason: 'maintenance',
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({
      disabled: true,
      status: 'disabled',
      host,
      service: '',
      binary: 'cinder-volume',
      disabled_reason: 'maintenance',
    });
    const listed = (await admin('GET', 'os-services?binary=cinder-volume')).body.services[0];
    expect(listed).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
    expect((await admin('GET', 'os-availability-zone')).body.availabilityZoneInfo).toEqual([
      { zoneName: 'nova', zoneState: { available: env.backends.length > 1 } },
    ]);
    expect(
      (await admin('GET', 'os-hosts')).body.hosts.some(
        (h: { host_name: string }) => h.host_name === host,
      ),
    ).toBe(false);
    const enabled = await admin('PUT', 'os-services/enable', { host, binary: 'cinder-volume' });
    expect(enabled.body).toEqual({
      disabled: false,
      status: 'enabled',
      host,
      service: '',
      binary: 'cinder-volume',
    });

    expect(
      (await admin('PUT', 'os-services/enable', { host: 'invalid_host', binary: 'cinder-volume' }))
        .status,
    ).toBe(404);
    expect(
      (await admin('PUT', 'os-services/disable', { host, binary: 'invalid_binary' })).status,
    ).toBe(404);
    expect(
      (
        await admin('PUT', 'os-services/disable-log-reason', {
          host,
          binary: 'cinder-volume',
          disabled_reason: null,
        })
      ).status,
    ).toBe(400);
    expect((await admin('PUT', 'os-services/enable', { binary: 'cinder-volume' })).status).toBe(
      400,
    );
    expect((await admin('PUT', 'os-services/reboot', { host })).status).toBe(400);

    expect((await admin('PUT', 'os-services/freeze', { host: 'invalid_host' })).status).toBe(400);
    expect((await admin('PUT', 'os-services/thaw', { host: 'invalid_host' })).status).toBe(400);
    expect((await admin('PUT', 'os-services/freeze', { host })).status).toBe(200);
    expect((await admin('GET', 'os-services?binary=cinder-volume')).body.services[0].frozen).toBe(
      true,
    );
    expect((await admin('PUT', 'os-services/freeze', { host })).status).toBe(400);
    expect((await admin('PUT', 'os-services/thaw', { host })).status).toBe(200);
    expect((await admin('PUT', 'os-services/thaw', { host })).status).toBe(400);
    expect((await asMember('PUT', 'os-services/freeze', { host })).status).toBe(403);
  });

  it('lists pools with driver stats and shows the same capabilities per backend', async () => {
    const plain = await admin('GET', 'scheduler-stats/get_pools');
    expect(plain.status).toBe(200);
    expect(plain.body.pools).toEqual(env.backends.map((b) => ({ name: b.poolHost })));
    const detailed = (await admin('GET', 'scheduler-stats/get_pools?detail=True')).body.pools;
    const stats = await env.backends[0]!.driver.stats();
    expect(detailed[0].capabilities).toMatchObject({
      pool_name: env.backends[0]!.name,
      volume_backend_name: stats.backendName,
      vendor_name: stats.vendorName,
      storage_protocol: stats.storageProtocol,
      total_capacity_gb: stats.totalCapacityGb,
      allocated_capacity_gb: 0,
      backend_state: 'up',
    });
    const caps = await admin(
      'GET',
      `capabilities/${encodeURIComponent(env.backends[0]!.poolHost)}`,
    );
    expect(caps.status).toBe(200);
    expect(caps.body).toMatchObject({
      namespace: `OS::Storage::Capabilities::${env.backends[0]!.host}`,
      vendor_name: stats.vendorName,
      volume_backend_name: stats.backendName,
      storage_protocol: stats.storageProtocol,
      pool_name: null,
      replication_targets: [],
    });
    expect(caps.body.properties.thin_provisioning).toEqual({
      title: 'Thin Provisioning',
      description: 'Sets thin provisioning.',
      type: 'boolean',
    });
    expect((await admin('GET', `capabilities/${env.backends[0]!.host}`)).status).toBe(200);
    expect((await admin('GET', 'capabilities/nowhere@none')).status).toBe(404);
    expect(
      (await admin('GET', 'scheduler-stats/get_pools?name=nope', undefined, LATEST)).body.pools,
    ).toEqual([]);
    expect((await asMember('GET', 'scheduler-stats/get_pools')).status).toBe(403);
  });

  it('lists hosts and shows the volume totals of a cinder-volume host', async () => {
    const hosts = (await admin('GET', 'os-hosts')).body.hosts;
    expect(hosts.length).toBeGreaterThanOrEqual(2);
    const volumeHost = hosts.find((h: { service: string }) => h.service === 'cinder-volume');
    expect(volumeHost).toMatchObject({
      'service-status': 'available',
      'service-state': 'enabled',
      zone: 'nova',
    });
    const shown = await admin('GET', `os-hosts/${volumeHost.host_name}`);
    expect(shown.status).toBe(200);
    expect(shown.body.host[0].resource).toEqual({
      host: volumeHost.host_name,
      project: '(total)',
      volume_count: '0',
      total_volume_gb: '0',
      snapshot_count: '0',
      total_snapshot_gb: '0',
    });
    const scheduler = hosts.find((h: { service: string }) => h.service === 'cinder-scheduler');
    expect((await admin('GET', `os-hosts/${scheduler.host_name}@nothing`)).status).toBe(404);
    expect(
      (await admin('PUT', `os-hosts/${volumeHost.host_name}`, { status: 'enable' })).status,
    ).toBe(501);
  });

  it('lists availability zones and the extensions to any caller', async () => {
    const zones = await asMember('GET', 'os-availability-zone');
    expect(zones.status).toBe(200);
    expect(zones.body.availabilityZoneInfo[0].zoneName).toBe('nova');
    const ext = await asMember('GET', 'extensions');
    expect(ext.status).toBe(200);
    expect(ext.body.extensions.map((e: { alias: string }) => e.alias)).toEqual(
      expect.arrayContaining(['os-hosts', 'qos-specs', 'os-volume-type-access']),
    );
    expect(ext.body.extensions[0]).toEqual({
      name: expect.any(String),
      alias: expect.any(String),
      updated: expect.any(String),
      description: expect.any(String),
      links: [],
    });
  });

  it('serves user messages from 3.3 to their project, and deletes them', async () => {
    const now = new Date();
    const id = await createMessage(
      env.db,
      {
        projectId: member.projectId,
        requestId: 'req-1',
        resourceType: 'VOLUME',
        resourceUuid: 'f0a5b4c8-0b3e-4a59-9a3f-1c2d3e4f5a6b',
        action: 'scheduleAllocateVolume',
        detail: 'noBackendAvailable',
      },
      { now },
    );
    const v33 = { 'OpenStack-API-Version': 'volume 3.3' };
    expect((await asMember('GET', 'messages')).status).toBe(404);
    const list = await asMember('GET', 'messages', undefined, v33);
    expect(list.status).toBe(200);
    expect(list.body.messages).toEqual([
      {
        id,
        event_id: 'VOLUME_VOLUME_001_003',
        user_message: 'schedule allocate volume:Could not find any available weighted backend.',
        message_level: 'ERROR',
        created_at: toDbTime(now).replace(/Z$/, ''),
        guaranteed_until: expect.any(String),
        request_id: 'req-1',
        resource_type: 'VOLUME',
        resource_uuid: 'f0a5b4c8-0b3e-4a59-9a3f-1c2d3e4f5a6b',
        links: expect.any(Array),
      },
    ]);
    expect((await asMember('GET', `messages/${id}`, undefined, v33)).body.message.id).toBe(id);
    expect(
      (await asMember('GET', 'messages?event_id=VOLUME_VOLUME_001_002', undefined, v33)).body
        .messages,
    ).toEqual([]);
    const other = await cloud.member();
    expect(
      (
        await cloud.request('block-storage', 'GET', `/v3/${other.projectId}/messages/${id}`, {
          token: other.token,
          headers: v33,
        })
      ).status,
    ).toBe(404);
    expect(
      (await admin('GET', 'messages', undefined, v33)).body.messages.map(
        (m: { id: string }) => m.id,
      ),
    ).toContain(id);
    expect((await asMember('DELETE', `messages/${id}`, undefined, v33)).status).toBe(204);
    expect((await asMember('GET', `messages/${id}`, undefined, v33)).status).toBe(404);
  });
});
