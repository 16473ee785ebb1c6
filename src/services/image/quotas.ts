import type { IdentityClient } from '../identity/client.ts';
import type { Logger } from '../../core/observability/index.ts';
import { imageErrors } from './errors.ts';
import { imageUsage, type ImageUsage } from './store/usage.ts';
import type { ImageDb } from './store/tables.ts';

export const QUOTA_RESOURCES = ['image_size_total', 'image_stage_total', 'image_count_total', 'image_count_uploading'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

const MiB = 1024 * 1024;
/** Sizes are limited in MiB, as Glance registers them in unified limits. */
const IN_MIB: ReadonlySet<QuotaResource> = new Set(['image_size_total', 'image_stage_total']);

/**
 * Glance's per-project quotas from Keystone unified limits: the limits come from identity
 * (registered defaults and project overrides), the usage is counted from this service's
 * tables when checked. A resource with no limit registered is unlimited.
 */
export class ImageQuotas {
  constructor(
    private readonly db: ImageDb,
    private readonly identity: () => IdentityClient | undefined,
    private readonly opts: { enabled: boolean; logger: Logger },
  ) {}

  #warned = false;

  /** The limits of a project, -1 or absent meaning unlimited. */
  async limits(projectId: string): Promise<Partial<Record<QuotaResource, number>>> {
    if (!this.opts.enabled) return {};
    const client = this.identity();
    if (!client) {
      if (!this.#warned) this.opts.logger.warn('identity is not in this process: image quotas are not enforced');
      this.#warned = true;
      return {};
    }
    const all = await client.getLimits(projectId, 'image');
    return Object.fromEntries(QUOTA_RESOURCES.filter((r) => all[r] !== undefined).map((r) => [r, all[r]]));
  }

  /**
   * Refuses (413) when the project's usage plus `delta` goes over the limit, as oslo.limit
   * enforces it. Sizes compare in whole MiB.
   */
  async enforce(projectId: string | null, deltas: Partial<Record<QuotaResource, number>>): Promise<void> {
    if (!projectId) return;
    const limits = await this.limits(projectId);
    const checked = (Object.keys(deltas) as QuotaResource[]).filter((r) => limits[r] !== undefined && limits[r]! >= 0);
    if (checked.length === 0) return;
    const usage = inUnits(await imageUsage(this.db, projectId));
    const over = checked.filter((r) => usage[r] + (deltas[r] ?? 0) > limits[r]!);
    if (over.length) {
      const detail = over
        .map((r) => `Resource ${r} is over limit of ${limits[r]} due to current usage ${usage[r]} and delta ${deltas[r] ?? 0}`)
        .join(', ');
      throw imageErrors.tooLarge(`Project ${projectId} is over a limit for [${detail}]`);
    }
  }

  /** Bytes the project may still add under a size limit, or undefined when unlimited. */
  async remainingBytes(projectId: string | null, resource: 'image_size_total' | 'image_stage_total'): Promise<number | undefined> {
    if (!projectId) return undefined;
    const limit = (await this.limits(projectId))[resource];
    if (limit === undefined || limit < 0) return undefined;
    const used = (await imageUsage(this.db, projectId))[resource];
    return Math.max(0, limit * MiB - used);
  }

  /**
   * /v2/info/usage: every resource Glance counts, usage in the limit's unit; nothing when
   * unified limits are off, as Glance answers then. A resource without a registered limit
   * shows -1, unlimited, which is how it is enforced here (Glance's oslo.limit counts a
   * missing limit as 0 and refuses any use of it).
   */
  async usage(projectId: string): Promise<Record<string, { limit: number; usage: number }>> {
    if (!this.opts.enabled) return {};
    const limits = await this.limits(projectId);
    const usage = inUnits(await imageUsage(this.db, projectId));
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { limit: limits[r] ?? -1, usage: usage[r] }]));
  }
}

function inUnits(u: ImageUsage): Record<QuotaResource, number> {
  const out = { ...u } as Record<QuotaResource, number>;
  for (const r of IN_MIB) out[r] = Math.floor(out[r] / MiB);
  return out;
}
