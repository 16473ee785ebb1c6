import { fromDbBool } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import type { PortGroupSpec } from '../drivers.ts';
import { guarded } from '../networks/data-plane.ts';
import { getSecurityGroupRow, rulesOf } from './store.ts';
import { protocolNumber } from './rules.ts';
import { formatCidr, parseCidr } from '../ipam/address.ts';

/** Brings the group's port group and ACLs in line with the database, at the group's revision. */
export async function pushSecurityGroup(env: NetworkEnv, securityGroupId: string): Promise<void> {
  const g = await getSecurityGroupRow(env.db, securityGroupId);
  if (!g) return;
  const rules = await rulesOf(env.db, [securityGroupId]);
  const spec: PortGroupSpec = {
    securityGroupId,
    revision: g.revision_number,
    name: g.name,
    projectId: g.project_id,
    stateful: fromDbBool(g.stateful),
    rules: rules.map((r) => {
      const proto = protocolNumber(r.protocol);
      return {
        ruleId: r.id,
        direction: r.direction as 'ingress' | 'egress',
        ethertype: r.ethertype as 'IPv4' | 'IPv6',
        protocol: proto === null ? null : String(proto),
        portRangeMin: r.port_range_min,
        portRangeMax: r.port_range_max,
        remoteIpPrefix: r.remote_ip_prefix === null ? null : formatCidr(parseCidr(r.remote_ip_prefix)!),
        remoteGroupId: r.remote_group_id,
      };
    }),
  };
  await guarded(env, `port group ${securityGroupId}`, () => env.driver.syncPortGroup(spec));
}

export async function removeSecurityGroup(env: NetworkEnv, securityGroupId: string): Promise<void> {
  await guarded(env, `port group ${securityGroupId}`, () => env.driver.deletePortGroup(securityGroupId));
}
