import type { ApiCall } from '../../../core/http/index.ts';
import { CHANGES, since } from '../microversions.ts';
import {
  NETWORK_QUOTA_DEFAULTS,
  PERSONALITY_QUOTAS,
  QUOTA_RESOURCES,
  SERVER_GROUP_QUOTAS,
} from '../quotas.ts';
import type { LimitMap } from '../store/quotas.ts';

/** The resources os-quota-sets shows and accepts at the call's microversion. */
export function quotaSetResources(call: Pick<ApiCall, 'microversion'>): string[] {
  const names: string[] = [...QUOTA_RESOURCES];
  if (!since(call, CHANGES.networkQuotasRemoved))
    names.push(...Object.keys(NETWORK_QUOTA_DEFAULTS));
  return since(call, CHANGES.personalityRemoved)
    ? names.filter((n) => !(PERSONALITY_QUOTAS as readonly string[]).includes(n))
    : names;
}

/** The resources os-quota-class-sets shows and accepts: server group quotas from 2.50, when the network ones go. */
export function quotaClassResources(call: Pick<ApiCall, 'microversion'>): string[] {
  if (!since(call, CHANGES.quotaClassServerGroups)) {
    return [...QUOTA_RESOURCES, ...Object.keys(NETWORK_QUOTA_DEFAULTS)].filter(
      (n) => !(SERVER_GROUP_QUOTAS as readonly string[]).includes(n),
    );
  }
  const names: string[] = [...QUOTA_RESOURCES];
  return since(call, CHANGES.personalityRemoved)
    ? names.filter((n) => !(PERSONALITY_QUOTAS as readonly string[]).includes(n))
    : names;
}

export function limitsOf(
  names: readonly string[],
  limits: LimitMap,
  id?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(names.map((n) => [n, limits[n] ?? -1]));
  if (id !== undefined) out.id = id;
  return out;
}

export function quotaDetailOf(
  names: readonly string[],
  limits: LimitMap,
  used: LimitMap,
  id: string,
): Record<string, unknown> {
  return {
    ...Object.fromEntries(
      names.map((n) => [n, { limit: limits[n] ?? -1, in_use: used[n] ?? 0, reserved: 0 }]),
    ),
    id,
  };
}
