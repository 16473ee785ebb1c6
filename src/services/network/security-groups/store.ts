import { randomUUID } from 'node:crypto';
import { isUniqueViolation, toDbBool } from '../../../core/db/index.ts';
import type { NetworkDb, NetworkTx } from '../store/db.ts';
import { newStandardAttributes, reviseRow } from '../store/rows.ts';
import type { SecurityGroupRuleTable, SecurityGroupTable } from '../store/tables.ts';
import { securityGroupErrors } from './errors.ts';
import type { NormalizedRule } from './rules.ts';

export async function getSecurityGroupRow(db: NetworkTx, id: string): Promise<SecurityGroupTable | undefined> {
  return db.selectFrom('network_security_group').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getRuleRow(db: NetworkTx, id: string): Promise<SecurityGroupRuleTable | undefined> {
  return db.selectFrom('network_security_group_rule').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function rulesOf(db: NetworkTx, groupIds: readonly string[]): Promise<SecurityGroupRuleTable[]> {
  if (!groupIds.length) return [];
  return db.selectFrom('network_security_group_rule').selectAll().where('security_group_id', 'in', groupIds).orderBy('created_at').orderBy('id').execute();
}

/** The project's default group id, if it has one. */
export async function defaultGroupOf(db: NetworkTx, projectId: string): Promise<string | undefined> {
  const row = await db.selectFrom('network_default_security_group').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
  return row?.security_group_id;
}

/** Which of these groups are some project's default group. */
export async function defaultGroupIds(db: NetworkTx, groupIds: readonly string[]): Promise<Set<string>> {
  if (!groupIds.length) return new Set();
  const rows = await db.selectFrom('network_default_security_group').select('security_group_id').where('security_group_id', 'in', groupIds).execute();
  return new Set(rows.map((r) => r.security_group_id));
}

export async function insertSecurityGroup(
  tx: NetworkTx,
  g: { id: string; projectId: string; name: string; description: string; stateful: boolean },
  now: Date,
): Promise<void> {
  await tx
    .insertInto('network_security_group')
    .values({ id: g.id, project_id: g.projectId, name: g.name, stateful: toDbBool(g.stateful), ...newStandardAttributes(now, g.description) })
    .execute();
}

/**
 * Inserts a rule and bumps its group's revision. A rule meaning the same as one the group
 * has is SecurityGroupRuleExists naming that rule; the unique key on the fingerprint makes
 * this hold also when two such requests race.
 */
export async function insertRule(
  tx: NetworkTx,
  rule: NormalizedRule & { id?: string; projectId: string; securityGroupId: string; description: string },
  now: Date,
): Promise<string> {
  // Bumping the group first takes its row lock, so rule inserts into one group queue up
  // behind each other and each sees the rules committed before it.
  await reviseRow(tx, 'network_security_group', rule.securityGroupId, {}, now);
  const existing = await tx
    .selectFrom('network_security_group_rule')
    .select('id')
    .where('security_group_id', '=', rule.securityGroupId)
    .where('fingerprint', '=', rule.fingerprint)
    .executeTakeFirst();
  if (existing) throw securityGroupErrors.ruleExists(existing.id);
  const id = rule.id ?? randomUUID();
  await tx
    .insertInto('network_security_group_rule')
    .values({
      id,
      project_id: rule.projectId,
      security_group_id: rule.securityGroupId,
      direction: rule.direction,
      ethertype: rule.ethertype,
      protocol: rule.protocol,
      port_range_min: rule.port_range_min,
      port_range_max: rule.port_range_max,
      remote_ip_prefix: rule.remote_ip_prefix,
      remote_group_id: rule.remote_group_id,
      fingerprint: rule.fingerprint,
      ...newStandardAttributes(now, rule.description),
    })
    .execute();
  return id;
}

/** Runs `work`; a unique violation on the rule fingerprint (a racing twin) becomes SecurityGroupRuleExists. */
export async function withDuplicateCheck<T>(db: NetworkDb, securityGroupId: string, fingerprints: readonly string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const twin = await db
      .selectFrom('network_security_group_rule')
      .select('id')
      .where('security_group_id', '=', securityGroupId)
      .where('fingerprint', 'in', fingerprints as string[])
      .executeTakeFirst();
    if (twin) throw securityGroupErrors.ruleExists(twin.id);
    throw err;
  }
}
