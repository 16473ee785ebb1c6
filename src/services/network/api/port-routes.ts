import { randomUUID } from 'node:crypto';
import { generateMac } from '../ipam/mac.ts';
import { fromDbBool, isForeignKeyViolation, toDbBool, toDbJson } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import { canonicalAddress } from '../ipam/address.ts';
import { allocateFixedIps, withAllocationRetry, type FixedIpRequest } from '../ipam/allocator.ts';
import { pushPort, removePort } from '../networks/data-plane.ts';
import type { NetworkTx } from '../store/db.ts';
import { getNetworkRow, getPortRow, newStandardAttributes, reviseRow, subnetsOfNetwork } from '../store/rows.ts';
import type { NetworkTable, PortTable } from '../store/tables.ts';
import { dropTags, tagsOf } from '../store/tags.ts';
import { authorizeAttributes, callerProject, hideAttributes, isAdmin } from './access.ts';
import { parseResourceBody } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields } from './neutron-list.ts';
import { visibleNetwork } from './network-routes.ts';
import { portView } from './views.ts';
import { ATTRS, PORT_LIST } from './port-attributes.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { pushFloatingIp, pushRouter } from '../routers/data-plane.ts';
import { l3Errors } from '../routers/errors.ts';
import { L3_OWNERS } from '../routers/service-ports.ts';
import { groupsAfterUpdate, groupsForNewPort, portGroupIds, setPortGroups } from '../security-groups/port-groups.ts';

export function portTarget(p: PortTable, n: NetworkTable | undefined): Record<string, unknown> {
  return {
    id: p.id,
    project_id: p.project_id,
    tenant_id: p.project_id,
    network_id: p.network_id,
    device_owner: p.device_owner,
    'network:project_id': n?.project_id,
    'network:tenant_id': n?.project_id,
    shared: n ? fromDbBool(n.shared) : false,
  };
}

async function visiblePort(env: NetworkEnv, call: ApiCall, id: string) {
  const port = await getPortRow(env.db, id);
  if (!port) throw networkErrors.portNotFound(id);
  const network = await getNetworkRow(env.db, port.network_id);
  if (!call.can('get_port', portTarget(port, network))) throw networkErrors.portNotFound(id);
  return { port, network };
}

async function views(env: NetworkEnv, call: ApiCall, rows: readonly PortTable[], fields?: readonly string[]) {
  const ids = rows.map((r) => r.id);
  if (!ids.length) return [];
  const [ips, tags, groups] = await Promise.all([
    env.db.selectFrom('network_ip_allocation').select(['port_id', 'subnet_id', 'ip_address']).where('port_id', 'in', ids).execute(),
    tagsOf(env.db, 'ports', ids),
    portGroupIds(env.db, ids),
  ]);
  const nets = new Map<string, NetworkTable | undefined>();
  const out = [];
  for (const p of rows) {
    if (!nets.has(p.network_id)) nets.set(p.network_id, await getNetworkRow(env.db, p.network_id));
    const view = portView(p, ips.filter((i) => i.port_id === p.id), groups.get(p.id) ?? [], tags.get(p.id) ?? []);
    out.push(selectFields(hideAttributes(call, 'get_port', view, portTarget(p, nets.get(p.network_id))), fields));
  }
  return out;
}

async function showPort(env: NetworkEnv, call: ApiCall, id: string, fields?: readonly string[]) {
  const p = await getPortRow(env.db, id);
  if (!p) throw networkErrors.portNotFound(id);
  return { port: (await views(env, call, [p], fields))[0] };
}


/** The binding a host gets: OVS on br-int, as ML2/OVN reports it to Nova. */
function binding(hostId: string, vnicType: string): { vif_type: string; vif_details: Record<string, unknown> } {
  if (hostId === '') return { vif_type: 'unbound', vif_details: {} };
  if (vnicType !== 'normal') return { vif_type: 'binding_failed', vif_details: {} };
  return { vif_type: 'ovs', vif_details: { port_filter: true, connectivity: 'l2', bridge_name: 'br-int', datapath_type: 'system' } };
}

async function macInUse(tx: NetworkTx, networkId: string, mac: string, portId: string): Promise<boolean> {
  const row = await tx.selectFrom('network_port').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac).executeTakeFirst();
  return row !== undefined && row.id !== portId;
}

function checkAddressPairs(attrs: Record<string, unknown>, portSecurity: boolean): void {
  const pairs = attrs.allowed_address_pairs as unknown[] | undefined;
  if (pairs && pairs.length && !portSecurity) {
    throw networkErrors.conflict('Port Security must be enabled in order to have allowed address pairs on a port.');
  }
}

