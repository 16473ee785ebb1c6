import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityDb } from '../store/db.ts';
import { findLimit, findRegisteredLimit, type Limit, type LimitKey } from '../store/limits.ts';
import { getProjectRow } from '../store/projects.ts';

export type LimitModelName = IdentityEnv['settings']['unified_limit_model'];

/** What GET /v3/limits/model reports, in Keystone's words. */
export const LIMIT_MODELS: Record<LimitModelName, { name: LimitModelName; description: string }> = {
  flat: {
    name: 'flat',
    description:
      'Limit enforcement and validation does not take project hierarchy into consideration.',
  },
  strict_two_level: {
    name: 'strict_two_level',
    description: 'This model requires project hierarchy never exceeds a depth of two',
  },
};

/** A limit about to be written: a new one, or a stored one with its update applied. */
export type LimitDraft = Omit<Limit, 'id' | 'description'>;

const keyOf = (l: LimitDraft): LimitKey => ({
  serviceId: l.serviceId,
  regionId: l.regionId,
  resourceName: l.resourceName,
});
const sameKey = (a: LimitDraft, b: LimitDraft) =>
  a.serviceId === b.serviceId && a.regionId === b.regionId && a.resourceName === b.resourceName;
/** -1 means unlimited; it neither caps children nor is capped by a parent here. */
const bounded = (v: number | undefined): v is number => v !== undefined && v >= 0;

function invalidLimit(l: LimitDraft) {
  const level = l.projectId ? `project_id: ${l.projectId}` : `domain_id: ${l.domainId ?? ''}`;
  return identityErrors.forbiddenAction(
    `Invalid resource limit: The resource limit (${level}, resource_name: ${l.resourceName}, ` +
      `resource_limit: ${l.resourceLimit}, service_id: ${l.serviceId}, region_id: ${l.regionId ?? 'None'}) ` +
      `doesn't satisfy current hierarchy model..`,
  );
}

/** A domain's value for the key: its own limit, else the registered default. */
async function domainValue(
  db: IdentityDb,
  domainId: string,
  l: LimitDraft,
): Promise<number | undefined> {
  const own = await findLimit(db, { domainId }, keyOf(l));
  if (own) return own.resourceLimit;
  return (await findRegisteredLimit(db, keyOf(l)))?.defaultLimit;
}

/**
 * Keystone's strict_two_level check: a project's limit may not exceed its parent's (a
 * parent limit in the same request counts), and a domain's limit may not drop below any
 * of its projects' limits. The flat model checks nothing.
 */
export async function checkLimitModel(
  db: IdentityDb,
  model: LimitModelName,
  drafts: readonly LimitDraft[],
): Promise<void> {
  if (model === 'flat') return;
  for (const l of drafts) {
    if (l.projectId) {
      const parentId = (await getProjectRow(db, l.projectId))?.parentId ?? null;
      if (parentId === null) continue;
      const inRequest = drafts.find((d) => d.domainId === parentId && sameKey(d, l));
      const parent = inRequest ? inRequest.resourceLimit : await domainValue(db, parentId, l);
      if (bounded(parent) && bounded(l.resourceLimit) && l.resourceLimit > parent)
        throw invalidLimit(l);
    } else if (l.domainId && bounded(l.resourceLimit)) {
      const projects = await db
        .selectFrom('identity_project')
        .select('id')
        .where('domain_id', '=', l.domainId)
        .where('is_domain', '=', 0)
        .execute();
      for (const p of projects) {
        const child = await findLimit(db, { projectId: p.id }, keyOf(l));
        if (child && bounded(child.resourceLimit) && l.resourceLimit < child.resourceLimit)
          throw invalidLimit(l);
      }
    }
  }
}
