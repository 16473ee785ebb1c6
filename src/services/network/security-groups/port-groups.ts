/**
 * Which security groups a port is in. Ports of the network itself (device owner
 * `network:*`: DHCP, router interfaces, gateways, floating IPs) are trusted and in none;
 * a port without port security can be in none; any other port is in the groups it names,
 * which must be its own project's, or else in its project's default group.
 */
import type { NetworkEnv } from '../env.ts';
import type { NetworkTx } from '../store/db.ts';
import { ensureDefaultSecurityGroup } from './default-group.ts';
import { securityGroupErrors } from './errors.ts';

export const isTrustedPort = (deviceOwner: string) => deviceOwner.startsWith('network:');

/** Checks that every named group exists and belongs to the port's project. */
export async function checkPortGroups(env: NetworkEnv, projectId: string, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const rows = await env.db.selectFrom('network_security_group').select(['id', 'project_id']).where('id', 'in', ids as string[]).execute();
  const valid = new Set(rows.filter((r) => r.project_id === projectId).map((r) => r.id));
  const missing = ids.filter((id) => !valid.has(id));
  if (missing.length) throw securityGroupErrors.notFound(missing.join(', '));
}

/** The groups of a new port. */
export async function groupsForNewPort(
  env: NetworkEnv,
  port: { projectId: string; deviceOwner: string; portSecurity: boolean; requested: readonly string[] | undefined },
): Promise<string[]> {
  if (isTrustedPort(port.deviceOwner)) return [];
  if (!port.portSecurity) {
    if (port.requested?.length) throw securityGroupErrors.portSecurityAndIpRequired();
    return [];
  }
  if (port.requested !== undefined) {
    await checkPortGroups(env, port.projectId, port.requested);
    return [...port.requested];
  }
  return [await ensureDefaultSecurityGroup(env, port.projectId)];
}

export async function portGroupIds(db: NetworkTx, portIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(portIds.map((id) => [id, []]));
  if (!portIds.length) return out;
  const rows = await db
    .selectFrom('network_port_security_group')
    .select(['port_id', 'security_group_id'])
    .where('port_id', 'in', portIds as string[])
    .orderBy('security_group_id')
    .execute();
  for (const r of rows) out.get(r.port_id)?.push(r.security_group_id);
  return out;
}

export async function setPortGroups(tx: NetworkTx, portId: string, ids: readonly string[]): Promise<void> {
  await tx.deleteFrom('network_port_security_group').where('port_id', '=', portId).execute();
  if (ids.length) {
    await tx.insertInto('network_port_security_group').values(ids.map((sg) => ({ port_id: portId, security_group_id: sg }))).execute();
  }
}
