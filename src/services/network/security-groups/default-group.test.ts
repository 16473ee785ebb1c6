import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemoryNetworkDriver } from '../../../../test/support/network-memory-driver.ts';
import { loadConfig } from '../../../core/config/index.ts';
import { migrateToLatest, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { silentLogger } from '../../../core/observability/index.ts';
import { networkConfig } from '../config.ts';
import type { NetworkEnv } from '../env.ts';
import { networkMigrations } from '../store/migrations/index.ts';
import type { NetworkTables } from '../store/tables.ts';
import { ensureDefaultSecurityGroup } from './default-group.ts';
import { normalizeRule } from './rules.ts';
import { insertRule, insertSecurityGroup, withDuplicateCheck } from './store.ts';

describeEachDialect('security group store', (suite) => {
  // Separate pools stand in for separate API processes (one on SQLite: see allocator.test.ts).
  const handles: Array<Database<NetworkTables>> = [];
  const envs: NetworkEnv[] = [];

  beforeAll(async () => {
    const first = await suite.open<NetworkTables>();
    await migrateToLatest(first as unknown as Database, 'network', networkMigrations);
    handles.push(first);
    if (suite.dialect !== 'sqlite') handles.push(await suite.open<NetworkTables>(), await suite.open<NetworkTables>());
    const settings = loadConfig([networkConfig], { env: {} }).section(networkConfig);
    const driver = new MemoryNetworkDriver();
    for (const h of handles) envs.push({ db: h.kysely, settings, driver, logger: silentLogger(), now: () => new Date() });
  }, 120_000);
  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  it('gives a project exactly one default group when many first requests race', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => ensureDefaultSecurityGroup(envs[i % envs.length]!, 'project-race')));
    expect(new Set(ids).size).toBe(1);
    const db = handles[0]!.kysely;
    const groups = await db.selectFrom('network_security_group').select('id').where('project_id', '=', 'project-race').execute();
    expect(groups.map((g) => g.id)).toEqual([ids[0]]);
    const rules = await db.selectFrom('network_security_group_rule').select('id').where('security_group_id', '=', ids[0]!).execute();
    expect(rules).toHaveLength(4);
  }, 120_000);

  it('keeps one of several identical rules inserted at once', async () => {
    const db = handles[0]!.kysely;
    const sg = 'b7c9a3f0-0000-4000-8000-000000000001';
    await insertSecurityGroup(db, { id: sg, projectId: 'p', name: 'g', description: '', stateful: true }, new Date());
    const rule = normalizeRule({ direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: null, remote_group_id: null });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 9 }, (_, i) => {
        const h = handles[i % handles.length]!.kysely;
        return withDuplicateCheck(h, sg, [rule.fingerprint], () =>
          h.transaction().execute((tx) => insertRule(tx, { ...rule, projectId: 'p', securityGroupId: sg, description: '' }, new Date())),
        );
      }),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ status: 409, code: 'network.SecurityGroupRuleExists' });
    const rows = await db.selectFrom('network_security_group_rule').select('id').where('security_group_id', '=', sg).execute();
    expect(rows).toHaveLength(1);
  }, 120_000);
});
