import { randomUUID } from 'node:crypto';
import { fromDbBool, isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import { withAllocationRetry, type FixedIpRequest } from '../ipam/allocator.ts';
import { removePort } from '../networks/data-plane.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { pushFloatingIp } from '../routers/data-plane.ts';
import { l3Errors } from '../routers/errors.ts';
import { alreadyAssociated, resolveAssociation } from '../routers/floating-ips.ts';
import { deleteServicePort, FLOATING_IP, insertServicePort } from '../routers/service-ports.ts';
import type { NetworkTx } from '../store/db.ts';
import { getNetworkRow, getPortRow, newStandardAttributes, reviseRow, subnetsOfNetwork } from '../store/rows.ts';
import type { FloatingIpTable } from '../store/tables.ts';
import { dropTags, tagsOf } from '../store/tags.ts';
import { authorizeAttributes, callerProject, isAdmin } from './access.ts';
import { convert, parseResourceBody, type AttributeMap } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields, type ListSpec } from './neutron-list.ts';
import { networkTarget } from './network-routes.ts';
import { portTarget } from './port-routes.ts';
import { floatingIpView } from './router-views.ts';

const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  floating_network_id: { post: true, put: false, required: true, convert: convert.uuid },
  floating_ip_address: { post: true, put: false, convert: convert.ip },
  subnet_id: { post: true, put: false, convert: convert.nullable(convert.uuid) },
  port_id: { post: true, put: true, convert: convert.nullable(convert.uuid) },
  fixed_ip_address: { post: true, put: true, convert: convert.nullable(convert.ip) },
  description: { post: true, put: true, convert: convert.string(255) },
  router_id: { post: false, put: false },
  status: { post: false, put: false },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
};

export const FLOATINGIP_LIST: ListSpec = {
  collection: 'floatingips',
  columns: {
    id: { column: 'network_floatingip.id', kind: 'string' },
    description: { column: 'network_floatingip.description', kind: 'string' },
    tenant_id: { column: 'network_floatingip.project_id', kind: 'string' },
    project_id: { column: 'network_floatingip.project_id', kind: 'string' },
    floating_network_id: { column: 'network_floatingip.floating_network_id', kind: 'string' },
    floating_ip_address: { column: 'network_floatingip.floating_ip_address', kind: 'string' },
    router_id: { column: 'network_floatingip.router_id', kind: 'string', sortable: false },
    port_id: { column: 'network_floatingip.fixed_port_id', kind: 'string', sortable: false },
    fixed_ip_address: { column: 'network_floatingip.fixed_ip_address', kind: 'string', sortable: false },
    status: { column: 'network_floatingip.status', kind: 'string' },
    revision_number: { column: 'network_floatingip.revision_number', kind: 'int' },
    created_at: { column: 'network_floatingip.created_at', kind: 'string' },
    updated_at: { column: 'network_floatingip.updated_at', kind: 'string' },
  },
};

const target = (f: { id?: string; project_id: string }) => ({ id: f.id, project_id: f.project_id, tenant_id: f.project_id });

async function getFip(db: NetworkTx, id: string): Promise<FloatingIpTable | undefined> {
  return db.selectFrom('network_floatingip').selectAll().where('id', '=', id).executeTakeFirst();
}

async function views(env: NetworkEnv, rows: readonly FloatingIpTable[], fields?: readonly string[]) {
  const portIds = rows.map((r) => r.fixed_port_id).filter((p): p is string => p !== null);
  const [ports, tags] = await Promise.all([
    portIds.length ? env.db.selectFrom('network_port').selectAll().where('id', 'in', portIds).execute() : Promise.resolve([]),
    tagsOf(env.db, 'floatingips', rows.map((r) => r.id)),
  ]);
  return rows.map((f) => selectFields(floatingIpView(f, ports.find((p) => p.id === f.fixed_port_id), tags.get(f.id) ?? []), fields));
}

