import { randomUUID } from 'node:crypto';
import { fromDbBool, fromDbJson, toDbBool, toDbJson } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import { cidrContains, cidrsOverlap, cidrBounds, formatAddress, formatCidr, parseAddress, parseCidr, type Cidr } from '../ipam/address.ts';
import { defaultGateway, defaultPools, inRanges, poolText, validatePools, type PoolText } from '../ipam/pools.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { pushPort, pushSubnet, removeSubnet } from '../networks/data-plane.ts';
import { getNetworkRow, getSubnetRow, newStandardAttributes, reviseRow } from '../store/rows.ts';
import type { NetworkTable, SubnetTable } from '../store/tables.ts';
import { dropTags, tagsOf } from '../store/tags.ts';
import { authorizeAttributes, callerProject, hideAttributes, isAdmin } from './access.ts';
import { convert, parseResourceBody, type AttributeMap, type Convert } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields, type ListSpec } from './neutron-list.ts';
import { visibleNetwork } from './network-routes.ts';
import { subnetView } from './views.ts';

const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless', null];

export const cidrText: Convert = (v, name) => {
  const c = typeof v === 'string' ? parseCidr(v) : undefined;
  if (!c || typeof v !== 'string' || !v.includes('/')) throw networkErrors.invalidInput(`'${String(v)}' is not a valid IP subnet`);
  if (!parseCidr(v, { strict: true })) {
    throw networkErrors.invalidInput(`'${v}' isn't a recognized IP subnet cidr, '${formatCidr(c)}' is recommended`);
  }
  void name;
  return formatCidr(c);
};

const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true, convert: convert.string(255) },
  description: { post: true, put: true, convert: convert.string(255) },
  network_id: { post: true, put: false, required: true, convert: convert.uuid },
  ip_version: { post: true, put: false, required: true, convert: convert.oneOf([4, 6] as unknown as string[]) },
  cidr: { post: true, put: false, convert: cidrText },
  gateway_ip: { post: true, put: true, convert: convert.nullable(convert.ip) },
  allocation_pools: { post: true, put: true, convert: convert.list(convert.dict({ start: convert.ip, end: convert.ip }, ['start', 'end'])) },
  dns_nameservers: { post: true, put: true, convert: convert.list(convert.ip, { unique: true, max: 5 }) },
  host_routes: { post: true, put: true, convert: convert.list(convert.dict({ destination: cidrText, nexthop: convert.ip }, ['destination', 'nexthop']), { max: 20 }) },
  enable_dhcp: { post: true, put: true, convert: convert.bool },
  ipv6_ra_mode: { post: true, put: false, convert: convert.oneOf(IPV6_MODES) },
  ipv6_address_mode: { post: true, put: false, convert: convert.oneOf(IPV6_MODES) },
  subnetpool_id: { post: true, put: false, convert: convert.oneOf([null]) },
  use_default_subnetpool: { post: true, put: false, convert: convert.oneOf([false] as unknown as string[]) },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
};

export const SUBNET_LIST: ListSpec = {
  collection: 'subnets',
  columns: {
    id: { column: 'network_subnet.id', kind: 'string' },
    name: { column: 'network_subnet.name', kind: 'string' },
    description: { column: 'network_subnet.description', kind: 'string' },
    tenant_id: { column: 'network_subnet.project_id', kind: 'string' },
    project_id: { column: 'network_subnet.project_id', kind: 'string' },
    network_id: { column: 'network_subnet.network_id', kind: 'string' },
    ip_version: { column: 'network_subnet.ip_version', kind: 'int' },
    cidr: { column: 'network_subnet.cidr', kind: 'string' },
    gateway_ip: { column: 'network_subnet.gateway_ip', kind: 'string', sortable: false },
    enable_dhcp: { column: 'network_subnet.enable_dhcp', kind: 'bool' },
    ipv6_ra_mode: { column: 'network_subnet.ipv6_ra_mode', kind: 'string', sortable: false },
    ipv6_address_mode: { column: 'network_subnet.ipv6_address_mode', kind: 'string', sortable: false },
    subnetpool_id: { column: 'network_subnet.subnetpool_id', kind: 'string', sortable: false },
    revision_number: { column: 'network_subnet.revision_number', kind: 'int' },
    created_at: { column: 'network_subnet.created_at', kind: 'string' },
    updated_at: { column: 'network_subnet.updated_at', kind: 'string' },
  },
};

