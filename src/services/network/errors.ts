import { ApiError } from '../../core/errors/index.ts';
import type { FaultFormatter } from '../../core/http/index.ts';

/** Exception class names of the webob errors Neutron answers for generic failures. */
const GENERIC_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  406: 'HTTPNotAcceptable',
  409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented',
  503: 'HTTPServiceUnavailable',
};

const PREFIX = 'network.';

/**
 * Neutron's fault body, `{"NeutronError": {"type", "message", "detail"}}`, where `type` is
 * the name of the neutron-lib exception class. Errors raised here carry that name in their
 * code (`network.NetworkNotFound`); generic ones get the webob class name of their status,
 * and a policy refusal is PolicyNotAuthorized as Neutron's policy engine reports it.
 */
export const neutronFault: FaultFormatter = (err: ApiError) => {
  let type: string;
  if (err.code.startsWith(PREFIX)) type = err.code.slice(PREFIX.length);
  else if (err.status === 403 && err.code === 'forbidden') type = 'PolicyNotAuthorized';
  else type = GENERIC_TYPES[err.status] ?? 'HTTPError';
  return { NeutronError: { type, message: err.message, detail: err.detail } };
};

const make = (status: number, type: string) => (message: string) => new ApiError(status, `${PREFIX}${type}`, message);

const notFound = (kind: string, type: string) => (id: string) =>
  new ApiError(404, `${PREFIX}${type}`, `${kind} ${id} could not be found.`);

/** The network service's errors: neutron-lib exception names and their messages. */
export const networkErrors = {
  networkNotFound: (id: string) => new ApiError(404, `${PREFIX}NetworkNotFound`, `Network ${id} could not be found.`),
  subnetNotFound: (id: string) => new ApiError(404, `${PREFIX}SubnetNotFound`, `Subnet ${id} could not be found.`),
  portNotFound: (id: string) => new ApiError(404, `${PREFIX}PortNotFound`, `Port ${id} could not be found.`),
  tagNotFound: (resourceId: string, tag: string) =>
    new ApiError(404, `${PREFIX}TagNotFound`, `Tag ${tag} could not be found for resource ${resourceId}.`),
  resourceNotFound: notFound('Resource', 'NotFound'),
  invalidInput: (message: string) => new ApiError(400, `${PREFIX}InvalidInput`, `Invalid input for operation: ${message}`),
  badRequest: (resource: string, message: string) =>
    new ApiError(400, `${PREFIX}BadRequest`, `Bad ${resource} request: ${message}.`),
  networkInUse: (id: string) =>
    new ApiError(409, `${PREFIX}NetworkInUse`, `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`),
  subnetInUse: (id: string) =>
    new ApiError(409, `${PREFIX}SubnetInUse`, `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`),
  ipAddressInUse: (ip: string, networkId: string) =>
    new ApiError(409, `${PREFIX}IpAddressInUse`, `Unable to complete operation for network ${networkId}. The IP address ${ip} is in use.`),
  ipAddressGenerationFailure: (networkId: string) =>
    new ApiError(409, `${PREFIX}IpAddressGenerationFailure`, `No more IP addresses available on network ${networkId}.`),
  invalidIpForSubnet: (ip: string) =>
    new ApiError(400, `${PREFIX}InvalidIpForSubnet`, `IP address ${ip} is not a valid IP for the specified subnet.`),
  invalidIpForNetwork: (ip: string) =>
    new ApiError(400, `${PREFIX}InvalidIpForNetwork`, `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`),
  macAddressInUse: (mac: string, networkId: string) =>
    new ApiError(409, `${PREFIX}MacAddressInUse`, `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`),
  macGenerationFailure: (networkId: string) =>
    new ApiError(503, `${PREFIX}MacAddressGenerationFailure`, `Unable to generate unique mac on network ${networkId}.`),
  invalidAllocationPool: (pool: string) =>
    new ApiError(400, `${PREFIX}InvalidAllocationPool`, `The allocation pool ${pool} is not valid.`),
  overlappingAllocationPools: (a: string, b: string, subnetCidr: string) =>
    new ApiError(409, `${PREFIX}OverlappingAllocationPools`, `Found overlapping allocation pools: ${a} and ${b} for subnet ${subnetCidr}.`),
  outOfBoundsAllocationPool: (pool: string, cidr: string) =>
    new ApiError(400, `${PREFIX}OutOfBoundsAllocationPool`, `The allocation pool ${pool} spans beyond the subnet cidr ${cidr}.`),
  gatewayConflictWithAllocationPools: (gateway: string, pool: string) =>
    new ApiError(409, `${PREFIX}GatewayConflictWithAllocationPools`, `Gateway ip ${gateway} conflicts with allocation pool ${pool}.`),
  invalidSharedSetting: (network: string) =>
    new ApiError(409, `${PREFIX}InvalidSharedSetting`, `Unable to reconfigure sharing settings for network ${network}. Multiple tenants are using it.`),
  segmentationIdInUse: (type: string, physnet: string | null, id: number) =>
    new ApiError(
      409,
      `${PREFIX}${type === 'vlan' || type === 'flat' ? 'VlanIdInUse' : 'TunnelIdInUse'}`,
      type === 'flat'
        ? `Unable to create the flat network. Physical network ${physnet ?? ''} is in use.`
        : type === 'vlan'
          ? `Unable to create the network. The VLAN ${id} on physical network ${physnet ?? ''} is in use.`
          : `Unable to create the network. The tunnel ID ${id} is in use.`,
    ),
  noNetworkAvailable: () =>
    new ApiError(503, `${PREFIX}NoNetworkAvailable`, 'Unable to create the network. No tenant network is available for allocation.'),
  conflict: make(409, 'Conflict'),
  overQuota: make(409, 'OverQuota'),
  ipAllocationRaced: (subnetId: string) =>
    new ApiError(409, `${PREFIX}IpAddressGenerationFailure`, `Could not allocate an address on subnet ${subnetId}: other requests kept taking the chosen addresses; retry.`, { retryable: true }),
};
