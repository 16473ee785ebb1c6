import type { PolicyDefault } from '../../core/auth/policy/index.ts';
import { anyOf } from '../../core/auth/policy/index.ts';

/**
 * Default policies under Neutron's rule names (neutron/conf/policies, the 2023 defaults with
 * enforce_new_defaults: admin, project member, project reader). The helper rules keep
 * Neutron's names so an operator's policy.yaml that overrides them applies. Two spellings
 * differ, because the core policy language has no `field:` check: `shared` and `external`
 * read the target's `shared` / `router:external` with oslo's literal generic check
 * (`True:%(shared)s`), which is what `field:networks:shared=True` means for our targets.
 */
const ADMIN = 'rule:admin_only';
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const NET_OWNER_MEMBER = 'role:member and project_id:%(network:project_id)s';
const NET_OWNER_READER = 'role:reader and project_id:%(network:project_id)s';
const ADVSVC = 'rule:context_is_advsvc';
const SERVICE = 'rule:service_api';

const ADMIN_OR_PROJECT_MEMBER = anyOf(ADMIN, PROJECT_MEMBER);
const ADMIN_OR_PROJECT_READER = anyOf(ADMIN, PROJECT_READER);
const ADMIN_OR_NET_OWNER_MEMBER = anyOf(ADMIN, NET_OWNER_MEMBER);

const rule = (name: string, check: string, description: string): PolicyDefault => ({ name, check, description });

const helpers: PolicyDefault[] = [
  rule('admin_only', 'rule:context_is_admin', 'Neutron: only a cloud administrator.'),
  rule('service_api', 'role:service', 'Neutron: an OpenStack service (Nova binding ports).'),
  rule('context_is_advsvc', 'role:advsvc', 'Neutron: the advanced-services role that may manage ports on any network.'),
  rule('regular_user', '', 'Neutron: any authenticated user.'),
  rule('owner', 'project_id:%(project_id)s', 'Neutron: the project owning the resource.'),
  rule('network_owner', 'project_id:%(network:project_id)s', 'Neutron: the project owning the resource\'s network.'),
  rule('admin_or_network_owner', anyOf('rule:context_is_admin', 'project_id:%(network:project_id)s'), 'Neutron: admin, or the project owning the network.'),
  rule('shared', 'True:%(shared)s', 'The network (or the subnet\'s network) is shared (Neutron: field:networks:shared=True).'),
  rule('external', 'True:%(router:external)s', 'The network is external (Neutron: field:networks:router:external=True).'),
];

const networks: PolicyDefault[] = [
  rule('create_network', ADMIN_OR_PROJECT_MEMBER, 'POST /networks'),
  rule('create_network:shared', ADMIN, 'POST /networks with shared'),
  rule('create_network:router:external', ADMIN, 'POST /networks with router:external'),
  rule('create_network:is_default', ADMIN, 'POST /networks with is_default'),
  rule('create_network:port_security_enabled', ADMIN_OR_PROJECT_MEMBER, 'POST /networks with port_security_enabled'),
  rule('create_network:segments', ADMIN, 'POST /networks with segments'),
  rule('create_network:provider:network_type', ADMIN, 'POST /networks with provider:network_type'),
  rule('create_network:provider:physical_network', ADMIN, 'POST /networks with provider:physical_network'),
  rule('create_network:provider:segmentation_id', ADMIN, 'POST /networks with provider:segmentation_id'),
  rule('get_network', anyOf(ADMIN_OR_PROJECT_READER, 'rule:shared', 'rule:external', ADVSVC), 'GET /networks, GET /networks/{id}'),
  rule('get_network:router:external', '', 'Show router:external.'),
  rule('get_network:segments', ADMIN, 'Show segments.'),
  rule('get_network:provider:network_type', ADMIN, 'Show provider:network_type.'),
  rule('get_network:provider:physical_network', ADMIN, 'Show provider:physical_network.'),
  rule('get_network:provider:segmentation_id', ADMIN, 'Show provider:segmentation_id.'),
  rule('update_network', ADMIN_OR_PROJECT_MEMBER, 'PUT /networks/{id}'),
  rule('update_network:segments', ADMIN, 'PUT /networks/{id} with segments'),
  rule('update_network:shared', ADMIN, 'PUT /networks/{id} with shared'),
  rule('update_network:provider:network_type', ADMIN, 'PUT /networks/{id} with provider:network_type'),
  rule('update_network:provider:physical_network', ADMIN, 'PUT /networks/{id} with provider:physical_network'),
  rule('update_network:provider:segmentation_id', ADMIN, 'PUT /networks/{id} with provider:segmentation_id'),
  rule('update_network:router:external', ADMIN, 'PUT /networks/{id} with router:external'),
  rule('update_network:is_default', ADMIN, 'PUT /networks/{id} with is_default'),
  rule('update_network:port_security_enabled', ADMIN_OR_PROJECT_MEMBER, 'PUT /networks/{id} with port_security_enabled'),
  rule('delete_network', ADMIN_OR_PROJECT_MEMBER, 'DELETE /networks/{id}'),
];

