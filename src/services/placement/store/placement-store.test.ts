import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { findAllocationCandidates } from '../allocation-candidates/find.ts';
import { parseCandidateRequest } from '../allocation-candidates/request.ts';
import { replaceAllocations, withRetries } from './allocations.ts';
import { INVENTORY_DEFAULTS, replaceInventories } from './inventories.ts';
import { placementMigrations } from './migrations/index.ts';
import { createProvider, getProvider } from './providers.ts';
import type { PlacementDb, PlacementTables } from './tables.ts';

const inv = (total: number, over: Partial<typeof INVENTORY_DEFAULTS> = {}) => ({ ...INVENTORY_DEFAULTS, total, ...over });
const latest = (_minor: number) => true;

describeEachDialect('placement store and allocation candidates', (suite) => {
  let handle: Database<PlacementTables>;
  let db: PlacementDb;
  const ids: Record<string, string> = {};

  async function addProvider(name: string, parent: string | null, inventories: Record<string, number>, traits: string[] = []) {
    const p = await createProvider(db, { uuid: randomUUID(), name: `${name}-${randomUUID()}`, parentUuid: parent });
    await replaceInventories(db, p, 0, new Map(Object.entries(inventories).map(([rc, total]) => [rc, inv(total)])));
    if (traits.length) await db.insertInto('placement_provider_trait').values(traits.map((trait) => ({ provider_id: p.id, trait }))).execute();
    ids[name] = p.uuid;
    return p.uuid;
  }

  beforeAll(async () => {
    handle = await suite.open<PlacementTables>();
    await migrateToLatest(handle, 'placement', placementMigrations);
    db = handle.kysely;
    // cn1 (DISK) -> numa0 (VCPU 4, MEM 2048) -> pf0 (VF 4, PHYSNET_A); cn1 -> numa1 (VCPU 4, MEM 2048, fast) -> pf1 (VF 4, PHYSNET_B)
    const cn1 = await addProvider('cn1', null, { DISK_GB: 100 }, ['COMPUTE_STATUS_DISABLED']);
    const numa0 = await addProvider('numa0', cn1, { VCPU: 4, MEMORY_MB: 2048 });
    const numa1 = await addProvider('numa1', cn1, { VCPU: 4, MEMORY_MB: 2048 }, ['CUSTOM_FAST']);
    await addProvider('pf0', numa0, { SRIOV_NET_VF: 4 }, ['CUSTOM_PHYSNET_A']);
    await addProvider('pf1', numa1, { SRIOV_NET_VF: 4 }, ['CUSTOM_PHYSNET_B']);
    // a flat host with everything on the root
    await addProvider('cn2', null, { VCPU: 8, MEMORY_MB: 4096, DISK_GB: 50 }, ['HW_CPU_X86_AVX2']);
  });

  const find = (query: Record<string, string | string[]>, at: (minor: number) => boolean = latest) =>
    findAllocationCandidates(db, parseCandidateRequest(query, at), { maxCandidates: -1, randomize: false });
  const uuidsOf = (r: Awaited<ReturnType<typeof find>>) =>
    r.requests.map((req) => [...new Set([...req.amounts.keys()].map((k) => r.trees.get(Number(k.split('/')[0]))!.uuid))].sort());

  it('combines providers of one tree for the unnumbered group', async () => {
    const r = await find({ resources: 'VCPU:2,DISK_GB:10' });
    expect(uuidsOf(r)).toEqual(
      expect.arrayContaining([[ids.cn1, ids.numa0].sort(), [ids.cn1, ids.numa1].sort(), [ids.cn2]]),
    );
    expect(r.requests).toHaveLength(3);
    // summaries cover whole trees: 5 providers of cn1 and cn2
    expect(r.summaries).toHaveLength(6);
  });

  it('applies traits collectively, root_required on the root, and limit', async () => {
    expect(uuidsOf(await find({ resources: 'VCPU:2,DISK_GB:10', required: 'CUSTOM_FAST' }))).toEqual([[ids.cn1, ids.numa1].sort()]);
    expect(uuidsOf(await find({ resources: 'VCPU:2,DISK_GB:10', root_required: '!COMPUTE_STATUS_DISABLED' }))).toEqual([[ids.cn2]]);
    const limited = await find({ resources: 'VCPU:2,DISK_GB:10', limit: '1' });
    expect(limited.requests).toHaveLength(1);
  });

  it('keeps granular groups apart under isolate and within one subtree with same_subtree', async () => {
    const r = await find({
      resources_CPU: 'VCPU:1',
      resources_NET: 'SRIOV_NET_VF:1',
      required_NET: 'CUSTOM_PHYSNET_B',
      group_policy: 'isolate',
      same_subtree: '_CPU,_NET',
    });
    expect(uuidsOf(r)).toEqual([[ids.numa1, ids.pf1].sort()]);
    const old = await find({ resources: 'VCPU:2,DISK_GB:10' }, (m) => m < 29);
    // before 1.29 only single-provider candidates remain
    expect(uuidsOf(old)).toEqual([[ids.cn2]]);
  });

  it('claims allocations against capacity and sees them in the next candidates', async () => {
    const numa1 = await getProvider(db, ids.numa1!);
    const write = (consumer: string, vcpu: number) =>
      withRetries(db, 3, (tx) =>
        replaceAllocations(tx, [{ consumerUuid: consumer, projectId: 'p', userId: 'u', generation: null, consumerType: 'INSTANCE', allocations: new Map([[numa1.uuid, new Map([['VCPU', vcpu]])]]) }]),
      );
    await write(randomUUID(), 3);
    await expect(write(randomUUID(), 2)).rejects.toMatchObject({ status: 409 });
    expect((await getProvider(db, numa1.uuid)).generation).toBe(2);
    const r = await find({ resources: 'VCPU:2', required: 'CUSTOM_FAST' });
    expect(r.requests).toEqual([]);
    // two concurrent claims for the last VCPU: exactly one wins
    const results = await Promise.allSettled([write(randomUUID(), 1), write(randomUUID(), 1)]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });
});
