/**
 * Provider segments: validating what an admin asks for (flat, vlan, vxlan, geneve, local)
 * against the configured physical networks and ranges, and allocating a segmentation id
 * for project networks. The unique key on network_segment is what keeps two networks off
 * one VLAN or VNI, also across API processes (the loser retries, see withAllocationRetry).
 */
import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import type { NetworkSettings } from '../env.ts';
import { networkErrors } from '../errors.ts';
import type { NetworkTx } from '../store/db.ts';

export interface SegmentRequest {
  readonly networkType: string;
  readonly physicalNetwork: string | null;
  readonly segmentationId: number | null;
}

const TUNNEL_MAX = 2 ** 24 - 1;

/** Encapsulation overhead OVN's geneve and vxlan take from the physical MTU (header + outer IPv4). */
const OVERHEAD: Record<string, number> = { geneve: 58, vxlan: 50, vlan: 0, flat: 0, local: 0 };

export function maxMtu(settings: NetworkSettings, networkType: string): number {
  return settings.global_physnet_mtu - (OVERHEAD[networkType] ?? 0);
}

function ranges(list: readonly string[]): Array<[number, number]> {
  return list.map((r) => {
    const [a, b] = r.split(':').map(Number);
    return [a!, b!] as [number, number];
  });
}

/** physnet -> VLAN ranges usable for project networks (empty: provider networks only). */
function vlanPhysnets(settings: NetworkSettings): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const entry of settings.network_vlan_ranges) {
    const [name, min, max] = entry.split(':');
    if (!name) continue;
    const list = out.get(name) ?? [];
    if (min !== undefined && max !== undefined) list.push([Number(min), Number(max)]);
    out.set(name, list);
  }
  return out;
}

/** Checks an admin's provider attributes and fills in what may be left out. */
export function validateProvider(settings: NetworkSettings, req: SegmentRequest): SegmentRequest {
  const { networkType: type, physicalNetwork: physnet, segmentationId: segId } = req;
  switch (type) {
    case 'flat':
      if (segId !== null) throw networkErrors.invalidInput('segmentation_id specified for flat provider network');
      if (!physnet) throw networkErrors.invalidInput('physical_network required for flat provider network');
      if (!settings.flat_networks.includes('*') && !settings.flat_networks.includes(physnet)) {
        throw networkErrors.invalidInput(`physical_network '${physnet}' unknown for flat provider network`);
      }
      return req;
    case 'vlan':
      if (!physnet) throw networkErrors.invalidInput('physical_network required for VLAN provider network');
      if (!vlanPhysnets(settings).has(physnet)) throw networkErrors.invalidInput(`physical_network '${physnet}' unknown for VLAN provider network`);
      if (segId !== null && (segId < 1 || segId > 4094)) {
        throw networkErrors.invalidInput(`segmentation_id out of range (1 through 4094)`);
      }
      return req;
    case 'vxlan':
    case 'geneve':
      if (physnet) throw networkErrors.invalidInput(`provider:physical_network specified for ${type} network`);
      if (segId !== null && (segId < 1 || segId > TUNNEL_MAX)) {
        throw networkErrors.invalidInput(`segmentation_id out of range (1 through ${TUNNEL_MAX})`);
      }
      return req;
    case 'local':
      if (physnet || segId !== null) throw networkErrors.invalidInput('physical_network and segmentation_id prohibited for local provider network');
      return req;
    default:
      throw networkErrors.invalidInput(`network_type value '${type}' not supported`);
  }
}

async function takenIds(tx: NetworkTx, type: string, physnet: string): Promise<Set<number>> {
  const rows = await tx
    .selectFrom('network_segment')
    .select('segmentation_id')
    .where('network_type', '=', type)
    .where('physical_network', '=', physnet)
    .execute();
  return new Set(rows.map((r) => Number(r.segmentation_id)));
}

function firstFree(taken: Set<number>, rs: ReadonlyArray<[number, number]>, attempt: number): number | undefined {
  // A retry skips ahead by a random amount so racing allocators spread out.
  let skip = attempt === 0 ? 0 : Math.floor(Math.random() * 16);
  for (const [min, max] of rs) {
    for (let id = min; id <= max; id++) {
      if (taken.has(id)) continue;
      if (skip-- > 0) continue;
      return id;
    }
  }
  return undefined;
}

/**
 * Inserts the network's segment: the requested provider segment (409 when taken), or one
 * allocated from the first project network type with room (503 when none has).
 */
export async function insertSegment(
  tx: NetworkTx,
  settings: NetworkSettings,
  networkId: string,
  provider: SegmentRequest | undefined,
  attempt: number,
  now: Date,
): Promise<{ networkType: string; physicalNetwork: string | null; segmentationId: number | null }> {
  let type: string;
  let physnet = '';
  let segId: number | undefined;
  if (provider) {
    type = provider.networkType;
    physnet = provider.physicalNetwork ?? '';
    if (type === 'flat') segId = 0;
    else if (type === 'local') segId = 0;
    else if (provider.segmentationId !== null) segId = provider.segmentationId;
    else {
      const rs = type === 'vlan' ? (vlanPhysnets(settings).get(physnet) ?? []) : ranges(type === 'vxlan' ? settings.vxlan_vni_ranges : settings.geneve_vni_ranges);
      segId = firstFree(await takenIds(tx, type, physnet), rs, attempt);
      if (segId === undefined) throw networkErrors.noNetworkAvailable();
    }
    if (type !== 'local') {
      const taken = await takenIds(tx, type, physnet);
      if (taken.has(segId)) throw networkErrors.segmentationIdInUse(type, physnet || null, segId);
    } else {
      // Local networks have no shared resource; each gets its own row key.
      segId = -Math.floor(Math.random() * 2 ** 30) - 1;
    }
  } else {
    type = '';
    for (const candidate of settings.tenant_network_types) {
      if (candidate === 'vlan') {
        for (const [name, rs] of vlanPhysnets(settings)) {
          const id = firstFree(await takenIds(tx, 'vlan', name), rs, attempt);
          if (id !== undefined) {
            [type, physnet, segId] = ['vlan', name, id];
            break;
          }
        }
      } else if (candidate === 'geneve' || candidate === 'vxlan') {
        const rs = ranges(candidate === 'geneve' ? settings.geneve_vni_ranges : settings.vxlan_vni_ranges);
        const id = firstFree(await takenIds(tx, candidate, ''), rs, attempt);
        if (id !== undefined) [type, physnet, segId] = [candidate, '', id];
      } else if (candidate === 'local') {
        [type, physnet, segId] = ['local', '', -Math.floor(Math.random() * 2 ** 30) - 1];
      }
      if (type) break;
    }
    if (!type || segId === undefined) throw networkErrors.noNetworkAvailable();
  }
  await tx
    .insertInto('network_segment')
    .values({ id: randomUUID(), network_id: networkId, network_type: type, physical_network: physnet, segmentation_id: segId, segment_index: 0, created_at: toDbTime(now) })
    .execute();
  return { networkType: type, physicalNetwork: physnet || null, segmentationId: type === 'flat' || type === 'local' ? null : segId };
}
