/**
 * Which security groups a port is in. Ports of the network itself (device owner
 * `network:*`: DHCP, router interfaces, gateways, floating IPs) are trusted and in none;
 * a port without port security can be in none; any other port is in the groups it names,
 * which must be its own project's, or else in its project's default group.
 */
import { fromDbBool } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import type { NetworkTx } from '../store/db.ts';
import type { PortTable } from '../store/tables.ts';
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

/**
 * The groups a port is in after an update, or undefined when they stay. Naming groups needs
 * port security; turning port security off needs the groups gone (in the same request or
 * before), as Neutron insists.
 */
export async function groupsAfterUpdate(env: NetworkEnv, port: PortTable, a: Record<string, unknown>, portSecurity: boolean): Promise<string[] | undefined> {
  const owner = (a.device_owner as string | undefined) ?? port.device_owner;
  const requested = a.security_groups as string[] | undefined;
  if (requested !== undefined) {
    if (isTrustedPort(owner)) return [];
    if (requested.length && !portSecurity) throw securityGroupErrors.portSecurityAndIpRequired();
    await checkPortGroups(env, port.project_id, requested);
    return requested;
  }
  if (!portSecurity && fromDbBool(port.port_security_enabled)) {
    const current = (await portGroupIds(env.db, [port.id])).get(port.id) ?? [];
    if (current.length) throw securityGroupErrors.portHasSecurityGroup();
  }
  if (portSecurity && !fromDbBool(port.port_security_enabled) && !isTrustedPort(owner)) {
    // Port security back on: the port joins its project's default group, as a new port would.
    const current = (await portGroupIds(env.db, [port.id])).get(port.id) ?? [];
    if (!current.length) return [await ensureDefaultSecurityGroup(env, port.project_id)];
  }
  return undefined;
}
