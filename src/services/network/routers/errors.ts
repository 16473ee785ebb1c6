import { ApiError } from '../../../core/errors/index.ts';

const P = 'network.';
const e = (status: number, type: string, message: string) => new ApiError(status, `${P}${type}`, message);

/** neutron-lib's L3 exceptions (neutron_lib/exceptions/l3.py) with their messages. */
export const l3Errors = {
  routerNotFound: (id: string) => e(404, 'RouterNotFound', `Router ${id} could not be found`),
  floatingIpNotFound: (id: string) => e(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`),
  routerInUse: (id: string) => e(409, 'RouterInUse', `Router ${id} still has ports`),
  badRouter: (message: string) => e(400, 'BadRequest', `Bad router request: ${message}.`),
  badFloatingIp: (message: string) => e(400, 'BadRequest', `Bad floatingip request: ${message}.`),
  interfaceNotFound: (routerId: string, portId: string) =>
    e(404, 'RouterInterfaceNotFound', `Router ${routerId} does not have an interface with id ${portId}`),
  interfaceNotFoundForSubnet: (routerId: string, subnetId: string) =>
    e(404, 'RouterInterfaceNotFoundForSubnet', `Router ${routerId} has no interface on subnet ${subnetId}`),
  interfaceInUseByFloatingIp: (routerId: string, subnetId: string) =>
    e(409, 'RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more floating IPs.`),
  interfaceInUseByRoute: (routerId: string, subnetId: string) =>
    e(409, 'RouterInterfaceInUseByRoute', `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more routes.`),
  gatewayInUseByFloatingIp: (routerId: string, networkId: string) =>
    e(409, 'RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${routerId}, since a gateway to external network ${networkId} is required by one or more floating IPs.`),
  externalGatewayForFloatingIpNotFound: (networkId: string, subnetId: string, portId: string) =>
    e(404, 'ExternalGatewayForFloatingIPNotFound', `External network ${networkId} is not reachable from subnet ${subnetId}.  Therefore, cannot associate Port ${portId} with a Floating IP.`),
  floatingIpPortAlreadyAssociated: (fipAddress: string, fipId: string, portId: string, fixedIp: string, networkId: string) =>
    e(409, 'FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${fipAddress} (${fipId}) with port ${portId} using fixed IP ${fixedIp}, as that fixed IP already has a floating IP on external network ${networkId}.`),
  portInUse: (portId: string, networkId: string, deviceId: string) =>
    e(409, 'PortInUse', `Unable to complete operation on port ${portId} for network ${networkId}. Port already has an attached device ${deviceId}.`),
  l3PortInUse: (portId: string, owner: string) =>
    e(409, 'L3PortInUse', `Port ${portId} has owner ${owner} and therefore cannot be deleted directly via the port API.`),
  invalidRoutes: (routes: string, reason: string) => e(400, 'InvalidRoutes', `Invalid format for routes: ${routes}, ${reason}`),
  externalNetworkInUse: (networkId: string) =>
    e(409, 'ExternalNetworkInUse', `External network ${networkId} cannot be updated to be made non-external, since it has existing gateway ports.`),
};