export function subnetTarget(s: SubnetTable, n: NetworkTable | undefined): Record<string, unknown> {
  return {
    id: s.id,
    project_id: s.project_id,
    tenant_id: s.project_id,
    network_id: s.network_id,
    'network:project_id': n?.project_id,
    'network:tenant_id': n?.project_id,
    shared: n ? fromDbBool(n.shared) : false,
  };
}

async function visibleSubnet(env: NetworkEnv, call: ApiCall, id: string): Promise<{ subnet: SubnetTable; network: NetworkTable | undefined }> {
  const subnet = await getSubnetRow(env.db, id);
  if (!subnet) throw networkErrors.subnetNotFound(id);
  const network = await getNetworkRow(env.db, subnet.network_id);
  if (!call.can('get_subnet', subnetTarget(subnet, network))) throw networkErrors.subnetNotFound(id);
  return { subnet, network };
}

async function views(env: NetworkEnv, call: ApiCall, rows: readonly SubnetTable[], fields?: readonly string[]) {
  const tags = await tagsOf(env.db, 'subnets', rows.map((r) => r.id));
  const nets = new Map<string, NetworkTable | undefined>();
  const out = [];
  for (const s of rows) {
    if (!nets.has(s.network_id)) nets.set(s.network_id, await getNetworkRow(env.db, s.network_id));
    const view = subnetView(s, tags.get(s.id) ?? []);
    out.push(selectFields(hideAttributes(call, 'get_subnet', view, subnetTarget(s, nets.get(s.network_id))), fields));
  }
  return out;
}

async function showSubnet(env: NetworkEnv, call: ApiCall, id: string, fields?: readonly string[]) {
  const s = await getSubnetRow(env.db, id);
  if (!s) throw networkErrors.subnetNotFound(id);
  return { subnet: (await views(env, call, [s], fields))[0] };
}

function checkGateway(cidr: Cidr, gatewayText: string): bigint {
  const gw = parseAddress(gatewayText)!;
  if (!cidrContains(cidr, gw)) throw networkErrors.invalidInput(`Gateway IP ${gatewayText} is not in subnet ${formatCidr(cidr)}`);
  const { first, last } = cidrBounds(cidr);
  if (cidr.version === 4 && cidr.prefix < 31 && (gw.value === first || gw.value === last)) {
    throw networkErrors.invalidInput(`Gateway is not valid on subnet: ${gatewayText}`);
  }
  return gw.value;
}

function checkRoutes(version: number, routes: ReadonlyArray<{ destination: string; nexthop: string }>): void {
  for (const r of routes) {
    if (parseCidr(r.destination)!.version !== version || parseAddress(r.nexthop)!.version !== version) {
      throw networkErrors.invalidInput(`host_routes entry ${r.destination} via ${r.nexthop} is not IPv${version}`);
    }
  }
}