export function portRoutes(env: NetworkEnv): RouteSpec[] {
  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/ports',
    policy: 'create_port',
    status: 201,
    target: async (call) => {
      const body = (call.body as { port?: Record<string, unknown> } | undefined)?.port ?? {};
      const project = (body.project_id ?? body.tenant_id ?? callerProject(call)) as string;
      const target: Record<string, unknown> = { project_id: project, tenant_id: project };
      if (typeof body.network_id === 'string') {
        const n = await visibleNetwork(env, call, body.network_id.toLowerCase());
        Object.assign(target, { network_id: n.id, 'network:project_id': n.project_id, 'network:tenant_id': n.project_id, shared: fromDbBool(n.shared) });
      }
      return target;
    },
    async handler(call) {
      const a = parseResourceBody(call.body, 'port', ATTRS, 'post');
      const network = await visibleNetwork(env, call, a.network_id as string);
      const projectId = (a.project_id ?? a.tenant_id ?? callerProject(call)) as string;
      const target = { project_id: projectId, tenant_id: projectId, 'network:project_id': network.project_id, shared: fromDbBool(network.shared) };
      const owner = (a.device_owner as string | undefined) ?? '';
      const checked = { ...a };
      if (!owner.startsWith('network:')) delete checked.device_owner;
      authorizeAttributes(call, 'create_port', checked, target);
      const portSecurity = (a.port_security_enabled as boolean | undefined) ?? fromDbBool(network.port_security_enabled);
      checkAddressPairs(a, portSecurity);
      const hostId = (a['binding:host_id'] as string | undefined) ?? '';
      const vnicType = (a['binding:vnic_type'] as string | undefined) ?? 'normal';
      const bound = binding(hostId, vnicType);
      const groups = await groupsForNewPort(env, { projectId, deviceOwner: owner, portSecurity, requested: a.security_groups as string[] | undefined });
      const id = randomUUID();
      const requestedMac = a.mac_address as string | undefined;
      await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          await enforceQuota(tx, env.settings, projectId, 'port');
          const mac = requestedMac ?? generateMac(env.settings.base_mac);
          if (requestedMac && (await macInUse(tx, network.id, requestedMac, id))) throw networkErrors.macAddressInUse(requestedMac, network.id);
          await tx
            .insertInto('network_port')
            .values({
              id,
              project_id: projectId,
              network_id: network.id,
              name: (a.name as string | undefined) ?? '',
              mac_address: mac,
              admin_state_up: toDbBool((a.admin_state_up as boolean | undefined) ?? true),
              status: 'DOWN',
              device_id: (a.device_id as string | undefined) ?? '',
              device_owner: owner,
              port_security_enabled: toDbBool(portSecurity),
              binding_host_id: hostId,
              binding_vnic_type: vnicType,
              binding_profile: toDbJson(a['binding:profile'] ?? {}),
              binding_vif_type: bound.vif_type,
              binding_vif_details: toDbJson(bound.vif_details),
              allowed_address_pairs: toDbJson(((a.allowed_address_pairs as Array<Record<string, string>> | undefined) ?? []).map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac }))),
              extra_dhcp_opts: toDbJson(((a.extra_dhcp_opts as Array<Record<string, unknown>> | undefined) ?? []).map((o) => ({ opt_name: o.opt_name, opt_value: o.opt_value ?? null, ip_version: o.ip_version ?? 4 }))),
              ...newStandardAttributes(env.now(), (a.description as string | undefined) ?? ''),
            })
            .execute();
          const subnets = await subnetsOfNetwork(tx, network.id);
          await allocateFixedIps(
            tx,
            { networkId: network.id, portId: id, macAddress: mac, deviceOwner: owner, attempt, maxFixedIps: env.settings.max_fixed_ips_per_port },
            subnets,
            a.fixed_ips as FixedIpRequest[] | undefined,
          );
          await setPortGroups(tx, id, groups);
        },
        () => networkErrors.ipAllocationRaced(network.id),
      );
      await pushPort(env, id);
      return showPort(env, call, id);
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/ports',
    policy: 'get_port',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, PORT_LIST, env.settings.pagination_max_limit);
      let marker: PortTable | undefined;
      if (q.marker !== undefined) {
        marker = await getPortRow(env.db, q.marker);
        if (!marker) throw networkErrors.portNotFound(q.marker);
      }
      let qb = env.db.selectFrom('network_port').innerJoin('network_network', 'network_network.id', 'network_port.network_id').selectAll('network_port');
      if (!isAdmin(call)) {
        const project = callerProject(call);
        qb = qb.where((eb) => eb.or([eb('network_port.project_id', '=', project), eb('network_network.project_id', '=', project)]));
      }
      // fixed_ips=ip_address=10.0.0.5 / fixed_ips=subnet_id=<id>: each entry narrows the list.
      for (const f of q.custom.fixed_ips ?? []) {
        const eq = f.indexOf('=');
        const key = f.slice(0, eq);
        const value = f.slice(eq + 1);
        if (eq < 0 || (key !== 'ip_address' && key !== 'subnet_id')) throw networkErrors.invalidInput(`Invalid fixed_ips filter '${f}'`);
        const v = key === 'ip_address' ? (canonicalAddress(value) ?? value) : value;
        qb = qb.where('network_port.id', 'in', (eb) => eb.selectFrom('network_ip_allocation').select('port_id').where(key, '=', v));
      }
      // security_groups=<id>: ports in any of the named groups.
      const groups = q.custom.security_groups ?? [];
      if (groups.length) {
        qb = qb.where('network_port.id', 'in', (eb) => eb.selectFrom('network_port_security_group').select('port_id').where('security_group_id', 'in', groups));
      }
      qb = applyFilters(qb, q, 'ports', 'network_port.id');
      const rows = await fetchPage(qb, q, marker);
      const visible = [];
      for (const p of rows) if (call.can('get_port', portTarget(p, await getNetworkRow(env.db, p.network_id)))) visible.push(p);
      return listBody(call, PORT_LIST, q, await views(env, call, visible, q.fields), visible.map((r) => r.id));
    },
  });

  const idOf = (call: ApiCall) => (call.params as { port_id: string }).port_id;
  const targetOf = async (call: ApiCall) => {
    const { port, network } = await visiblePort(env, call, idOf(call));
    return portTarget(port, network);
  };

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/ports/:port_id',
    policy: 'get_port',
    target: targetOf,
    handler: (call) => showPort(env, call, idOf(call), fieldsParam(call)),
  });

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/ports/:port_id',
    policy: 'update_port',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const a = parseResourceBody(call.body, 'port', ATTRS, 'put');
      const { port, network } = await visiblePort(env, call, id);
      const checked = { ...a };
      if (typeof a.device_owner !== 'string' || !a.device_owner.startsWith('network:')) delete checked.device_owner;
      authorizeAttributes(call, 'update_port', checked, portTarget(port, network));
      const portSecurity = (a.port_security_enabled as boolean | undefined) ?? fromDbBool(port.port_security_enabled);
      const pairs = (a.allowed_address_pairs as Array<Record<string, string>> | undefined) ?? JSON.parse(port.allowed_address_pairs);
      checkAddressPairs({ allowed_address_pairs: pairs }, portSecurity);
      const changes: Record<string, unknown> = {};
      for (const [attr, column] of [['name', 'name'], ['description', 'description'], ['device_id', 'device_id'], ['device_owner', 'device_owner']] as const) {
        if (attr in a) changes[column] = a[attr];
      }
      if ('admin_state_up' in a) changes.admin_state_up = toDbBool(a.admin_state_up as boolean);
      if ('port_security_enabled' in a) changes.port_security_enabled = toDbBool(portSecurity);
      const mac = (a.mac_address as string | undefined) ?? port.mac_address;
      if ('mac_address' in a && mac !== port.mac_address) {
        if (port.binding_host_id !== '') throw networkErrors.conflict(`Unable to complete operation on port ${id}, port is already bound, port type: ${port.binding_vif_type}, old_mac ${port.mac_address}, new_mac ${mac}.`);
        changes.mac_address = mac;
      }
      if ('allowed_address_pairs' in a) changes.allowed_address_pairs = toDbJson(pairs.map((p: Record<string, string>) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac })));
      if ('extra_dhcp_opts' in a) {
        changes.extra_dhcp_opts = toDbJson((a.extra_dhcp_opts as Array<Record<string, unknown>>).map((o) => ({ opt_name: o.opt_name, opt_value: o.opt_value ?? null, ip_version: o.ip_version ?? 4 })));
      }
      if ('binding:profile' in a) changes.binding_profile = toDbJson(a['binding:profile']);
      const groups = await groupsAfterUpdate(env, port, a, portSecurity);
      if ('binding:host_id' in a || 'binding:vnic_type' in a) {
        const host = (a['binding:host_id'] as string | undefined) ?? port.binding_host_id;
        const vnic = (a['binding:vnic_type'] as string | undefined) ?? port.binding_vnic_type;
        const b = binding(host, vnic);
        Object.assign(changes, { binding_host_id: host, binding_vnic_type: vnic, binding_vif_type: b.vif_type, binding_vif_details: toDbJson(b.vif_details) });
        if (host === '') changes.status = 'DOWN';
      }
      await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          if (changes.mac_address && (await macInUse(tx, port.network_id, mac, id))) throw networkErrors.macAddressInUse(mac, port.network_id);
          if ('fixed_ips' in a) {
            const requests = a.fixed_ips as FixedIpRequest[];
            const current = await tx.selectFrom('network_ip_allocation').select(['subnet_id', 'ip_address']).where('port_id', '=', id).execute();
            // Addresses named again are kept; the rest go, and new requests are allocated.
            const keep = current.filter((c) => requests.some((r) => r.ip_address === c.ip_address && (r.subnet_id === undefined || r.subnet_id === c.subnet_id)));
            const fresh = requests.filter((r) => !keep.some((k) => k.ip_address === r.ip_address));
            await tx.deleteFrom('network_ip_allocation').where('port_id', '=', id).execute();
            if (keep.length) await tx.insertInto('network_ip_allocation').values(keep.map((k) => ({ ...k, network_id: port.network_id, port_id: id }))).execute();
            if (keep.length + fresh.length > env.settings.max_fixed_ips_per_port) throw networkErrors.invalidInput('Exceeded maximum amount of fixed ips per port.');
            if (fresh.length) {
              await allocateFixedIps(
                tx,
                { networkId: port.network_id, portId: id, macAddress: mac, deviceOwner: (changes.device_owner as string | undefined) ?? port.device_owner, attempt, maxFixedIps: env.settings.max_fixed_ips_per_port },
                await subnetsOfNetwork(tx, port.network_id),
                fresh,
              );
            }
          }
          if (groups !== undefined) await setPortGroups(tx, id, groups);
          await reviseRow(tx, 'network_port', id, changes, env.now());
        },
        () => networkErrors.ipAllocationRaced(port.network_id),
      );
      await pushPort(env, id);
      // A router's port carries the router's addresses: its router port follows it.
      const router = await env.db.selectFrom('network_router_port').select('router_id').where('port_id', '=', id).executeTakeFirst();
      if (router) await pushRouter(env, router.router_id);
      return showPort(env, call, id);
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/ports/:port_id',
    policy: 'delete_port',
    status: 204,
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const port = await getPortRow(env.db, id);
      if (port && L3_OWNERS.has(port.device_owner)) throw l3Errors.l3PortInUse(id, port.device_owner);
      let floating: Array<{ id: string; router_id: string | null }> = [];
      try {
        floating = await env.db.transaction().execute(async (tx) => {
          const router = await tx.selectFrom('network_router_port').select('port_type').where('port_id', '=', id).executeTakeFirst();
          if (router) throw l3Errors.l3PortInUse(id, router.port_type);
          // Floating IPs on the port let go of it, as in Neutron.
          const fips = await tx.selectFrom('network_floatingip').select(['id', 'router_id']).where('fixed_port_id', '=', id).execute();
          for (const f of fips) {
            await reviseRow(tx, 'network_floatingip', f.id, { fixed_port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' }, env.now());
          }
          await tx.deleteFrom('network_ip_allocation').where('port_id', '=', id).execute();
          await tx.deleteFrom('network_port_security_group').where('port_id', '=', id).execute();
          await dropTags(tx, 'ports', id);
          const deleted = await tx.deleteFrom('network_port').where('id', '=', id).executeTakeFirst();
          if (Number(deleted.numDeletedRows) === 0) throw networkErrors.portNotFound(id);
          return fips;
        });
      } catch (err) {
        // Attached to a router or given a floating IP between our reads and the delete.
        if (isForeignKeyViolation(err)) throw networkErrors.conflict(`Port ${id} is in use and cannot be deleted now; retry.`);
        throw err;
      }
      for (const f of floating) await pushFloatingIp(env, f.id, f.router_id);
      if (port) await removePort(env, port.network_id, id);
      return undefined;
    },
  });

  return [create, list, show, update, remove];
}

/** Follows the data plane's port liveness into the port's status (ACTIVE / DOWN). */
export function watchPortStatus(env: NetworkEnv): () => void {
  return env.driver.onPortStatus((portId, up) => {
    void (async () => {
      try {
        // Status comes from the data plane, so it does not bump the revision the data plane holds.
        await env.db.updateTable('network_port').set({ status: up ? 'ACTIVE' : 'DOWN' }).where('id', '=', portId).execute();
      } catch (err) {
        env.logger.warn({ err, portId }, 'network: could not record port status');
      }
    })();
  });
}
