import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { networkErrors } from '../errors.ts';
import { withAllocationRetry } from '../ipam/allocator.ts';
import { pushSecurityGroup } from '../security-groups/data-plane.ts';
import { ensureDefaultSecurityGroup } from '../security-groups/default-group.ts';
import { securityGroupErrors } from '../security-groups/errors.ts';
import { normalizeRule, parseProtocol, type RuleRequest } from '../security-groups/rules.ts';
import { getRuleRow, getSecurityGroupRow, insertRule, withDuplicateCheck } from '../security-groups/store.ts';
import { reviseRow } from '../store/rows.ts';
import type { SecurityGroupRuleTable, SecurityGroupTable } from '../store/tables.ts';
import { callerProject, isAdmin } from './access.ts';
import { convert, parseResourceBody, type AttributeMap } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields, type ListSpec } from './neutron-list.ts';
import { ruleView } from './security-group-views.ts';
import { visibleSecurityGroup } from './security-group-routes.ts';

const portValue = convert.nullable(convert.int(-(2 ** 31), 2 ** 31 - 1));

const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  security_group_id: { post: true, put: false, required: true, convert: convert.uuid },
  direction: { post: true, put: false, required: true, convert: convert.oneOf(['ingress', 'egress']) },
  ethertype: { post: true, put: false, convert: convert.oneOf(['IPv4', 'IPv6']) },
  protocol: { post: true, put: false, convert: (v) => parseProtocol(v) },
  port_range_min: { post: true, put: false, convert: portValue },
  port_range_max: { post: true, put: false, convert: portValue },
  remote_ip_prefix: { post: true, put: false, convert: convert.nullable(convert.string(64)) },
  // Not checked as a UUID: an id that names no group is SecurityGroupNotFound (404), as in Neutron.
  remote_group_id: { post: true, put: false, convert: convert.nullable(convert.string(255)) },
  description: { post: true, put: false, convert: convert.string(255) },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
};

export const RULE_LIST: ListSpec = {
  collection: 'security_group_rules',
  columns: {
    id: { column: 'network_security_group_rule.id', kind: 'string' },
    tenant_id: { column: 'network_security_group_rule.project_id', kind: 'string' },
    project_id: { column: 'network_security_group_rule.project_id', kind: 'string' },
    security_group_id: { column: 'network_security_group_rule.security_group_id', kind: 'string' },
    direction: { column: 'network_security_group_rule.direction', kind: 'string' },
    ethertype: { column: 'network_security_group_rule.ethertype', kind: 'string' },
    protocol: { column: 'network_security_group_rule.protocol', kind: 'string', sortable: false },
    port_range_min: { column: 'network_security_group_rule.port_range_min', kind: 'int', sortable: false },
    port_range_max: { column: 'network_security_group_rule.port_range_max', kind: 'int', sortable: false },
    remote_ip_prefix: { column: 'network_security_group_rule.remote_ip_prefix', kind: 'string', sortable: false },
    remote_group_id: { column: 'network_security_group_rule.remote_group_id', kind: 'string', sortable: false },
    description: { column: 'network_security_group_rule.description', kind: 'string' },
    revision_number: { column: 'network_security_group_rule.revision_number', kind: 'int' },
    created_at: { column: 'network_security_group_rule.created_at', kind: 'string' },
    updated_at: { column: 'network_security_group_rule.updated_at', kind: 'string' },
  },
};

function ruleTarget(r: { project_id: string }, g: SecurityGroupTable | undefined): Record<string, unknown> {
  return { project_id: r.project_id, tenant_id: r.project_id, 'security_group:project_id': g?.project_id, 'security_group:tenant_id': g?.project_id };
}

async function visibleRule(env: NetworkEnv, call: ApiCall, id: string): Promise<{ rule: SecurityGroupRuleTable; group: SecurityGroupTable | undefined }> {
  const rule = await getRuleRow(env.db, id);
  if (!rule) throw securityGroupErrors.ruleNotFound(id);
  const group = await getSecurityGroupRow(env.db, rule.security_group_id);
  if (!call.can('get_security_group_rule', ruleTarget(rule, group))) throw securityGroupErrors.ruleNotFound(id);
  return { rule, group };
}

