/**
 * Hands out fixed IPs. The guarantee that no address goes out twice is the primary key of
 * network_ip_allocation (subnet_id, ip_address), not anything in this process: two API
 * processes may pick the same free address, one insert wins, the other transaction fails
 * with a unique violation and is run again by `withAllocationRetry`, which then sees the
 * address taken. On a retry the candidate is drawn at random from the first free addresses
 * (as Neutron's IPAM does) so that many racing requests spread out instead of colliding on
 * the same "next" address again.
 */
import { randomInt } from 'node:crypto';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { networkErrors } from '../errors.ts';
import type { NetworkDb, NetworkTx } from '../store/db.ts';
import type { SubnetTable } from '../store/tables.ts';
import { cidrBounds, cidrContains, formatAddress, parseAddress } from './address.ts';
import { eui64Address, isAutoAddress, subnetPlan, type SubnetPlan } from './subnet-plan.ts';

/** One entry of a port's `fixed_ips` request. */
export interface FixedIpRequest {
  readonly subnet_id?: string | undefined;
  readonly ip_address?: string | undefined;
}

export interface FixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

export interface AllocationContext {
  readonly networkId: string;
  readonly portId: string;
  readonly macAddress: string;
  readonly deviceOwner: string;
  /** 0 on the first try; later tries pick at random among the first free addresses. */
  readonly attempt: number;
  readonly maxFixedIps: number;
}

/** How many free addresses a retry chooses among. */
const RETRY_WINDOW = 16;

const isRouterOwner = (owner: string) => owner.startsWith('network:router') || owner === 'network:ha_router_replicated_interface';

/** Addresses already taken on a subnet, as numbers. */
async function takenOn(tx: NetworkTx, subnetId: string): Promise<Set<bigint>> {
  const rows = await tx.selectFrom('network_ip_allocation').select('ip_address').where('subnet_id', '=', subnetId).execute();
  return new Set(rows.map((r) => parseAddress(r.ip_address)!.value));
}

/**
 * The next free address of a subnet's pools, skipping the gateway and `also` (addresses
 * this request already chose), or undefined when the pools are exhausted.
 */
export async function pickFreeAddress(
  tx: NetworkTx,
  plan: SubnetPlan,
  attempt: number,
  also: ReadonlySet<bigint> = new Set(),
): Promise<bigint | undefined> {
  const taken = await takenOn(tx, plan.id);
  const window = attempt === 0 ? 1 : RETRY_WINDOW;
  const candidates: bigint[] = [];
  for (const pool of plan.pools) {
    for (let v = pool.first; v <= pool.last && candidates.length < window; v++) {
      if (taken.has(v) || also.has(v) || v === plan.gateway) continue;
      candidates.push(v);
    }
    if (candidates.length >= window) break;
  }
  if (candidates.length === 0) return undefined;
  return candidates[randomInt(candidates.length)];
}

/**
 * Works out the fixed IPs of a new port (or the added ones of an updated port) and inserts
 * their allocation rows in `tx`. Without requests the port gets one address from the
 * first IPv4 subnet with room, one from a stateful IPv6 subnet, and its EUI-64 address on
 * every SLAAC subnet, as Neutron does.
 */
