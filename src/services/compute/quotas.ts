import type { ComputeEnv } from './env.ts';
import { classLimits, storedLimits, type LimitMap } from './store/quotas.ts';
import { countKeypairs } from './store/keypairs.ts';
import { countServerGroups } from './store/server-groups.ts';

/**
 * Nova's own quotas (the DB driver, not unified limits): every resource with a default
 * from config, overridable by the `default` quota class, then per project, then per user.
 */
export const QUOTA_RESOURCES = [
  'instances',
  'cores',
  'ram',
  'metadata_items',
  'injected_files',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
  'key_pairs',
  'server_groups',
  'server_group_members',
] as const;

/** nova-network era quotas, still shown and settable before microversion 2.36 (Nova's deprecated defaults). */
export const NETWORK_QUOTA_DEFAULTS: Readonly<Record<string, number>> = {
  floating_ips: 10,
  fixed_ips: -1,
  security_groups: 10,
  security_group_rules: 20,
};

export const PERSONALITY_QUOTAS = [
  'injected_files',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
] as const;
export const SERVER_GROUP_QUOTAS = ['server_groups', 'server_group_members'] as const;

export const ALL_QUOTA_RESOURCES: readonly string[] = [
  ...QUOTA_RESOURCES,
  ...Object.keys(NETWORK_QUOTA_DEFAULTS),
];

/** The default limits: config, overridden by the `default` quota class. */
export async function defaultLimits(env: ComputeEnv): Promise<LimitMap> {
  const s = env.settings;
  const base: LimitMap = {
    instances: s.quota_instances,
    cores: s.quota_cores,
    ram: s.quota_ram,
    metadata_items: s.quota_metadata_items,
    injected_files: s.quota_injected_files,
    injected_file_content_bytes: s.quota_injected_file_content_bytes,
    injected_file_path_bytes: s.quota_injected_file_path_bytes,
    key_pairs: s.quota_key_pairs,
    server_groups: s.quota_server_groups,
    server_group_members: s.quota_server_group_members,
    ...NETWORK_QUOTA_DEFAULTS,
  };
  return { ...base, ...(await classLimits(env.db, 'default')) };
}

/** A project's limits, or a user's within it (a user's own limit wins, then the project's). */
export async function effectiveLimits(
  env: ComputeEnv,
  projectId: string,
  userId?: string,
): Promise<LimitMap> {
  const project = { ...(await defaultLimits(env)), ...(await storedLimits(env.db, projectId)) };
  if (userId === undefined) return project;
  return { ...project, ...(await storedLimits(env.db, projectId, userId)) };
}

/** What a project (or user) uses of each resource. Keypairs belong to users: the given one, else the caller. */
export async function quotaUsage(
  env: ComputeEnv,
  projectId: string,
  userId: string | undefined,
  caller: string,
): Promise<LimitMap> {
  const used: LimitMap = Object.fromEntries(ALL_QUOTA_RESOURCES.map((r) => [r, 0]));
  const instances = await env.instanceUsage(projectId, userId);
  used.instances = instances.instances;
  used.cores = instances.cores;
  used.ram = instances.ram;
  used.key_pairs = await countKeypairs(env.db, userId ?? caller);
  used.server_groups = await countServerGroups(env.db, projectId);
  return used;
}
