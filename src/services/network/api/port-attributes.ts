import { formatCidr, parseCidr } from '../ipam/address.ts';
import { convert, type AttributeMap, type Convert } from './attributes.ts';
import type { ListSpec } from './neutron-list.ts';

/** What POST/PUT /ports accept and what GET /ports filters and sorts on. */
const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'remote-managed', 'vdpa'];

/** An allowed address pair's ip_address may be an address or a CIDR. */
const ipOrCidr: Convert = (v, name) => {
  if (typeof v === 'string' && v.includes('/')) {
    const c = parseCidr(v);
    if (c) return formatCidr(c);
  }
  return convert.ip(v, name);
};

export const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true, convert: convert.string(255) },
  description: { post: true, put: true, convert: convert.string(255) },
  network_id: { post: true, put: false, required: true, convert: convert.uuid },
  admin_state_up: { post: true, put: true, convert: convert.bool },
  mac_address: { post: true, put: true, convert: convert.mac },
  fixed_ips: {
    post: true,
    put: true,
    convert: convert.list(convert.dict({ subnet_id: convert.uuid, ip_address: convert.ip })),
  },
  device_id: { post: true, put: true, convert: convert.string(255) },
  device_owner: { post: true, put: true, convert: convert.string(255) },
  port_security_enabled: { post: true, put: true, convert: convert.bool },
  allowed_address_pairs: {
    post: true,
    put: true,
    convert: convert.list(convert.dict({ ip_address: ipOrCidr, mac_address: convert.mac }, ['ip_address']), { max: 10 }),
  },
  extra_dhcp_opts: {
    post: true,
    put: true,
    convert: convert.list(convert.dict({ opt_name: convert.string(64), opt_value: convert.nullable(convert.string(255)), ip_version: convert.oneOf([4, 6] as unknown as string[]) }, ['opt_name'])),
  },
  security_groups: { post: true, put: true, convert: (v, name) => (v === null ? [] : convert.list(convert.uuid, { unique: true })(v, name)) },
  'binding:host_id': { post: true, put: true, convert: convert.string(255) },
  'binding:vnic_type': { post: true, put: true, convert: convert.oneOf(VNIC_TYPES) },
  'binding:profile': { post: true, put: true, convert: convert.anyDict },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
  status: { post: false, put: false },
};

export const PORT_LIST: ListSpec = {
  collection: 'ports',
  columns: {
    id: { column: 'network_port.id', kind: 'string' },
    name: { column: 'network_port.name', kind: 'string' },
    description: { column: 'network_port.description', kind: 'string' },
    tenant_id: { column: 'network_port.project_id', kind: 'string' },
    project_id: { column: 'network_port.project_id', kind: 'string' },
    network_id: { column: 'network_port.network_id', kind: 'string' },
    mac_address: { column: 'network_port.mac_address', kind: 'string' },
    admin_state_up: { column: 'network_port.admin_state_up', kind: 'bool' },
    status: { column: 'network_port.status', kind: 'string' },
    device_id: { column: 'network_port.device_id', kind: 'string' },
    device_owner: { column: 'network_port.device_owner', kind: 'string' },
    port_security_enabled: { column: 'network_port.port_security_enabled', kind: 'bool' },
    'binding:host_id': { column: 'network_port.binding_host_id', kind: 'string' },
    'binding:vnic_type': { column: 'network_port.binding_vnic_type', kind: 'string' },
    revision_number: { column: 'network_port.revision_number', kind: 'int' },
    created_at: { column: 'network_port.created_at', kind: 'string' },
    updated_at: { column: 'network_port.updated_at', kind: 'string' },
  },
  customFilters: ['fixed_ips', 'security_groups'],
};