async function showFip(env: NetworkEnv, id: string, fields?: readonly string[]) {
  const f = await getFip(env.db, id);
  if (!f) throw l3Errors.floatingIpNotFound(id);
  return { floatingip: (await views(env, [f], fields))[0] };
}

/** Writes an association (or none) onto the row; a racing twin on the same fixed IP loses to the unique key. */
async function associate(
  tx: NetworkTx,
  env: NetworkEnv,
  fip: FloatingIpTable,
  req: { portId: string | null; fixedIp: string | undefined },
  admin: boolean,
): Promise<void> {
  if (req.portId === null) {
    await reviseRow(tx, 'network_floatingip', fip.id, { fixed_port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' }, env.now());
    return;
  }
  const a = await resolveAssociation(tx, fip, { portId: req.portId, fixedIp: req.fixedIp }, admin);
  try {
    await reviseRow(tx, 'network_floatingip', fip.id, { fixed_port_id: a.portId, fixed_ip_address: a.fixedIp, router_id: a.routerId, status: 'ACTIVE' }, env.now());
  } catch (err) {
    if (isUniqueViolation(err)) throw alreadyAssociated(fip, a.portId, a.fixedIp);
    throw err;
  }
}

export function floatingIpRoutes(env: NetworkEnv): RouteSpec[] {
  const visiblePortFor = async (call: ApiCall, portId: string) => {
    const p = await getPortRow(env.db, portId);
    if (!p || !call.can('get_port', portTarget(p, await getNetworkRow(env.db, p.network_id)))) throw networkErrors.portNotFound(portId);
  };

  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/floatingips',
    policy: 'create_floatingip',
    status: 201,
    target: (call) => {
      const body = (call.body as { floatingip?: Record<string, unknown> } | undefined)?.floatingip ?? {};
      const project = (body.project_id ?? body.tenant_id ?? callerProject(call)) as string;
      return { project_id: project, tenant_id: project };
    },
    async handler(call) {
      const a = parseResourceBody(call.body, 'floatingip', ATTRS, 'post');
      const projectId = (a.project_id ?? a.tenant_id ?? callerProject(call)) as string;
      authorizeAttributes(call, 'create_floatingip', a, { project_id: projectId, tenant_id: projectId });
      const netId = a.floating_network_id as string;
      const network = await getNetworkRow(env.db, netId);
      if (!network || !call.can('get_network', networkTarget(network))) throw networkErrors.networkNotFound(netId);
      if (!fromDbBool(network.external)) throw l3Errors.badFloatingIp(`Network ${netId} is not a valid external network`);
      const portId = (a.port_id as string | null | undefined) ?? null;
      if (portId !== null) await visiblePortFor(call, portId);
      const id = randomUUID();
      const floatingPortId = randomUUID();
      await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          await enforceQuota(tx, env.settings, projectId, 'floatingip');
          const v4 = (await subnetsOfNetwork(tx, netId)).filter((s) => s.ip_version === 4);
          let request: FixedIpRequest;
          if (a.floating_ip_address !== undefined) request = { ip_address: a.floating_ip_address as string, ...(a.subnet_id ? { subnet_id: a.subnet_id as string } : {}) };
          else if (a.subnet_id) request = { subnet_id: a.subnet_id as string };
          else if (v4.length) request = { subnet_id: v4[0]!.id };
          else throw l3Errors.badFloatingIp(`Network ${netId} does not contain any IPv4 subnet`);
          if (request.subnet_id !== undefined && !v4.some((s) => s.id === request.subnet_id)) {
            throw l3Errors.badFloatingIp(`Subnet ${request.subnet_id} is not an IPv4 subnet of network ${netId}`);
          }
          const [ip] = await insertServicePort(tx, env, { id: floatingPortId, networkId: netId, projectId: '', deviceOwner: FLOATING_IP, deviceId: id, fixedIps: [request] }, attempt);
          const row = {
            id,
            project_id: projectId,
            floating_network_id: netId,
            floating_ip_address: ip!.ip_address,
            floating_port_id: floatingPortId,
            fixed_port_id: null,
            fixed_ip_address: null,
            router_id: null,
            status: 'DOWN',
            ...newStandardAttributes(env.now(), (a.description as string | undefined) ?? ''),
          };
          await tx.insertInto('network_floatingip').values(row).execute();
          if (portId !== null) await associate(tx, env, row, { portId, fixedIp: a.fixed_ip_address as string | undefined }, isAdmin(call));
        },
        () => networkErrors.ipAllocationRaced(netId),
      );
      await pushFloatingIp(env, id, null);
      return showFip(env, id);
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/floatingips',
    policy: 'get_floatingip',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, FLOATINGIP_LIST, env.settings.pagination_max_limit);
      let marker: FloatingIpTable | undefined;
      if (q.marker !== undefined) {
        marker = await getFip(env.db, q.marker);
        if (!marker) throw l3Errors.floatingIpNotFound(q.marker);
      }
      let qb = env.db.selectFrom('network_floatingip').selectAll('network_floatingip');
      if (!isAdmin(call)) qb = qb.where('network_floatingip.project_id', '=', callerProject(call));
      qb = applyFilters(qb, q, 'floatingips', 'network_floatingip.id');
      const rows = (await fetchPage(qb, q, marker)).filter((f) => call.can('get_floatingip', target(f)));
      return listBody(call, FLOATINGIP_LIST, q, await views(env, rows, q.fields), rows.map((r) => r.id));
    },
  });

  const idOf = (call: ApiCall) => (call.params as { floatingip_id: string }).floatingip_id;
  const targetOf = async (call: ApiCall) => {
    const f = await getFip(env.db, idOf(call));
    if (!f || !call.can('get_floatingip', target(f))) throw l3Errors.floatingIpNotFound(idOf(call));
    return target(f);
  };

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/floatingips/:floatingip_id',
    policy: 'get_floatingip',
    target: targetOf,
    handler: (call) => showFip(env, idOf(call), fieldsParam(call)),
  });

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/floatingips/:floatingip_id',
    policy: 'update_floatingip',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const a = parseResourceBody(call.body, 'floatingip', ATTRS, 'put');
      if ('port_id' in a && a.port_id !== null) await visiblePortFor(call, a.port_id as string);
      const before = (await getFip(env.db, id))!;
      await withAllocationRetry(env.db, env.settings.ipam_retries, async (tx) => {
        if ('description' in a) await reviseRow(tx, 'network_floatingip', id, { description: a.description }, env.now());
        if ('port_id' in a) {
          const fip = (await getFip(tx, id))!;
          await associate(tx, env, fip, { portId: a.port_id as string | null, fixedIp: (a.fixed_ip_address as string | null | undefined) ?? undefined }, isAdmin(call));
        } else if ('fixed_ip_address' in a) {
          throw l3Errors.badFloatingIp('fixed_ip_address cannot be specified without a port_id');
        }
      }, () => networkErrors.conflict(`Floating IP ${id} is being changed by other requests; retry.`));
      await pushFloatingIp(env, id, before.router_id);
      return showFip(env, id);
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/floatingips/:floatingip_id',
    policy: 'delete_floatingip',
    status: 204,
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const f = await env.db.transaction().execute(async (tx) => {
        const row = await getFip(tx, id);
        if (!row) throw l3Errors.floatingIpNotFound(id);
        await dropTags(tx, 'floatingips', id);
        await tx.deleteFrom('network_floatingip').where('id', '=', id).execute();
        await deleteServicePort(tx, row.floating_port_id);
        return row;
      });
      await pushFloatingIp(env, id, f.router_id);
      await removePort(env, f.floating_network_id, f.floating_port_id);
      return undefined;
    },
  });

  return [create, list, show, update, remove];
}
