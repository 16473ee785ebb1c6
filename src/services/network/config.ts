import { defineSection, opt } from '../../core/config/index.ts';

/** Options of the network service; names follow neutron.conf and ml2_conf.ini where one exists. */
export const networkConfig = defineSection('network', 'Network service (Neutron v2.0 API).', {
  port: opt.int(9696, 'TCP port the network API listens on (0 picks a free one).', { min: 0, max: 65535 }),
  database_url: opt.url('', 'Database URL for the network service; empty uses database.url.', { secret: true }),
  driver: opt.enum(['memory'], 'memory', 'Data-plane driver: memory (the embedded default: keeps the logical topology in process, forwards no packets).'),
  base_mac: opt.string('fa:16:3e:00:00:00', 'MAC prefix of generated port MACs: the first three octets are kept, the rest are random (neutron base_mac).'),
  global_physnet_mtu: opt.int(1500, 'MTU of the underlying physical network; tenant network MTUs are derived from it (neutron global_physnet_mtu).', { min: 68, max: 65535 }),
  tenant_network_types: opt.list(['geneve'], 'Network types of project networks, in order of preference: geneve, vxlan, vlan (ml2 tenant_network_types).'),
  flat_networks: opt.list(['physnet1'], 'Physical networks on which flat provider networks may be created; * allows any (ml2_type_flat flat_networks).'),
  network_vlan_ranges: opt.list(['physnet1'], 'Physical networks for VLAN provider networks, each physnet or physnet:min:max; a range also makes them available to project networks (ml2_type_vlan network_vlan_ranges).'),
  geneve_vni_ranges: opt.list(['1:65536'], 'Geneve VNI ranges min:max for project networks (ml2_type_geneve vni_ranges).'),
  vxlan_vni_ranges: opt.list([], 'VXLAN VNI ranges min:max for project networks (ml2_type_vxlan vni_ranges).'),
  default_availability_zones: opt.list([], 'Availability zones of networks created without hints (neutron default_availability_zones).'),
  dns_domain: opt.string('openstacklocal', 'DNS domain shown by the dns extension (neutron dns_domain).'),
  pagination_max_limit: opt.int(-1, 'Most items a list returns in one page; -1 means no cap (neutron pagination_max_limit).', { min: -1 }),
  max_fixed_ips_per_port: opt.int(5, 'Most fixed IPs a port may hold (neutron max_fixed_ips_per_port).', { min: 1 }),
  enable_snat_by_default: opt.bool(true, 'Whether a router gateway set without enable_snat does SNAT (neutron enable_snat_by_default).'),
  max_routes: opt.int(30, 'Most extra routes a router may hold (neutron max_routes).', { min: 0 }),
  quota_network: opt.int(100, 'Networks a project may have by default; -1 for no limit (neutron quota_network).', { min: -1 }),
  quota_subnet: opt.int(100, 'Subnets a project may have by default; -1 for no limit (neutron quota_subnet).', { min: -1 }),
  quota_port: opt.int(500, 'Ports a project may have by default; -1 for no limit (neutron quota_port).', { min: -1 }),
  quota_router: opt.int(10, 'Routers a project may have by default; -1 for no limit (neutron quota_router).', { min: -1 }),
  quota_floatingip: opt.int(50, 'Floating IPs a project may have by default; -1 for no limit (neutron quota_floatingip).', { min: -1 }),
  quota_security_group: opt.int(10, 'Security groups a project may have by default, its default group included; -1 for no limit (neutron quota_security_group).', { min: -1 }),
  quota_security_group_rule: opt.int(100, 'Security group rules a project may have by default; -1 for no limit (neutron quota_security_group_rule).', { min: -1 }),
  ipam_retries: opt.int(20, 'How often an address allocation that lost a race to another API process is retried before the request fails with 409.', { min: 1, max: 1000 }),
});