function checkIpv6Modes(version: number, ra: string | null, addr: string | null, cidr: Cidr): void {
  if (version === 4) {
    if (ra) throw networkErrors.invalidInput(`ipv6_ra_mode set to '${ra}' with ip_version set to '4' is not valid. ipv6_ra_mode is only valid for IPv6 subnets`);
    if (addr) throw networkErrors.invalidInput(`ipv6_address_mode set to '${addr}' with ip_version set to '4' is not valid. ipv6_address_mode is only valid for IPv6 subnets`);
    return;
  }
  if (ra && addr && ra !== addr) {
    throw networkErrors.invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid. If both attributes are set, they must be the same value`);
  }
  const mode = addr ?? ra;
  if ((mode === 'slaac' || mode === 'dhcpv6-stateless') && cidr.prefix !== 64) {
    throw networkErrors.invalidInput(`Invalid CIDR ${formatCidr(cidr)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`);
  }
}

export function subnetRoutes(env: NetworkEnv): RouteSpec[] {
  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/subnets',
    policy: 'create_subnet',
    status: 201,
    target: async (call) => {
      const body = (call.body as { subnet?: Record<string, unknown> } | undefined)?.subnet ?? {};
      const project = (body.project_id ?? body.tenant_id ?? callerProject(call)) as string;
      const target: Record<string, unknown> = { project_id: project, tenant_id: project };
      if (typeof body.network_id === 'string') {
        const n = await visibleNetwork(env, call, body.network_id.toLowerCase());
        Object.assign(target, { network_id: n.id, 'network:project_id': n.project_id, 'network:tenant_id': n.project_id, shared: fromDbBool(n.shared) });
      }
      return target;
    },
    async handler(call) {
      const a = parseResourceBody(call.body, 'subnet', ATTRS, 'post');
      const network = await visibleNetwork(env, call, a.network_id as string);
      const projectId = (a.project_id ?? a.tenant_id ?? callerProject(call)) as string;
      authorizeAttributes(call, 'create_subnet', a, { project_id: projectId, 'network:project_id': network.project_id });
      if (a.cidr === undefined) throw networkErrors.badRequest('subnets', 'a subnetpool must be specified in the absence of a cidr');
      const cidr = parseCidr(a.cidr as string)!;
      const version = Number(a.ip_version);
      if (cidr.version !== version) throw networkErrors.invalidInput(`Cidr ${formatCidr(cidr)} does not match ip_version ${version}`);
      const ra = (a.ipv6_ra_mode as string | null | undefined) ?? null;
      const addrMode = (a.ipv6_address_mode as string | null | undefined) ?? null;
      checkIpv6Modes(version, ra, addrMode, cidr);
      let gateway: bigint | undefined;
      if (a.gateway_ip === undefined) gateway = defaultGateway(cidr);
      else if (a.gateway_ip !== null) gateway = checkGateway(cidr, a.gateway_ip as string);
      const pools = a.allocation_pools === undefined ? defaultPools(cidr, gateway) : validatePools(cidr, a.allocation_pools as PoolText[], gateway);
      const routes = (a.host_routes as Array<{ destination: string; nexthop: string }> | undefined) ?? [];
      checkRoutes(version, routes);
      const dns = (a.dns_nameservers as string[] | undefined) ?? [];
      for (const d of dns) if (parseAddress(d)!.version !== version) throw networkErrors.invalidInput(`dns_nameserver ${d} is not IPv${version}`);
      const id = randomUUID();
      await env.db.transaction().execute(async (tx) => {
        await enforceQuota(tx, env.settings, projectId, 'subnet');
        const siblings = await tx.selectFrom('network_subnet').select(['id', 'cidr']).where('network_id', '=', network.id).execute();
        for (const s of siblings) {
          if (cidrsOverlap(parseCidr(s.cidr)!, cidr)) {
            throw networkErrors.invalidInput(`Requested subnet with cidr: ${formatCidr(cidr)} for network: ${network.id} overlaps with another subnet`);
          }
        }
        await tx
          .insertInto('network_subnet')
          .values({
            id,
            project_id: projectId,
            network_id: network.id,
            name: (a.name as string | undefined) ?? '',
            ip_version: version,
            cidr: formatCidr(cidr),
            gateway_ip: gateway === undefined ? null : formatAddress({ version: cidr.version, value: gateway }),
            enable_dhcp: toDbBool((a.enable_dhcp as boolean | undefined) ?? true),
            ipv6_ra_mode: ra,
            ipv6_address_mode: addrMode,
            allocation_pools: toDbJson(pools.map((p) => poolText(cidr.version, p))),
            dns_nameservers: toDbJson(dns),
            host_routes: toDbJson(routes),
            subnetpool_id: null,
            segment_id: null,
            ...newStandardAttributes(env.now(), (a.description as string | undefined) ?? ''),
          })
          .execute();
        // A subnet changes what its network shows.
        await reviseRow(tx, 'network_network', network.id, {}, env.now());
      });
      await pushSubnet(env, id);
      return showSubnet(env, call, id);
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/subnets',
    policy: 'get_subnet',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, SUBNET_LIST, env.settings.pagination_max_limit);
      let marker: SubnetTable | undefined;
      if (q.marker !== undefined) {
        marker = await getSubnetRow(env.db, q.marker);
        if (!marker) throw networkErrors.subnetNotFound(q.marker);
      }
      let qb = env.db.selectFrom('network_subnet').innerJoin('network_network', 'network_network.id', 'network_subnet.network_id').selectAll('network_subnet');
      if (!isAdmin(call)) {
        const project = callerProject(call);
        qb = qb.where((eb) => eb.or([eb('network_subnet.project_id', '=', project), eb('network_network.shared', '=', 1), eb('network_network.external', '=', 1)]));
      }
      qb = applyFilters(qb, q, 'subnets', 'network_subnet.id');
      const rows = await fetchPage(qb, q, marker);
      const visible = [];
      for (const s of rows) if (call.can('get_subnet', subnetTarget(s, await getNetworkRow(env.db, s.network_id)))) visible.push(s);
      return listBody(call, SUBNET_LIST, q, await views(env, call, visible, q.fields), visible.map((r) => r.id));
    },
  });

  const idOf = (call: ApiCall) => (call.params as { subnet_id: string }).subnet_id;
  const targetOf = async (call: ApiCall) => {
    const { subnet, network } = await visibleSubnet(env, call, idOf(call));
    return subnetTarget(subnet, network);
  };

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/subnets/:subnet_id',
    policy: 'get_subnet',
    target: targetOf,
    handler: (call) => showSubnet(env, call, idOf(call), fieldsParam(call)),
  });

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/subnets/:subnet_id',
    policy: 'update_subnet',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const a = parseResourceBody(call.body, 'subnet', ATTRS, 'put');
      const s = (await getSubnetRow(env.db, id))!;
      authorizeAttributes(call, 'update_subnet', a, subnetTarget(s, await getNetworkRow(env.db, s.network_id)));
      const cidr = parseCidr(s.cidr)!;
      let gateway = s.gateway_ip === null ? undefined : parseAddress(s.gateway_ip)!.value;
      const changes: Record<string, unknown> = {};
      if ('gateway_ip' in a) {
        gateway = a.gateway_ip === null ? undefined : checkGateway(cidr, a.gateway_ip as string);
        changes.gateway_ip = gateway === undefined ? null : formatAddress({ version: cidr.version, value: gateway });
      }
      if ('allocation_pools' in a || 'gateway_ip' in a) {
        const pools = 'allocation_pools' in a
          ? validatePools(cidr, a.allocation_pools as PoolText[], gateway)
          : validatePools(cidr, fromDbJson<PoolText[]>(s.allocation_pools), gateway);
        changes.allocation_pools = toDbJson(pools.map((p) => poolText(cidr.version, p)));
        void inRanges;
      }
      if ('host_routes' in a) {
        checkRoutes(s.ip_version, a.host_routes as Array<{ destination: string; nexthop: string }>);
        changes.host_routes = toDbJson(a.host_routes);
      }
      if ('dns_nameservers' in a) changes.dns_nameservers = toDbJson(a.dns_nameservers);
      if ('enable_dhcp' in a) changes.enable_dhcp = toDbBool(a.enable_dhcp as boolean);
      if ('name' in a) changes.name = a.name;
      if ('description' in a) changes.description = a.description;
      await env.db.transaction().execute(async (tx) => {
        if (changes.gateway_ip !== undefined && changes.gateway_ip !== null) {
          const used = await tx
            .selectFrom('network_ip_allocation')
            .innerJoin('network_port', 'network_port.id', 'network_ip_allocation.port_id')
            .select(['network_port.device_owner'])
            .where('network_ip_allocation.subnet_id', '=', id)
            .where('network_ip_allocation.ip_address', '=', changes.gateway_ip as string)
            .executeTakeFirst();
          if (used && !used.device_owner.startsWith('network:router')) throw networkErrors.ipAddressInUse(changes.gateway_ip as string, s.network_id);
        }
        if (Object.keys(changes).length) await reviseRow(tx, 'network_subnet', id, changes, env.now());
      });
      await pushSubnet(env, id);
      if ('enable_dhcp' in a) {
        const ports = await env.db.selectFrom('network_ip_allocation').select('port_id').where('subnet_id', '=', id).execute();
        for (const p of ports) await pushPort(env, p.port_id);
      }
      return showSubnet(env, call, id);
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/subnets/:subnet_id',
    policy: 'delete_subnet',
    status: 204,
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      await env.db.transaction().execute(async (tx) => {
        const used = await tx
          .selectFrom('network_ip_allocation')
          .innerJoin('network_port', 'network_port.id', 'network_ip_allocation.port_id')
          .select('network_port.id')
          .where('network_ip_allocation.subnet_id', '=', id)
          .where('network_port.device_owner', '!=', 'network:dhcp')
          .limit(1)
          .executeTakeFirst();
        if (used) throw networkErrors.subnetInUse(id);
        const s = await tx.selectFrom('network_subnet').select('network_id').where('id', '=', id).executeTakeFirst();
        await tx.deleteFrom('network_ip_allocation').where('subnet_id', '=', id).execute();
        await dropTags(tx, 'subnets', id);
        const deleted = await tx.deleteFrom('network_subnet').where('id', '=', id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw networkErrors.subnetNotFound(id);
        if (s) await reviseRow(tx, 'network_network', s.network_id, {}, env.now());
      });
      await removeSubnet(env, id);
      return undefined;
    },
  });

  return [create, list, show, update, remove];
}
