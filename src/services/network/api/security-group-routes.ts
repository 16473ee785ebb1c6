import { randomUUID } from 'node:crypto';
import { fromDbBool, isForeignKeyViolation, toDbBool } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { pushSecurityGroup, removeSecurityGroup } from '../security-groups/data-plane.ts';
import { ensureDefaultSecurityGroup } from '../security-groups/default-group.ts';
import { securityGroupErrors } from '../security-groups/errors.ts';
import { normalizeRule } from '../security-groups/rules.ts';
import { defaultGroupIds, getSecurityGroupRow, insertRule, insertSecurityGroup, rulesOf } from '../security-groups/store.ts';
import { reviseRow } from '../store/rows.ts';
import type { SecurityGroupTable } from '../store/tables.ts';
import { dropTags, tagsOf } from '../store/tags.ts';
import { authorizeAttributes, callerProject, isAdmin } from './access.ts';
import { convert, parseResourceBody, type AttributeMap } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields, type ListSpec } from './neutron-list.ts';
import { securityGroupView } from './security-group-views.ts';

const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true, convert: convert.string(255) },
  description: { post: true, put: true, convert: convert.string(255) },
  stateful: { post: true, put: true, convert: convert.bool },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
  security_group_rules: { post: false, put: false },
};

export const SECURITY_GROUP_LIST: ListSpec = {
  collection: 'security_groups',
  columns: {
    id: { column: 'network_security_group.id', kind: 'string' },
    name: { column: 'network_security_group.name', kind: 'string' },
    description: { column: 'network_security_group.description', kind: 'string' },
    tenant_id: { column: 'network_security_group.project_id', kind: 'string' },
    project_id: { column: 'network_security_group.project_id', kind: 'string' },
    stateful: { column: 'network_security_group.stateful', kind: 'bool' },
    revision_number: { column: 'network_security_group.revision_number', kind: 'int' },
    created_at: { column: 'network_security_group.created_at', kind: 'string' },
    updated_at: { column: 'network_security_group.updated_at', kind: 'string' },
  },
};

export function securityGroupTarget(g: SecurityGroupTable): Record<string, unknown> {
  return { id: g.id, project_id: g.project_id, tenant_id: g.project_id };
}

/** The group if the caller may see it; SecurityGroupNotFound otherwise. */
export async function visibleSecurityGroup(env: NetworkEnv, call: ApiCall, id: string): Promise<SecurityGroupTable> {
  const g = await getSecurityGroupRow(env.db, id);
  if (!g || !call.can('get_security_group', securityGroupTarget(g))) throw securityGroupErrors.notFound(id);
  return g;
}

async function views(env: NetworkEnv, rows: readonly SecurityGroupTable[], fields?: readonly string[]) {
  const ids = rows.map((r) => r.id);
  const [rules, tags] = await Promise.all([rulesOf(env.db, ids), tagsOf(env.db, 'security_groups', ids)]);
  return rows.map((g) =>
    selectFields(securityGroupView(g, rules.filter((r) => r.security_group_id === g.id), tags.get(g.id) ?? []), fields),
  );
}

async function showGroup(env: NetworkEnv, id: string, fields?: readonly string[]) {
  const g = await getSecurityGroupRow(env.db, id);
  if (!g) throw securityGroupErrors.notFound(id);
  return { security_group: (await views(env, [g], fields))[0] };
}

function ownerProject(call: ApiCall, a: Record<string, unknown>): string {
  return (a.project_id ?? a.tenant_id ?? callerProject(call)) as string;
}

/** The project a list is for: its project_id/tenant_id filter, else the caller's. */
function listedProject(call: ApiCall): string {
  const q = call.query as Record<string, unknown>;
  const f = q.project_id ?? q.tenant_id;
  const first = Array.isArray(f) ? f[0] : f;
  return typeof first === 'string' && first !== '' ? first : callerProject(call);
}

