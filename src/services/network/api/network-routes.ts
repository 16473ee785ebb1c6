import { randomUUID } from 'node:crypto';
import { fromDbBool, toDbBool, toDbJson } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import { withAllocationRetry } from '../ipam/allocator.ts';
import { pushNetwork, removeNetwork } from '../networks/data-plane.ts';
import { insertSegment, maxMtu, validateProvider, type SegmentRequest } from '../networks/segments.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { l3Errors } from '../routers/errors.ts';
import { ensureDefaultSecurityGroup } from '../security-groups/default-group.ts';
import { getNetworkRow, newStandardAttributes, reviseRow } from '../store/rows.ts';
import type { NetworkTable } from '../store/tables.ts';
import { dropTags, tagsOf } from '../store/tags.ts';
import { authorizeAttributes, callerProject, hideAttributes, isAdmin } from './access.ts';
import { convert, parseResourceBody, type AttributeMap } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields, type ListSpec } from './neutron-list.ts';
import { networkView } from './views.ts';

const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true, convert: convert.string(255) },
  description: { post: true, put: true, convert: convert.string(255) },
  admin_state_up: { post: true, put: true, convert: convert.bool },
  shared: { post: true, put: true, convert: convert.bool },
  'router:external': { post: true, put: true, convert: convert.bool },
  mtu: { post: true, put: true, convert: convert.int(68, 65535) },
  port_security_enabled: { post: true, put: true, convert: convert.bool },
  'provider:network_type': { post: true, put: true, convert: convert.string(32) },
  'provider:physical_network': { post: true, put: true, convert: convert.nullable(convert.string(64)) },
  'provider:segmentation_id': { post: true, put: true, convert: convert.nullable(convert.int(0, 2 ** 24 - 1)) },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
  status: { post: false, put: false },
  subnets: { post: false, put: false },
};

export const NETWORK_LIST: ListSpec = {
  collection: 'networks',
  columns: {
    id: { column: 'network_network.id', kind: 'string' },
    name: { column: 'network_network.name', kind: 'string' },
    description: { column: 'network_network.description', kind: 'string' },
    tenant_id: { column: 'network_network.project_id', kind: 'string' },
    project_id: { column: 'network_network.project_id', kind: 'string' },
    admin_state_up: { column: 'network_network.admin_state_up', kind: 'bool' },
    status: { column: 'network_network.status', kind: 'string' },
    shared: { column: 'network_network.shared', kind: 'bool' },
    'router:external': { column: 'network_network.external', kind: 'bool' },
    mtu: { column: 'network_network.mtu', kind: 'int' },
    port_security_enabled: { column: 'network_network.port_security_enabled', kind: 'bool' },
    revision_number: { column: 'network_network.revision_number', kind: 'int' },
    created_at: { column: 'network_network.created_at', kind: 'string' },
    updated_at: { column: 'network_network.updated_at', kind: 'string' },
    'provider:network_type': { column: 'network_segment.network_type', kind: 'string', sortable: false },
    'provider:physical_network': { column: 'network_segment.physical_network', kind: 'string', sortable: false },
    'provider:segmentation_id': { column: 'network_segment.segmentation_id', kind: 'int', sortable: false },
  },
};

/** The policy target of a network: what `owner`, `shared` and `external` read. */
export function networkTarget(n: NetworkTable): Record<string, unknown> {
  return {
    id: n.id,
    project_id: n.project_id,
    tenant_id: n.project_id,
    shared: fromDbBool(n.shared),
    'router:external': fromDbBool(n.external),
    'network:project_id': n.project_id,
    'network:tenant_id': n.project_id,
  };
}

/** The network if the caller may see it; 404 otherwise, whether it exists or not. */
export async function visibleNetwork(env: NetworkEnv, call: ApiCall, id: string): Promise<NetworkTable> {
  const n = await getNetworkRow(env.db, id);
  if (!n || !call.can('get_network', networkTarget(n))) throw networkErrors.networkNotFound(id);
  return n;
}