export async function allocateFixedIps(
  tx: NetworkTx,
  ctx: AllocationContext,
  subnetRows: readonly SubnetTable[],
  requests: readonly FixedIpRequest[] | undefined,
): Promise<FixedIp[]> {
  const plans = subnetRows.map(subnetPlan);
  const chosen: Array<{ plan: SubnetPlan; value: bigint }> = [];
  const chosenOn = (plan: SubnetPlan) => new Set(chosen.filter((c) => c.plan.id === plan.id).map((c) => c.value));

  if (requests === undefined) {
    const v4 = plans.filter((p) => p.version === 4);
    if (v4.length) {
      let got = false;
      for (const plan of v4) {
        const value = await pickFreeAddress(tx, plan, ctx.attempt);
        if (value !== undefined) {
          chosen.push({ plan, value });
          got = true;
          break;
        }
      }
      if (!got) throw networkErrors.ipAddressGenerationFailure(ctx.networkId);
    }
    let statefulV6 = false;
    for (const plan of plans.filter((p) => p.version === 6)) {
      if (isAutoAddress(plan)) chosen.push({ plan, value: eui64Address(plan, ctx.macAddress) });
      else if (!statefulV6) {
        const value = await pickFreeAddress(tx, plan, ctx.attempt);
        if (value === undefined) throw networkErrors.ipAddressGenerationFailure(ctx.networkId);
        chosen.push({ plan, value });
        statefulV6 = true;
      }
    }
  } else {
    if (requests.length > ctx.maxFixedIps) throw networkErrors.invalidInput('Exceeded maximum amount of fixed ips per port.');
    for (const req of requests) {
      let plan: SubnetPlan | undefined;
      if (req.subnet_id !== undefined) {
        plan = plans.find((p) => p.id === req.subnet_id);
        if (!plan) {
          throw networkErrors.invalidInput(`Failed to create port on network ${ctx.networkId}, because fixed_ips included invalid subnet ${req.subnet_id}`);
        }
      }
      if (req.ip_address !== undefined) {
        const addr = parseAddress(req.ip_address);
        if (!addr) throw networkErrors.invalidInput(`'${req.ip_address}' is not a valid IP address`);
        if (plan) {
          if (!cidrContains(plan.cidr, addr)) throw networkErrors.invalidIpForSubnet(req.ip_address);
        } else {
          plan = plans.find((p) => cidrContains(p.cidr, addr));
          if (!plan) throw networkErrors.invalidIpForNetwork(req.ip_address);
        }
        const { first, last } = cidrBounds(plan.cidr);
        if (plan.version === 4 && plan.cidr.prefix < 31 && (addr.value === first || addr.value === last)) {
          throw networkErrors.invalidIpForSubnet(req.ip_address);
        }
        const text = formatAddress(addr);
        if (addr.value === plan.gateway && !isRouterOwner(ctx.deviceOwner)) throw networkErrors.ipAddressInUse(text, ctx.networkId);
        if (chosen.some((c) => c.plan.id === plan!.id && c.value === addr.value)) {
          throw networkErrors.invalidInput(`Duplicate IP address '${text}'`);
        }
        const used = await tx
          .selectFrom('network_ip_allocation')
          .select('port_id')
          .where('subnet_id', '=', plan.id)
          .where('ip_address', '=', text)
          .executeTakeFirst();
        if (used && used.port_id !== ctx.portId) throw networkErrors.ipAddressInUse(text, ctx.networkId);
        chosen.push({ plan, value: addr.value });
      } else if (plan) {
        if (isAutoAddress(plan)) {
          chosen.push({ plan, value: eui64Address(plan, ctx.macAddress) });
          continue;
        }
        const value = await pickFreeAddress(tx, plan, ctx.attempt, chosenOn(plan));
        if (value === undefined) throw networkErrors.ipAddressGenerationFailure(ctx.networkId);
        chosen.push({ plan, value });
      } else {
        throw networkErrors.invalidInput('IP allocation requires subnet_id or ip_address');
      }
    }
  }
  const ips = chosen.map((c) => ({ subnet_id: c.plan.id, ip_address: formatAddress({ version: c.plan.version, value: c.value }) }));
  if (ips.length) {
    await tx
      .insertInto('network_ip_allocation')
      .values(ips.map((ip) => ({ ...ip, network_id: ctx.networkId, port_id: ctx.portId })))
      .execute();
  }
  return ips;
}

/**
 * A deadlock or serialization failure the database resolved by aborting us (MariaDB 1213,
 * PostgreSQL 40P01/40001): concurrent inserts into the same index can end this way, and
 * running the transaction again is the remedy.
 */
export function isSerializationFailure(err: unknown): boolean {
  const e = err as { errno?: unknown; code?: unknown } | null;
  return e !== null && typeof e === 'object' && (e.errno === 1213 || e.code === '40P01' || e.code === '40001');
}

/**
 * Runs `work` in a transaction, again from the start when it lost a race on a unique key
 * (an address or a MAC another process took between our read and our insert), up to
 * `retries` times; then the caller gets a retryable 409.
 */
export async function withAllocationRetry<T>(
  db: NetworkDb,
  retries: number,
  work: (tx: NetworkTx, attempt: number) => Promise<T>,
  onGiveUp: () => Error,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute((tx) => work(tx, attempt));
    } catch (err) {
      if (!isUniqueViolation(err) && !isSerializationFailure(err)) throw err;
      if (attempt + 1 >= retries) throw onGiveUp();
    }
  }
}