const subnets: PolicyDefault[] = [
  rule('create_subnet', ADMIN_OR_NET_OWNER_MEMBER, 'POST /subnets'),
  rule('create_subnet:segment_id', ADMIN, 'POST /subnets with segment_id'),
  rule('create_subnet:service_types', ADMIN, 'POST /subnets with service_types'),
  rule('get_subnet', anyOf(ADMIN_OR_PROJECT_READER, 'rule:shared'), 'GET /subnets, GET /subnets/{id}'),
  rule('get_subnet:segment_id', ADMIN, 'Show segment_id.'),
  rule('update_subnet', ADMIN_OR_NET_OWNER_MEMBER, 'PUT /subnets/{id}'),
  rule('update_subnet:segment_id', ADMIN, 'PUT /subnets/{id} with segment_id'),
  rule('update_subnet:service_types', ADMIN, 'PUT /subnets/{id} with service_types'),
  rule('delete_subnet', ADMIN_OR_NET_OWNER_MEMBER, 'DELETE /subnets/{id}'),
];

const PORT_NET_OWNER = anyOf(ADMIN, ADVSVC, NET_OWNER_MEMBER);

const ports: PolicyDefault[] = [
  rule('create_port', ADMIN_OR_PROJECT_MEMBER, 'POST /ports'),
  rule('create_port:device_owner', PORT_NET_OWNER, 'POST /ports with a network:* device_owner'),
  rule('create_port:mac_address', PORT_NET_OWNER, 'POST /ports with mac_address'),
  rule('create_port:fixed_ips', anyOf(PORT_NET_OWNER, 'rule:shared'), 'POST /ports with fixed_ips'),
  rule('create_port:fixed_ips:ip_address', PORT_NET_OWNER, 'POST /ports with fixed_ips naming an ip_address'),
  rule('create_port:fixed_ips:subnet_id', anyOf(PORT_NET_OWNER, 'rule:shared'), 'POST /ports with fixed_ips naming a subnet_id'),
  rule('create_port:port_security_enabled', PORT_NET_OWNER, 'POST /ports with port_security_enabled'),
  rule('create_port:binding:host_id', anyOf(ADMIN, SERVICE), 'POST /ports with binding:host_id'),
  rule('create_port:binding:profile', anyOf(ADMIN, SERVICE), 'POST /ports with binding:profile'),
  rule('create_port:binding:vnic_type', anyOf(ADMIN, PROJECT_MEMBER, ADVSVC), 'POST /ports with binding:vnic_type'),
  rule('create_port:allowed_address_pairs', ADMIN_OR_NET_OWNER_MEMBER, 'POST /ports with allowed_address_pairs'),
  rule('get_port', anyOf(ADMIN_OR_PROJECT_READER, ADVSVC, NET_OWNER_READER), 'GET /ports, GET /ports/{id}'),
  rule('get_port:binding:vif_type', anyOf(ADMIN, SERVICE), 'Show binding:vif_type.'),
  rule('get_port:binding:vif_details', anyOf(ADMIN, SERVICE), 'Show binding:vif_details.'),
  rule('get_port:binding:host_id', anyOf(ADMIN, SERVICE), 'Show binding:host_id.'),
  rule('get_port:binding:profile', anyOf(ADMIN, SERVICE), 'Show binding:profile.'),
  rule('update_port', anyOf(ADMIN_OR_PROJECT_MEMBER, ADVSVC), 'PUT /ports/{id}'),
  rule('update_port:device_owner', PORT_NET_OWNER, 'PUT /ports/{id} with a network:* device_owner'),
  rule('update_port:mac_address', anyOf(ADMIN, ADVSVC), 'PUT /ports/{id} with mac_address'),
  rule('update_port:fixed_ips', PORT_NET_OWNER, 'PUT /ports/{id} with fixed_ips'),
  rule('update_port:fixed_ips:ip_address', PORT_NET_OWNER, 'PUT /ports/{id} with fixed_ips naming an ip_address'),
  rule('update_port:fixed_ips:subnet_id', anyOf(PORT_NET_OWNER, 'rule:shared'), 'PUT /ports/{id} with fixed_ips naming a subnet_id'),
  rule('update_port:port_security_enabled', PORT_NET_OWNER, 'PUT /ports/{id} with port_security_enabled'),
  rule('update_port:binding:host_id', anyOf(ADMIN, SERVICE), 'PUT /ports/{id} with binding:host_id'),
  rule('update_port:binding:profile', anyOf(ADMIN, SERVICE), 'PUT /ports/{id} with binding:profile'),
  rule('update_port:binding:vnic_type', anyOf(ADMIN, PROJECT_MEMBER, ADVSVC), 'PUT /ports/{id} with binding:vnic_type'),
  rule('update_port:allowed_address_pairs', ADMIN_OR_NET_OWNER_MEMBER, 'PUT /ports/{id} with allowed_address_pairs'),
  rule('delete_port', anyOf(ADMIN_OR_PROJECT_MEMBER, ADVSVC, NET_OWNER_MEMBER), 'DELETE /ports/{id}'),
];

