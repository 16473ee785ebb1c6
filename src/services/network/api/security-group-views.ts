import { fromDbBool } from '../../../core/db/index.ts';
import { formatCidr, parseCidr } from '../ipam/address.ts';
import type { SecurityGroupRuleTable, SecurityGroupTable } from '../store/tables.ts';
import { standardAttributes } from './views.ts';

export function ruleView(r: SecurityGroupRuleTable): Record<string, unknown> {
  return {
    id: r.id,
    project_id: r.project_id,
    tenant_id: r.project_id,
    security_group_id: r.security_group_id,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.port_range_min,
    port_range_max: r.port_range_max,
    remote_ip_prefix: r.remote_ip_prefix,
    normalized_cidr: r.remote_ip_prefix === null ? null : formatCidr(parseCidr(r.remote_ip_prefix)!),
    remote_group_id: r.remote_group_id,
    ...standardAttributes(r, undefined),
  };
}

export function securityGroupView(g: SecurityGroupTable, rules: readonly SecurityGroupRuleTable[], tags: readonly string[]): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    project_id: g.project_id,
    tenant_id: g.project_id,
    stateful: fromDbBool(g.stateful),
    security_group_rules: rules.map(ruleView),
    ...standardAttributes(g, tags),
  };
}
