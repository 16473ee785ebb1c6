import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { computeMigrations } from './migrations/index.ts';
import type { ComputeDb } from './db.ts';
import {
  addFlavorProject,
  deleteExtraSpec,
  deleteFlavor,
  extraSpecsOf,
  FlavorTaken,
  flavorProjects,
  getFlavor,
  insertFlavor,
  listFlavors,
  removeFlavorProject,
  setExtraSpecs,
  type NewFlavor,
} from './flavors.ts';
import {
  countKeypairs,
  deleteKeypair,
  getKeypair,
  insertKeypair,
  listKeypairs,
} from './keypairs.ts';
import {
  countServerGroups,
  deleteServerGroup,
  getServerGroup,
  insertServerGroup,
  listServerGroups,
} from './server-groups.ts';
import {
  classLimits,
  deleteStoredLimits,
  setClassLimits,
  setStoredLimits,
  storedLimits,
} from './quotas.ts';

const flavor = (
  flavorid: string,
  name: string,
  memoryMb: number,
  rootGb: number,
  isPublic = true,
): NewFlavor => ({
  flavorid,
  name,
  memoryMb,
  vcpus: 1,
  rootGb,
  ephemeralGb: 0,
  swap: 0,
  rxtxFactor: 1.5,
  isPublic,
  description: null,
});