const SG_OWNER = 'project_id:%(security_group:project_id)s';

const securityGroups: PolicyDefault[] = [
  rule('sg_owner', SG_OWNER, 'Neutron: the project owning the rule\'s security group.'),
  rule('create_security_group', ADMIN_OR_PROJECT_MEMBER, 'POST /security-groups'),
  rule('get_security_group', ADMIN_OR_PROJECT_READER, 'GET /security-groups, GET /security-groups/{id}'),
  rule('update_security_group', ADMIN_OR_PROJECT_MEMBER, 'PUT /security-groups/{id}'),
  rule('delete_security_group', ADMIN_OR_PROJECT_MEMBER, 'DELETE /security-groups/{id}'),
  rule('create_security_group_rule', anyOf(ADMIN, `role:member and project_id:%(project_id)s and rule:sg_owner`), 'POST /security-group-rules'),
  rule('get_security_group_rule', anyOf(ADMIN_OR_PROJECT_READER, 'role:reader and rule:sg_owner'), 'GET /security-group-rules, GET /security-group-rules/{id}'),
  rule('delete_security_group_rule', anyOf(ADMIN_OR_PROJECT_MEMBER, 'role:member and rule:sg_owner'), 'DELETE /security-group-rules/{id}'),
];

const routers: PolicyDefault[] = [
  rule('create_router', ADMIN_OR_PROJECT_MEMBER, 'POST /routers'),
  rule('create_router:external_gateway_info', ADMIN_OR_PROJECT_MEMBER, 'POST /routers with external_gateway_info'),
  rule('create_router:external_gateway_info:network_id', ADMIN_OR_PROJECT_MEMBER, 'POST /routers with external_gateway_info:network_id'),
  rule('create_router:external_gateway_info:enable_snat', ADMIN, 'POST /routers with external_gateway_info:enable_snat'),
  rule('create_router:external_gateway_info:external_fixed_ips', ADMIN, 'POST /routers with external_gateway_info:external_fixed_ips'),
  rule('get_router', ADMIN_OR_PROJECT_READER, 'GET /routers, GET /routers/{id}'),
  rule('update_router', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id}'),
  rule('update_router:external_gateway_info', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id} with external_gateway_info'),
  rule('update_router:external_gateway_info:network_id', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id} with external_gateway_info:network_id'),
  rule('update_router:external_gateway_info:enable_snat', ADMIN, 'PUT /routers/{id} with external_gateway_info:enable_snat'),
  rule('update_router:external_gateway_info:external_fixed_ips', ADMIN, 'PUT /routers/{id} with external_gateway_info:external_fixed_ips'),
  rule('delete_router', ADMIN_OR_PROJECT_MEMBER, 'DELETE /routers/{id}'),
  rule('add_router_interface', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id}/add_router_interface'),
  rule('remove_router_interface', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id}/remove_router_interface'),
  rule('add_extraroutes', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id}/add_extraroutes'),
  rule('remove_extraroutes', ADMIN_OR_PROJECT_MEMBER, 'PUT /routers/{id}/remove_extraroutes'),
];

