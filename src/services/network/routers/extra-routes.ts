/**
 * Extra routes (extraroute): each next hop must be an address on a subnet the router is
 * attached to, and not one of the router's own addresses, as Neutron checks them.
 */
import { cidrContains, formatAddress, parseAddress, parseCidr } from '../ipam/address.ts';
import { l3Errors } from './errors.ts';
import type { RouterAddress } from './topology.ts';

export interface ExtraRoute {
  readonly destination: string;
  readonly nexthop: string;
}

const show = (routes: readonly ExtraRoute[]) => JSON.stringify(routes);

export function validateRoutes(routes: readonly ExtraRoute[], attached: readonly RouterAddress[], maxRoutes: number): ExtraRoute[] {
  if (routes.length > maxRoutes) throw l3Errors.invalidRoutes(show(routes), `number of routes exceeds the maximum ${maxRoutes}`);
  const seen = new Set<string>();
  const out: ExtraRoute[] = [];
  for (const r of routes) {
    const dest = parseCidr(r.destination)!;
    const hop = parseAddress(r.nexthop)!;
    if (dest.version !== hop.version) throw l3Errors.invalidRoutes(show([r]), 'the nexthop and destination are of different IP versions');
    const hopText = formatAddress(hop);
    if (!attached.some((a) => cidrContains(parseCidr(a.cidr)!, hop))) {
      throw l3Errors.invalidRoutes(show([r]), 'the nexthop is not connected with router');
    }
    if (attached.some((a) => a.ipAddress === hopText)) throw l3Errors.invalidRoutes(show([r]), 'the nexthop is used by router');
    const key = `${r.destination} ${hopText}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ destination: r.destination, nexthop: hopText });
  }
  return out;
}

/** Whether a route's next hop lies in this subnet (then the interface carries the route). */
export function routesThrough(routes: readonly ExtraRoute[], cidr: string): boolean {
  const c = parseCidr(cidr)!;
  return routes.some((r) => {
    const hop = parseAddress(r.nexthop);
    return hop !== undefined && cidrContains(c, hop);
  });
}