/** The compute store on each database: flavors with visibility and keyset paging, keypairs, server groups, quotas. */
describeEachDialect('compute store', (suite) => {
  let db: ComputeDb;
  const admin = { isAdmin: true, projectId: 'padmin' };
  const p1 = { isAdmin: false, projectId: 'p1' };
  const p2 = { isAdmin: false, projectId: 'p2' };

  beforeAll(async () => {
    const handle = await suite.open();
    await migrateToLatest(handle as unknown as Database, 'compute', computeMigrations);
    db = handle.kysely as unknown as ComputeDb;
    const now = new Date(Date.UTC(2026, 0, 1));
    for (const [id, name, ram, disk] of [
      ['a', 'tiny', 512, 1],
      ['b', 'small', 2048, 20],
      ['c', 'Medium', 4096, 40],
      ['d', 'large', 8192, 80],
    ] as const) {
      await insertFlavor(db, flavor(id, name, ram, disk), now);
    }
    await insertFlavor(db, flavor('p', 'private', 1024, 10, false), now);
  });

  it('refuses a second flavor of the same name or id, telling which', async () => {
    await expect(insertFlavor(db, flavor('a', 'other', 1, 1), new Date())).rejects.toMatchObject({
      field: 'flavorid',
    });
    await expect(insertFlavor(db, flavor('z', 'tiny', 1, 1), new Date())).rejects.toBeInstanceOf(
      FlavorTaken,
    );
    // Names compare case-sensitively on every dialect.
    const row = await insertFlavor(db, flavor('m2', 'medium', 1, 1), new Date());
    expect(row.rxtx_factor).toBe(1.5);
    expect(await deleteFlavor(db, 'm2')).toBe(true);
  });

  it('shows private flavors to admins and to projects they are shared with', async () => {
    expect(await getFlavor(db, 'p', p1)).toBeUndefined();
    expect((await getFlavor(db, 'p', admin))?.name).toBe('private');
    const { id } = (await getFlavor(db, 'p', admin))!;
    expect(await addFlavorProject(db, id, 'p1')).toBe(true);
    expect(await addFlavorProject(db, id, 'p1')).toBe(false);
    expect((await getFlavor(db, 'p', p1))?.name).toBe('private');
    expect(await getFlavor(db, 'p', p2)).toBeUndefined();
    const sort = [{ key: 'flavorid', dir: 'asc' as const }];
    const ids = async (q: Partial<Parameters<typeof listFlavors>[1]>) =>
      (await listFlavors(db, { isPublic: true, projectId: undefined, sort, limit: 100, ...q })).map(
        (r) => r.flavorid,
      );
    expect(await ids({ projectId: 'p1' })).toEqual(['a', 'b', 'c', 'd', 'p']);
    expect(await ids({ projectId: 'p2' })).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids({ isPublic: false })).toEqual(['p']);
    expect(await ids({ isPublic: null })).toEqual(['a', 'b', 'c', 'd', 'p']);
    expect(await flavorProjects(db, id)).toEqual(['p1']);
    expect(await removeFlavorProject(db, id, 'p1')).toBe(true);
    expect(await removeFlavorProject(db, id, 'p1')).toBe(false);
  });

  it('filters, sorts and pages flavors after a marker the same way everywhere', async () => {
    const list = (q: Partial<Parameters<typeof listFlavors>[1]>) =>
      listFlavors(db, {
        isPublic: true,
        projectId: undefined,
        sort: [{ key: 'flavorid', dir: 'asc' }],
        limit: 100,
        ...q,
      }).then((r) => r.map((x) => x.flavorid));
    expect(await list({ minRam: 2048, minDisk: 30 })).toEqual(['c', 'd']);
    expect(await list({ sort: [{ key: 'memory_mb', dir: 'desc' }] })).toEqual(['d', 'c', 'b', 'a']);
    // Binary collation: upper case sorts before lower case.
    expect(await list({ sort: [{ key: 'name', dir: 'asc' }] })).toEqual(['c', 'd', 'b', 'a']);
    const marker = await getFlavor(db, 'b', admin);
    expect(await list({ marker, limit: 1 })).toEqual(['c']);
    expect(await list({ sort: [{ key: 'memory_mb', dir: 'desc' }], marker })).toEqual(['a']);
    expect(
      await list({
        sort: [{ key: 'description', dir: 'asc' }],
        marker: await getFlavor(db, 'a', admin),
      }),
    ).toEqual(['b', 'c', 'd']);
  });

  it('sets, replaces and deletes extra specs, and drops them with the flavor', async () => {
    const { id } = (await getFlavor(db, 'd', admin))!;
    await setExtraSpecs(db, id, { 'hw:cpu_policy': 'shared', k: 'v' });
    await setExtraSpecs(db, id, { k: 'w' });
    expect((await extraSpecsOf(db, [id])).get(id)).toEqual({ 'hw:cpu_policy': 'shared', k: 'w' });
    expect(await deleteExtraSpec(db, id, 'k')).toBe(true);
    expect(await deleteExtraSpec(db, id, 'k')).toBe(false);
    expect(await deleteFlavor(db, 'd')).toBe(true);
    expect(await deleteFlavor(db, 'd')).toBe(false);
    expect((await extraSpecsOf(db, [id])).get(id)).toEqual({});
  });

  it('keeps keypair names unique per user and counts them against a limit', async () => {
    const k = (userId: string, name: string) => ({
      userId,
      name,
      fingerprint: 'f',
      publicKey: 'ssh-ed25519 AAAA',
      type: 'ssh' as const,
    });
    const first = await insertKeypair(db, k('u1', 'b-key'), 2, new Date());
    expect('row' in first && typeof first.row.id).toBe('number');
    expect(await insertKeypair(db, k('u1', 'b-key'), 5, new Date())).toEqual({ taken: true });
    expect('row' in (await insertKeypair(db, k('u2', 'b-key'), 2, new Date()))).toBe(true);
    expect('row' in (await insertKeypair(db, k('u1', 'a-key'), 2, new Date()))).toBe(true);
    expect(await insertKeypair(db, k('u1', 'c-key'), 2, new Date())).toEqual({ overLimit: true });
    expect(await countKeypairs(db, 'u1')).toBe(2);
    expect((await listKeypairs(db, 'u1', {})).map((r) => r.name)).toEqual(['a-key', 'b-key']);
    expect(
      (await listKeypairs(db, 'u1', { marker: 'a-key', limit: 5 })).map((r) => r.name),
    ).toEqual(['b-key']);
    expect(await deleteKeypair(db, 'u1', 'a-key')).toBe(true);
    expect(await getKeypair(db, 'u1', 'a-key')).toBeUndefined();
    expect((await getKeypair(db, 'u2', 'b-key'))?.user_id).toBe('u2');
  });

  it('stores server groups with rules and members, within a per-project limit', async () => {
    const g = (id: string, projectId: string) => ({
      id,
      name: `g-${id}`,
      projectId,
      userId: 'u1',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 2 },
    });
    expect(
      (await insertServerGroup(db, g('g1', 'p1'), 2, new Date(Date.UTC(2026, 0, 1))))?.rules,
    ).toEqual({ max_server_per_host: 2 });
    await insertServerGroup(db, g('g2', 'p1'), 2, new Date(Date.UTC(2026, 0, 2)));
    expect(await insertServerGroup(db, g('g3', 'p1'), 2, new Date())).toBeUndefined();
    await insertServerGroup(db, g('g4', 'p2'), -1, new Date(Date.UTC(2026, 0, 3)));
    await db
      .insertInto('compute_server_group_member')
      .values({ group_id: 'g1', instance_uuid: 'i1' })
      .execute();
    expect((await getServerGroup(db, 'g1'))?.members).toEqual(['i1']);
    expect(await countServerGroups(db, 'p1')).toBe(2);
    expect((await listServerGroups(db, { projectId: 'p1' })).map((x) => x.id)).toEqual([
      'g1',
      'g2',
    ]);
    expect((await listServerGroups(db, { offset: 1 })).map((x) => x.id)).toEqual(['g2', 'g4']);
    expect((await listServerGroups(db, { limit: 1, offset: 1 })).map((x) => x.id)).toEqual(['g2']);
    expect(await deleteServerGroup(db, 'g1')).toBe(true);
    expect(await deleteServerGroup(db, 'g1')).toBe(false);
    expect(await db.selectFrom('compute_server_group_member').selectAll().execute()).toEqual([]);
  });

  it('keeps project, user and class limits apart', async () => {
    await setStoredLimits(db, 'p1', undefined, { cores: 5, ram: 100 });
    await setStoredLimits(db, 'p1', undefined, { cores: 6 });
    await setStoredLimits(db, 'p1', 'u1', { key_pairs: 2 });
    expect(await storedLimits(db, 'p1')).toEqual({ cores: 6, ram: 100 });
    expect(await storedLimits(db, 'p1', 'u1')).toEqual({ key_pairs: 2 });
    await deleteStoredLimits(db, 'p1', 'u1');
    expect(await storedLimits(db, 'p1', 'u1')).toEqual({});
    expect(await storedLimits(db, 'p1')).toEqual({ cores: 6, ram: 100 });
    await deleteStoredLimits(db, 'p1');
    expect(await storedLimits(db, 'p1')).toEqual({});
    await setClassLimits(db, 'default', { instances: 3 });
    await setClassLimits(db, 'default', { instances: 4, cores: -1 });
    expect(await classLimits(db, 'default')).toEqual({ instances: 4, cores: -1 });
    expect(await classLimits(db, 'gold')).toEqual({});
  });
});
