import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dbNow, isUniqueViolation, migrateToLatest, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { ApiError } from '../../../core/errors/index.ts';
import { networkMigrations } from '../store/migrations/index.ts';
import type { NetworkDb, NetworkTx } from '../store/db.ts';
import type { NetworkTables, SubnetTable } from '../store/tables.ts';
import { allocateFixedIps, withAllocationRetry, type FixedIp, type FixedIpRequest } from './allocator.ts';

const NET = randomUUID();
const SUBNET = randomUUID();

async function seed(db: NetworkDb): Promise<SubnetTable> {
  const now = dbNow();
  const std = { description: '', revision_number: 1, created_at: now, updated_at: now };
  await db
    .insertInto('network_network')
    .values({ id: NET, project_id: 'p', name: 'n', admin_state_up: 1, status: 'ACTIVE', shared: 0, external: 0, mtu: 1442, port_security_enabled: 1, availability_zone_hints: '[]', ...std })
    .execute();
  const subnet: SubnetTable = {
    id: SUBNET,
    project_id: 'p',
    network_id: NET,
    name: 's',
    ip_version: 4,
    cidr: '10.9.0.0/26',
    gateway_ip: '10.9.0.1',
    enable_dhcp: 1,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    allocation_pools: JSON.stringify([{ start: '10.9.0.2', end: '10.9.0.62' }]),
    dns_nameservers: '[]',
    host_routes: '[]',
    subnetpool_id: null,
    segment_id: null,
    ...std,
  };
  await db.insertInto('network_subnet').values(subnet).execute();
  return subnet;
}

let macCounter = 0;

/** One API request creating a port on the subnet, as the port service will: port row and addresses in one transaction. */
function createPort(db: NetworkDb, subnet: SubnetTable, requests?: FixedIpRequest[]): Promise<FixedIp[]> {
  const portId = randomUUID();
  const n = ++macCounter;
  const mac = `fa:16:3e:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  return withAllocationRetry(
    db,
    60,
    async (tx: NetworkTx, attempt) => {
      const now = dbNow();
      await tx
        .insertInto('network_port')
        .values({
          id: portId, project_id: 'p', network_id: NET, name: '', description: '', mac_address: mac, admin_state_up: 1, status: 'DOWN',
          device_id: '', device_owner: '', port_security_enabled: 1, binding_host_id: '', binding_vnic_type: 'normal', binding_profile: '{}',
          binding_vif_type: 'unbound', binding_vif_details: '{}', allowed_address_pairs: '[]', extra_dhcp_opts: '[]',
          revision_number: 1, created_at: now, updated_at: now,
        })
        .execute();
      return allocateFixedIps(tx, { networkId: NET, portId, macAddress: mac, deviceOwner: '', attempt, maxFixedIps: 5 }, [subnet], requests);
    },
    () => new ApiError(409, 'network.IpAddressGenerationFailure', 'gave up'),
  );
}

describeEachDialect('IPAM allocation', (suite) => {
  // Three handles with their own pools stand in for three API processes. SQLite gets one:
  // better-sqlite3 is synchronous, so a second handle in the same process would block the
  // event loop waiting for the first one's write lock (separate processes each have their
  // own loop, and BEGIN IMMEDIATE serializes their writers, so they cannot race at all).
  const handles: Array<Database<NetworkTables>> = [];
  let subnet: SubnetTable;

  beforeAll(async () => {
    const first = await suite.open<NetworkTables>();
    await migrateToLatest(first as unknown as Database, 'network', networkMigrations);
    handles.push(first);
    if (suite.dialect !== 'sqlite') handles.push(await suite.open<NetworkTables>(), await suite.open<NetworkTables>());
    subnet = await seed(first.kysely);
  }, 120_000);
  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  it('refuses a second row for the same address on a subnet at the database', async () => {
    const db = handles[0]!.kysely;
    const [ip] = await createPort(db, subnet, [{ ip_address: '10.9.0.50' }]);
    expect(ip).toEqual({ subnet_id: SUBNET, ip_address: '10.9.0.50' });
    const port = await db.selectFrom('network_port').select('id').limit(1).executeTakeFirstOrThrow();
    const dup = db.insertInto('network_ip_allocation').values({ subnet_id: SUBNET, ip_address: '10.9.0.50', network_id: NET, port_id: port.id }).execute();
    await expect(dup).rejects.toSatisfy(isUniqueViolation);
    await expect(createPort(db, subnet, [{ ip_address: '10.9.0.50' }])).rejects.toMatchObject({ status: 409, code: 'network.IpAddressInUse' });
  }, 60_000);

  it('never hands out an address twice under concurrent requests from several processes', async () => {
    const results = await Promise.all(
      Array.from({ length: 36 }, (_, i) => createPort(handles[i % handles.length]!.kysely, subnet)),
    );
    const addresses = results.map((r) => r[0]!.ip_address);
    expect(new Set(addresses).size).toBe(36);
    expect(addresses).not.toContain('10.9.0.50');
    expect(addresses).not.toContain('10.9.0.1');
    for (const a of addresses) {
      const last = Number(a.split('.')[3]);
      expect(last).toBeGreaterThanOrEqual(2);
      expect(last).toBeLessThanOrEqual(62);
    }
    const rows = await handles[0]!.kysely.selectFrom('network_ip_allocation').select('ip_address').where('subnet_id', '=', SUBNET).execute();
    expect(rows).toHaveLength(37);
  }, 240_000);

  it('fills the pool exactly and then answers IpAddressGenerationFailure', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 34 }, (_, i) => createPort(handles[i % handles.length]!.kysely, subnet)),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    // 61 addresses in the pool, 37 taken before: 24 more fit.
    expect(ok).toHaveLength(24);
    for (const f of failed) expect(f.reason).toMatchObject({ status: 409, code: 'network.IpAddressGenerationFailure' });
    const rows = await handles[0]!.kysely.selectFrom('network_ip_allocation').select('ip_address').where('subnet_id', '=', SUBNET).execute();
    expect(rows).toHaveLength(61);
    expect(new Set(rows.map((r) => r.ip_address)).size).toBe(61);
  }, 240_000);
});