const floatingIps: PolicyDefault[] = [
  rule('create_floatingip', ADMIN_OR_PROJECT_MEMBER, 'POST /floatingips'),
  rule('create_floatingip:floating_ip_address', ADMIN, 'POST /floatingips with floating_ip_address'),
  rule('get_floatingip', ADMIN_OR_PROJECT_READER, 'GET /floatingips, GET /floatingips/{id}'),
  rule('update_floatingip', ADMIN_OR_PROJECT_MEMBER, 'PUT /floatingips/{id}'),
  rule('delete_floatingip', ADMIN_OR_PROJECT_MEMBER, 'DELETE /floatingips/{id}'),
];

const quotas: PolicyDefault[] = [
  rule('get_quota', ADMIN_OR_PROJECT_READER, 'GET /quotas, GET /quotas/{project_id}[/default|/details]'),
  rule('update_quota', ADMIN, 'PUT /quotas/{project_id}'),
  rule('delete_quota', ADMIN, 'DELETE /quotas/{project_id}'),
];

/** Neutron's tag rules are per collection: get_networks_tags, update_ports_tag ... */
function tagPolicies(collection: string): PolicyDefault[] {
  return [
    rule(`get_${collection}_tags`, ADMIN_OR_PROJECT_READER, `GET /${collection}/{id}/tags`),
    rule(`get_${collection}_tag`, ADMIN_OR_PROJECT_READER, `GET /${collection}/{id}/tags/{tag}`),
    rule(`update_${collection}_tags`, ADMIN_OR_PROJECT_MEMBER, `PUT /${collection}/{id}/tags`),
    rule(`update_${collection}_tag`, ADMIN_OR_PROJECT_MEMBER, `PUT /${collection}/{id}/tags/{tag}`),
    rule(`delete_${collection}_tags`, ADMIN_OR_PROJECT_MEMBER, `DELETE /${collection}/{id}/tags`),
    rule(`delete_${collection}_tag`, ADMIN_OR_PROJECT_MEMBER, `DELETE /${collection}/{id}/tags/{tag}`),
  ];
}

/** The collections whose resources carry tags. */
export const TAGGED_COLLECTIONS = ['networks', 'subnets', 'ports', 'security_groups', 'routers', 'floatingips'] as const;

export const networkPolicies: readonly PolicyDefault[] = [
  ...helpers,
  ...networks,
  ...subnets,
  ...ports,
  ...securityGroups,
  ...routers,
  ...floatingIps,
  ...quotas,
  ...TAGGED_COLLECTIONS.flatMap(tagPolicies),
];
