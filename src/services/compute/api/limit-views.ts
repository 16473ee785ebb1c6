import type { ApiCall } from '../../../core/http/index.ts';
import { CHANGES, since } from '../microversions.ts';
import type { LimitMap } from '../store/quotas.ts';

/** GET /limits: Nova's absolute limits and usage; rate limits are always empty. */
export function limitsView(
  call: ApiCall,
  limits: LimitMap,
  used: LimitMap,
): Record<string, unknown> {
  const absolute: Record<string, number> = {
    maxServerMeta: limits.metadata_items!,
    maxTotalInstances: limits.instances!,
    maxTotalCores: limits.cores!,
    maxTotalRAMSize: limits.ram!,
    maxTotalKeypairs: limits.key_pairs!,
    maxServerGroups: limits.server_groups!,
    maxServerGroupMembers: limits.server_group_members!,
    totalCoresUsed: used.cores!,
    totalInstancesUsed: used.instances!,
    totalRAMUsed: used.ram!,
    totalServerGroupsUsed: used.server_groups!,
  };
  if (!since(call, CHANGES.networkQuotasRemoved)) {
    absolute.maxTotalFloatingIps = limits.floating_ips!;
    absolute.maxSecurityGroups = limits.security_groups!;
    absolute.maxSecurityGroupRules = limits.security_group_rules!;
    absolute.totalFloatingIpsUsed = used.floating_ips!;
    absolute.totalSecurityGroupsUsed = used.security_groups!;
  }
  if (!since(call, CHANGES.imageMetaLimitRemoved)) absolute.maxImageMeta = limits.metadata_items!;
  if (!since(call, CHANGES.personalityRemoved)) {
    absolute.maxPersonality = limits.injected_files!;
    absolute.maxPersonalitySize = limits.injected_file_content_bytes!;
  }
  return { limits: { rate: [], absolute } };
}
