/**
 * Every project has a security group named `default`, made the first time the project
 * needs one (as Neutron does: creating a network or a port, listing or creating security
 * groups, listing rules). It lets the group's members talk to each other and lets
 * everything out. The one-row-per-project table decides which of two racing requests
 * made it; the loser's transaction rolls back and it uses the winner's group.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import { isSerializationFailure } from '../ipam/allocator.ts';
import { defaultGroupOf, insertRule, insertSecurityGroup } from './store.ts';
import { normalizeRule, type RuleRequest } from './rules.ts';
import { pushSecurityGroup } from './data-plane.ts';

function defaultRules(groupId: string): RuleRequest[] {
  const any = { protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null };
  return [
    { ...any, direction: 'egress', ethertype: 'IPv4', remote_group_id: null },
    { ...any, direction: 'egress', ethertype: 'IPv6', remote_group_id: null },
    { ...any, direction: 'ingress', ethertype: 'IPv4', remote_group_id: groupId },
    { ...any, direction: 'ingress', ethertype: 'IPv6', remote_group_id: groupId },
  ];
}

/** The project's default group id, created with its rules when the project has none. */
export async function ensureDefaultSecurityGroup(env: NetworkEnv, projectId: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const existing = await defaultGroupOf(env.db, projectId);
    if (existing) return existing;
    try {
      return await createDefaultGroup(env, projectId);
    } catch (err) {
      // Lost the race (the winner's row is there now), or the database broke a lock cycle between racers.
      if ((!isUniqueViolation(err) && !isSerializationFailure(err)) || attempt >= 5) throw err;
    }
  }
}

async function createDefaultGroup(env: NetworkEnv, projectId: string): Promise<string> {
  const id = randomUUID();
  const now = env.now();
  await env.db.transaction().execute(async (tx) => {
    await insertSecurityGroup(tx, { id, projectId, name: 'default', description: 'Default security group', stateful: true }, now);
    await tx.insertInto('network_default_security_group').values({ project_id: projectId, security_group_id: id }).execute();
    for (const r of defaultRules(id)) {
      await insertRule(tx, { ...normalizeRule(r), projectId, securityGroupId: id, description: '' }, now);
    }
  });
  await pushSecurityGroup(env, id);
  return id;
}