export function securityGroupRoutes(env: NetworkEnv): RouteSpec[] {
  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/security-groups',
    policy: 'create_security_group',
    status: 201,
    target: (call) => {
      const body = (call.body as { security_group?: Record<string, unknown> } | undefined)?.security_group ?? {};
      const project = ownerProject(call, body);
      return { project_id: project, tenant_id: project };
    },
    async handler(call) {
      const a = parseResourceBody(call.body, 'security_group', ATTRS, 'post');
      const projectId = ownerProject(call, a);
      authorizeAttributes(call, 'create_security_group', a, { project_id: projectId });
      const name = (a.name as string | undefined) ?? '';
      await ensureDefaultSecurityGroup(env, projectId);
      if (name === 'default') throw securityGroupErrors.defaultAlreadyExists();
      const id = randomUUID();
      const now = env.now();
      await env.db.transaction().execute(async (tx) => {
        await enforceQuota(tx, env.settings, projectId, 'security_group');
        await insertSecurityGroup(tx, { id, projectId, name, description: (a.description as string | undefined) ?? '', stateful: (a.stateful as boolean | undefined) ?? true }, now);
        // Every new group lets everything out, as Neutron's do.
        for (const ethertype of ['IPv4', 'IPv6'] as const) {
          const rule = normalizeRule({ direction: 'egress', ethertype, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null });
          await insertRule(tx, { ...rule, projectId, securityGroupId: id, description: '' }, now);
        }
      });
      await pushSecurityGroup(env, id);
      return showGroup(env, id);
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/security-groups',
    policy: 'get_security_group',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, SECURITY_GROUP_LIST, env.settings.pagination_max_limit);
      const project = listedProject(call);
      if (project && (project === callerProject(call) || isAdmin(call))) await ensureDefaultSecurityGroup(env, project);
      let marker: SecurityGroupTable | undefined;
      if (q.marker !== undefined) {
        marker = await getSecurityGroupRow(env.db, q.marker);
        if (!marker) throw securityGroupErrors.notFound(q.marker);
      }
      let qb = env.db.selectFrom('network_security_group').selectAll('network_security_group');
      if (!isAdmin(call)) qb = qb.where('network_security_group.project_id', '=', callerProject(call));
      qb = applyFilters(qb, q, 'security_groups', 'network_security_group.id');
      const rows = (await fetchPage(qb, q, marker)).filter((g) => call.can('get_security_group', securityGroupTarget(g)));
      return listBody(call, SECURITY_GROUP_LIST, q, await views(env, rows, q.fields), rows.map((r) => r.id));
    },
  });

  const idOf = (call: ApiCall) => (call.params as { security_group_id: string }).security_group_id;
  const targetOf = async (call: ApiCall) => securityGroupTarget(await visibleSecurityGroup(env, call, idOf(call)));

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/security-groups/:security_group_id',
    policy: 'get_security_group',
    target: targetOf,
    handler: (call) => showGroup(env, idOf(call), fieldsParam(call)),
  });

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/security-groups/:security_group_id',
    policy: 'update_security_group',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const a = parseResourceBody(call.body, 'security_group', ATTRS, 'put');
      const g = (await getSecurityGroupRow(env.db, id))!;
      const isDefault = (await defaultGroupIds(env.db, [id])).has(id);
      if (isDefault && 'name' in a && a.name !== 'default') throw securityGroupErrors.cannotUpdateDefault();
      if (!isDefault && a.name === 'default') throw securityGroupErrors.defaultAlreadyExists();
      const changes: Record<string, unknown> = {};
      if ('name' in a) changes.name = a.name;
      if ('description' in a) changes.description = a.description;
      await env.db.transaction().execute(async (tx) => {
        if ('stateful' in a && a.stateful !== fromDbBool(g.stateful)) {
          const used = await tx.selectFrom('network_port_security_group').select('port_id').where('security_group_id', '=', id).limit(1).executeTakeFirst();
          if (used) throw securityGroupErrors.inUse(id, 'in use: its stateful setting cannot change while ports use it');
          changes.stateful = toDbBool(a.stateful as boolean);
        }
        if (Object.keys(changes).length) await reviseRow(tx, 'network_security_group', id, changes, env.now());
      });
      await pushSecurityGroup(env, id);
      return showGroup(env, id);
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/security-groups/:security_group_id',
    policy: 'delete_security_group',
    status: 204,
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      if ((await defaultGroupIds(env.db, [id])).has(id) && !isAdmin(call)) throw securityGroupErrors.cannotRemoveDefault();
      let referencing: string[] = [];
      try {
        referencing = await env.db.transaction().execute(async (tx) => {
          const used = await tx.selectFrom('network_port_security_group').select('port_id').where('security_group_id', '=', id).limit(1).executeTakeFirst();
          if (used) throw securityGroupErrors.inUse(id);
          // Rules of other groups that name this one as their remote group go with it.
          const others = await tx
            .selectFrom('network_security_group_rule')
            .select(['id', 'security_group_id'])
            .where('remote_group_id', '=', id)
            .where('security_group_id', '!=', id)
            .execute();
          const groups = [...new Set(others.map((r) => r.security_group_id))];
          await tx.deleteFrom('network_security_group_rule').where((eb) => eb.or([eb('security_group_id', '=', id), eb('remote_group_id', '=', id)])).execute();
          for (const other of groups) await reviseRow(tx, 'network_security_group', other, {}, env.now());
          await tx.deleteFrom('network_default_security_group').where('security_group_id', '=', id).execute();
          await dropTags(tx, 'security_groups', id);
          const deleted = await tx.deleteFrom('network_security_group').where('id', '=', id).executeTakeFirst();
          if (Number(deleted.numDeletedRows) === 0) throw securityGroupErrors.notFound(id);
          return groups;
        });
      } catch (err) {
        // A port joined the group between our check and the delete.
        if (isForeignKeyViolation(err)) throw securityGroupErrors.inUse(id);
        throw err;
      }
      for (const other of referencing) await pushSecurityGroup(env, other);
      await removeSecurityGroup(env, id);
      return undefined;
    },
  });

  return [create, list, show, update, remove];
}