async function views(env: NetworkEnv, call: ApiCall, rows: readonly NetworkTable[], fields?: readonly string[]) {
  const ids = rows.map((r) => r.id);
  if (!ids.length) return [];
  const [segments, subnets, tags] = await Promise.all([
    env.db.selectFrom('network_segment').selectAll().where('network_id', 'in', ids).execute(),
    env.db.selectFrom('network_subnet').select(['id', 'network_id']).where('network_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
    tagsOf(env.db, 'networks', ids),
  ]);
  return rows.map((n) => {
    const view = networkView(
      n,
      segments.find((s) => s.network_id === n.id),
      subnets.filter((s) => s.network_id === n.id).map((s) => s.id),
      tags.get(n.id) ?? [],
    );
    return selectFields(hideAttributes(call, 'get_network', view, networkTarget(n)), fields);
  });
}

export async function showNetwork(env: NetworkEnv, call: ApiCall, id: string, fields?: readonly string[]) {
  const n = await getNetworkRow(env.db, id);
  if (!n) throw networkErrors.networkNotFound(id);
  const [view] = await views(env, call, [n], fields);
  return { network: view };
}

function providerOf(attrs: Record<string, unknown>): SegmentRequest | undefined {
  const type = attrs['provider:network_type'] as string | undefined;
  const physnet = (attrs['provider:physical_network'] as string | null | undefined) ?? null;
  const segId = (attrs['provider:segmentation_id'] as number | null | undefined) ?? null;
  if (type === undefined) {
    if (physnet !== null || segId !== null) throw networkErrors.invalidInput('provider:network_type required');
    return undefined;
  }
  return { networkType: type, physicalNetwork: physnet, segmentationId: segId };
}

function ownerProject(call: ApiCall, attrs: Record<string, unknown>): string {
  const tenant = attrs.tenant_id as string | undefined;
  const project = attrs.project_id as string | undefined;
  if (tenant !== undefined && project !== undefined && tenant !== project) {
    throw networkErrors.invalidInput("'project_id' and 'tenant_id' do not match");
  }
  return project ?? tenant ?? callerProject(call);
}

export function networkRoutes(env: NetworkEnv): RouteSpec[] {
  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/networks',
    policy: 'create_network',
    status: 201,
    target: (call) => {
      const body = (call.body as { network?: Record<string, unknown> } | undefined)?.network ?? {};
      const project = (body.project_id ?? body.tenant_id ?? callerProject(call)) as string;
      return { project_id: project, tenant_id: project };
    },
    async handler(call) {
      const attrs = parseResourceBody(call.body, 'network', ATTRS, 'post');
      const projectId = ownerProject(call, attrs);
      authorizeAttributes(call, 'create_network', attrs, { project_id: projectId, tenant_id: projectId });
      const provider = providerOf(attrs);
      if (provider) validateProvider(env.settings, provider);
      await ensureDefaultSecurityGroup(env, projectId);
      const id = randomUUID();
      const now = env.now();
      await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          await enforceQuota(tx, env.settings, projectId, 'network');
          await tx
            .insertInto('network_network')
            .values({
              id,
              project_id: projectId,
              name: (attrs.name as string | undefined) ?? '',
              admin_state_up: toDbBool((attrs.admin_state_up as boolean | undefined) ?? true),
              status: 'ACTIVE',
              shared: toDbBool((attrs.shared as boolean | undefined) ?? false),
              external: toDbBool((attrs['router:external'] as boolean | undefined) ?? false),
              mtu: 0,
              port_security_enabled: toDbBool((attrs.port_security_enabled as boolean | undefined) ?? true),
              availability_zone_hints: toDbJson([]),
              ...newStandardAttributes(now, (attrs.description as string | undefined) ?? ''),
            })
            .execute();
          const seg = await insertSegment(tx, env.settings, id, provider, attempt, now);
          // The MTU follows from the segment type: the largest that fits, or what was asked if it fits.
          const limit = maxMtu(env.settings, seg.networkType);
          const mtu = (attrs.mtu as number | undefined) ?? limit;
          if (mtu > limit) throw networkErrors.invalidInput(`Requested MTU is too big, maximum is ${limit}`);
          await tx.updateTable('network_network').set({ mtu }).where('id', '=', id).execute();
        },
        () => networkErrors.noNetworkAvailable(),
      );
      await pushNetwork(env, id);
      return showNetwork(env, call, id);
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/networks',
    policy: 'get_network',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, NETWORK_LIST, env.settings.pagination_max_limit);
      let marker: NetworkTable | undefined;
      if (q.marker !== undefined) {
        marker = await getNetworkRow(env.db, q.marker);
        if (!marker) throw networkErrors.networkNotFound(q.marker);
      }
      let qb = env.db
        .selectFrom('network_network')
        .leftJoin('network_segment', 'network_segment.network_id', 'network_network.id')
        .selectAll('network_network');
      if (!isAdmin(call)) {
        const project = callerProject(call);
        qb = qb.where((eb) => eb.or([eb('network_network.project_id', '=', project), eb('network_network.shared', '=', 1), eb('network_network.external', '=', 1)]));
      }
      qb = applyFilters(qb, q, 'networks', 'network_network.id');
      const rows = (await fetchPage(qb, q, marker)).filter((n) => call.can('get_network', networkTarget(n)));
      return listBody(call, NETWORK_LIST, q, await views(env, call, rows, q.fields), rows.map((r) => r.id));
    },
  });

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/networks/:network_id',
    policy: 'get_network',
    target: async (call) => networkTarget(await visibleNetwork(env, call, (call.params as { network_id: string }).network_id)),
    handler: (call) => showNetwork(env, call, (call.params as { network_id: string }).network_id, fieldsParam(call)),
  });

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/networks/:network_id',
    policy: 'update_network',
    target: async (call) => networkTarget(await visibleNetwork(env, call, (call.params as { network_id: string }).network_id)),
    async handler(call) {
      const id = (call.params as { network_id: string }).network_id;
      const attrs = parseResourceBody(call.body, 'network', ATTRS, 'put');
      const current = (await getNetworkRow(env.db, id))!;
      authorizeAttributes(call, 'update_network', attrs, networkTarget(current));
      const seg = await env.db.selectFrom('network_segment').selectAll().where('network_id', '=', id).executeTakeFirst();
      for (const [attr, now] of [
        ['provider:network_type', seg?.network_type],
        ['provider:physical_network', seg?.physical_network || null],
        ['provider:segmentation_id', seg && seg.network_type !== 'flat' ? Number(seg.segmentation_id) : null],
      ] as const) {
        if (attr in attrs && attrs[attr] !== now) throw networkErrors.invalidInput('Plugin does not support updating provider attributes');
      }
      const changes: Record<string, unknown> = {};
      if ('name' in attrs) changes.name = attrs.name;
      if ('description' in attrs) changes.description = attrs.description;
      if ('admin_state_up' in attrs) changes.admin_state_up = toDbBool(attrs.admin_state_up as boolean);
      if ('port_security_enabled' in attrs) changes.port_security_enabled = toDbBool(attrs.port_security_enabled as boolean);
      if ('router:external' in attrs) changes.external = toDbBool(attrs['router:external'] as boolean);
      if ('mtu' in attrs) {
        const limit = maxMtu(env.settings, seg?.network_type ?? 'local');
        if ((attrs.mtu as number) > limit) throw networkErrors.invalidInput(`Requested MTU is too big, maximum is ${limit}`);
        changes.mtu = attrs.mtu;
      }
      await env.db.transaction().execute(async (tx) => {
        if (attrs.shared === false && fromDbBool(current.shared)) {
          const foreign = await tx
            .selectFrom('network_port')
            .select('id')
            .where('network_id', '=', id)
            .where('project_id', '!=', current.project_id)
            .limit(1)
            .executeTakeFirst();
          if (foreign) throw networkErrors.invalidSharedSetting(id);
        }
        if ('shared' in attrs) changes.shared = toDbBool(attrs.shared as boolean);
        if (attrs['router:external'] === false && fromDbBool(current.external)) {
          const gateway = await tx
            .selectFrom('network_port')
            .select('id')
            .where('network_id', '=', id)
            .where('device_owner', 'in', ['network:router_gateway', 'network:floatingip'])
            .limit(1)
            .executeTakeFirst();
          if (gateway) throw l3Errors.externalNetworkInUse(id);
        }
        if (Object.keys(changes).length) await reviseRow(tx, 'network_network', id, changes, env.now());
      });
      await pushNetwork(env, id);
      return showNetwork(env, call, id);
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/networks/:network_id',
    policy: 'delete_network',
    status: 204,
    target: async (call) => networkTarget(await visibleNetwork(env, call, (call.params as { network_id: string }).network_id)),
    async handler(call) {
      const id = (call.params as { network_id: string }).network_id;
      const subnetIds = await env.db.transaction().execute(async (tx) => {
        // Ports the network owns itself (DHCP) go with it; any other port keeps it in use.
        const inUse = await tx
          .selectFrom('network_port')
          .select('id')
          .where('network_id', '=', id)
          .where('device_owner', '!=', 'network:dhcp')
          .limit(1)
          .executeTakeFirst();
        if (inUse) throw networkErrors.networkInUse(id);
        const ports = await tx.selectFrom('network_port').select('id').where('network_id', '=', id).execute();
        for (const p of ports) await dropTags(tx, 'ports', p.id);
        if (ports.length) await tx.deleteFrom('network_port_security_group').where('port_id', 'in', ports.map((p) => p.id)).execute();
        await tx.deleteFrom('network_ip_allocation').where('network_id', '=', id).execute();
        await tx.deleteFrom('network_port').where('network_id', '=', id).execute();
        const subnets = await tx.selectFrom('network_subnet').select('id').where('network_id', '=', id).execute();
        for (const s of subnets) await dropTags(tx, 'subnets', s.id);
        await tx.deleteFrom('network_subnet').where('network_id', '=', id).execute();
        await tx.deleteFrom('network_segment').where('network_id', '=', id).execute();
        await dropTags(tx, 'networks', id);
        const deleted = await tx.deleteFrom('network_network').where('id', '=', id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw networkErrors.networkNotFound(id);
        return subnets.map((s) => s.id);
      });
      await removeNetwork(env, id, subnetIds);
      return undefined;
    },
  });

  return [create, list, show, update, remove];
}
