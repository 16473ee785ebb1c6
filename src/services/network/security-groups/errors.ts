import { ApiError } from '../../../core/errors/index.ts';

const P = 'network.';
const e = (status: number, type: string, message: string) => new ApiError(status, `${P}${type}`, message);

/** neutron-lib's security group exceptions (neutron_lib/exceptions and extensions/securitygroup). */
export const securityGroupErrors = {
  notFound: (id: string) => e(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`),
  ruleNotFound: (id: string) => e(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`),
  inUse: (id: string, reason = 'in use') => e(409, 'SecurityGroupInUse', `Security Group ${id} ${reason}.`),
  cannotRemoveDefault: () => e(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.'),
  cannotUpdateDefault: () => e(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.'),
  defaultAlreadyExists: () => e(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.'),
  ruleExists: (ruleId: string) => e(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${ruleId}.`),
  invalidProtocol: (protocol: string) =>
    e(400, 'SecurityGroupRuleInvalidProtocol', `Security group rule protocol ${protocol} not supported. Only protocol values [None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite', 'vrrp'] and integer representations [0 to 255] are supported.`),
  protocolRequiredWithPorts: () => e(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.'),
  invalidPortRange: () => e(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max'),
  invalidPortValue: (port: number) => e(400, 'SecurityGroupInvalidPortValue', `Invalid value for port ${port}`),
  invalidIcmpValue: (field: string, attr: string, value: number) =>
    e(400, 'SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`),
  missingIcmpType: (value: number) =>
    e(400, 'SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${value} is provided but ICMP type (port-range-min) is missing.`),
  invalidProtocolForPort: (protocol: string, valid: string) =>
    e(400, 'SecurityGroupInvalidProtocolForPort', `Invalid protocol ${protocol} for port range, only supported for ${valid} protocols.`),
  ethertypeConflictWithProtocol: (ethertype: string, protocol: string) =>
    e(400, 'SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype ${ethertype} for protocol ${protocol}.`),
  parameterConflict: (ethertype: string, cidr: string) =>
    e(400, 'SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${ethertype} for CIDR ${cidr}`),
  remoteGroupAndRemoteIpPrefix: () =>
    e(400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.'),
  invalidPrefix: (prefix: string) => e(400, 'HTTPBadRequest', `Invalid input for remote_ip_prefix. Reason: '${prefix}' is not a valid IP subnet.`),
  portSecurityAndIpRequired: () =>
    e(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.'),
  portHasSecurityGroup: () =>
    e(409, 'PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or IP address until security group is removed'),
};