export function securityGroupRuleRoutes(env: NetworkEnv): RouteSpec[] {
  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/security-group-rules',
    policy: 'create_security_group_rule',
    status: 201,
    target: async (call) => {
      const body = (call.body as { security_group_rule?: Record<string, unknown> } | undefined)?.security_group_rule ?? {};
      if (typeof body.security_group_id !== 'string') return { project_id: callerProject(call) };
      const g = await visibleSecurityGroup(env, call, body.security_group_id.toLowerCase());
      const project = (body.project_id ?? body.tenant_id ?? g.project_id) as string;
      return ruleTarget({ project_id: project }, g);
    },
    async handler(call) {
      const a = parseResourceBody(call.body, 'security_group_rule', ATTRS, 'post');
      const group = await visibleSecurityGroup(env, call, a.security_group_id as string);
      const projectId = (a.project_id ?? a.tenant_id ?? group.project_id) as string;
      const request: RuleRequest = {
        direction: a.direction as 'ingress' | 'egress',
        ethertype: (a.ethertype as 'IPv4' | 'IPv6' | undefined) ?? 'IPv4',
        protocol: (a.protocol as string | null | undefined) ?? null,
        port_range_min: (a.port_range_min as number | null | undefined) ?? null,
        port_range_max: (a.port_range_max as number | null | undefined) ?? null,
        remote_ip_prefix: (a.remote_ip_prefix as string | null | undefined) ?? null,
        remote_group_id: (a.remote_group_id as string | null | undefined)?.toLowerCase() ?? null,
      };
      const rule = normalizeRule(request);
      if (rule.remote_group_id !== null && rule.remote_group_id !== group.id) {
        const remote = await getSecurityGroupRow(env.db, rule.remote_group_id);
        if (!remote || (remote.project_id !== group.project_id && !isAdmin(call))) throw securityGroupErrors.notFound(rule.remote_group_id);
      }
      const id = await withDuplicateCheck(env.db, group.id, [rule.fingerprint], () =>
        // A racing twin's insert (unique key) or a broken lock cycle runs the insert again, which then finds the twin.
        withAllocationRetry(
          env.db,
          env.settings.ipam_retries,
          async (tx) => {
            await enforceQuota(tx, env.settings, projectId, 'security_group_rule');
            return insertRule(tx, { ...rule, projectId, securityGroupId: group.id, description: (a.description as string | undefined) ?? '' }, env.now());
          },
          () => networkErrors.conflict(`Security group ${group.id} is being changed by other requests; retry.`),
        ),
      );
      await pushSecurityGroup(env, group.id);
      return { security_group_rule: ruleView((await getRuleRow(env.db, id))!) };
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/security-group-rules',
    policy: 'get_security_group_rule',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, RULE_LIST, env.settings.pagination_max_limit);
      if (callerProject(call)) await ensureDefaultSecurityGroup(env, callerProject(call));
      let marker: SecurityGroupRuleTable | undefined;
      if (q.marker !== undefined) {
        marker = await getRuleRow(env.db, q.marker);
        if (!marker) throw securityGroupErrors.ruleNotFound(q.marker);
      }
      let qb = env.db
        .selectFrom('network_security_group_rule')
        .innerJoin('network_security_group', 'network_security_group.id', 'network_security_group_rule.security_group_id')
        .selectAll('network_security_group_rule')
        .select('network_security_group.project_id as group_project_id');
      if (!isAdmin(call)) {
        const project = callerProject(call);
        qb = qb.where((eb) => eb.or([eb('network_security_group_rule.project_id', '=', project), eb('network_security_group.project_id', '=', project)]));
      }
      qb = applyFilters(qb, q, 'security_group_rules', 'network_security_group_rule.id');
      const rows = (await fetchPage(qb, q, marker)).filter((r) =>
        call.can('get_security_group_rule', { ...ruleTarget(r, undefined), 'security_group:project_id': r.group_project_id }),
      );
      return listBody(call, RULE_LIST, q, rows.map((r) => {
        const { group_project_id: _, ...row } = r;
        return selectFields(ruleView(row), q.fields);
      }), rows.map((r) => r.id));
    },
  });

  const idOf = (call: ApiCall) => (call.params as { rule_id: string }).rule_id;
  const targetOf = async (call: ApiCall) => {
    const { rule, group } = await visibleRule(env, call, idOf(call));
    return ruleTarget(rule, group);
  };

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/security-group-rules/:rule_id',
    policy: 'get_security_group_rule',
    target: targetOf,
    async handler(call) {
      const rule = await getRuleRow(env.db, idOf(call));
      if (!rule) throw securityGroupErrors.ruleNotFound(idOf(call));
      return { security_group_rule: selectFields(ruleView(rule), fieldsParam(call)) };
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/security-group-rules/:rule_id',
    policy: 'delete_security_group_rule',
    status: 204,
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const groupId = await env.db.transaction().execute(async (tx) => {
        const rule = await getRuleRow(tx, id);
        if (!rule) throw securityGroupErrors.ruleNotFound(id);
        await tx.deleteFrom('network_security_group_rule').where('id', '=', id).execute();
        await reviseRow(tx, 'network_security_group', rule.security_group_id, {}, env.now());
        return rule.security_group_id;
      });
      await pushSecurityGroup(env, groupId);
      return undefined;
    },
  });

  return [create, list, show, remove];
}

