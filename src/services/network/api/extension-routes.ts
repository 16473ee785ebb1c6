import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { networkErrors } from '../errors.ts';

interface Extension {
  readonly alias: string;
  readonly name: string;
  readonly description: string;
}

/**
 * The extensions this service implements, and only those: clients (openstacksdk, the
 * openstack CLI, Tempest) decide what to call from this list. Add an entry in the same
 * change that makes its API exist.
 */
export const EXTENSIONS: readonly Extension[] = [
  { alias: 'project-id', name: 'project_id field enabled', description: 'Extension that indicates that project_id field is enabled.' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.' },
  { alias: 'standard-attr-tag', name: 'Tag support for resources with standard attribute: network, subnet, port, security_group, router, floatingip', description: 'Enables to set tag on resources with standard attribute.' },
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.' },
  { alias: 'net-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.' },
  { alias: 'net-mtu-writable', name: 'Network MTU (writable)', description: 'Provides a writable MTU attribute for a network resource.' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security' },
  { alias: 'allowed-address-pairs', name: 'Allowed Address Pairs', description: 'Provides allowed address pairs' },
  { alias: 'extra_dhcp_opt', name: 'Neutron Extra DHCP options', description: 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)' },
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application' },
  { alias: 'l2_adjacency', name: 'L2 Adjacency', description: 'Display whether a network is L2 adjacent' },
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not' },
  { alias: 'security-groups-normalized-cidr', name: 'Normalized CIDR field for security group rules', description: 'Add new field with normalized remote_ip_prefix cidr in SG rule' },
  { alias: 'router', name: 'Neutron L3 Router', description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.' },
  { alias: 'ext-gw-mode', name: 'Neutron L3 Configurable external gateway mode', description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway' },
  { alias: 'extraroute', name: 'Neutron Extra Route', description: 'Extra routes configuration for L3 router' },
  { alias: 'extraroute-atomic', name: 'Atomically add/remove extra routes', description: 'Edit extra routes of a router on server side by atomically adding/removing extra routes' },
  { alias: 'fip-port-details', name: 'Floating IP Port Details Extension', description: 'Add port_details attribute to Floating IP resource' },
  { alias: 'quotas', name: 'Quota management support', description: 'Expose functions for quotas management per project' },
  { alias: 'quota_details', name: 'Quota details management support', description: 'Expose functions for quotas usage statistics per project' },
  { alias: 'pagination', name: 'Pagination support', description: 'Extension that indicates that pagination is enabled.' },
  { alias: 'sorting', name: 'Sorting support', description: 'Extension that indicates that sorting is enabled.' },
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filter parameters.' },
];

const UPDATED = '2024-01-01T00:00:00-00:00';

const view = (e: Extension) => ({ alias: e.alias, name: e.name, description: e.description, updated: UPDATED, links: [] });

const RESOURCES: ReadonlyArray<[string, string]> = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['port', 'ports'],
  ['security_group', 'security-groups'],
  ['security_group_rule', 'security-group-rules'],
  ['router', 'routers'],
  ['floatingip', 'floatingips'],
  ['quota', 'quotas'],
];

/** The version documents at / and /v2.0, and /v2.0/extensions. */
export function extensionRoutes(): RouteSpec[] {
  const versions = (call: ApiCall) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${call.baseUrl}/v2.0/` }] }],
  });
  return [
    defineRoute({ method: 'GET', url: '/', auth: 'none', policy: null, handler: versions }),
    defineRoute({
      method: 'GET',
      url: '/v2.0',
      auth: 'none',
      policy: null,
      handler: (call) => ({
        resources: RESOURCES.map(([name, path]) => ({
          name,
          collection: path.replace(/-/g, '_'),
          links: [{ rel: 'self', href: `${call.baseUrl}/v2.0/${path}` }],
        })),
      }),
    }),
    defineRoute({ method: 'GET', url: '/v2.0/extensions', policy: 'regular_user', handler: () => ({ extensions: EXTENSIONS.map(view) }) }),
    defineRoute({
      method: 'GET',
      url: '/v2.0/extensions/:alias',
      policy: 'regular_user',
      handler(call) {
        const alias = (call.params as { alias: string }).alias;
        const ext = EXTENSIONS.find((e) => e.alias === alias);
        if (!ext) throw networkErrors.resourceNotFound(`Extension with alias ${alias} does not exist`);
        return { extension: view(ext) };
      },
    }),
  ];
}
