import type { AuthContext } from '../../../core/auth/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import { getUser } from '../store/users.ts';
import { getProject } from '../store/projects.ts';
import { effectiveRoles } from '../store/effective-roles.ts';
import { getTrust, trustChain, trustRoleIds, type NewTrust, type Trust } from '../store/trusts.ts';
import { resolveRoleRef } from './application-credential-routes.ts';
import { parseExpiry } from './credential-expiry.ts';

/** The body of POST /v3/OS-TRUST/trusts after schema validation. */
export interface TrustRequest {
  readonly trustor_user_id: string;
  readonly trustee_user_id: string;
  readonly impersonation: boolean;
  readonly project_id?: string | null | undefined;
  readonly remaining_uses?: number | null | undefined;
  readonly expires_at?: string | null | undefined;
  readonly allow_redelegation?: boolean | null | undefined;
  readonly redelegation_count?: number | null | undefined;
  readonly roles?:
    ReadonlyArray<{ id?: string | undefined; name?: string | undefined }> | undefined;
  readonly [extra: string]: unknown;
}

const DEFINED = new Set([
  'id',
  'links',
  'trustor_user_id',
  'trustee_user_id',
  'impersonation',
  'project_id',
  'remaining_uses',
  'expires_at',
  'allow_redelegation',
  'redelegation_count',
  'redelegated_trust_id',
  'deleted_at',
  'roles',
  'roles_links',
]);

const forbidden = (action: string) =>
  new ApiError(
    403,
    'identity.forbidden',
    `You are not authorized to perform the requested action: ${action}.`,
  );
const refused = (message: string) => new ApiError(403, 'identity.forbidden', message);

interface Redelegation {
  readonly parent: Trust | undefined;
  /** The parent and the trusts it came from, nearest first. */
  readonly chain: readonly Trust[];
}

async function redelegationSource(env: IdentityEnv, auth: AuthContext): Promise<Redelegation> {
  if (auth.trustId === undefined) return { parent: undefined, chain: [] };
  const parent = await getTrust(env.db, auth.trustId);
  if (!parent) throw identityErrors.trustNotFound(auth.trustId);
  return { parent, chain: await trustChain(env.db, parent) };
}

/**
 * Checks a redelegated trust against every trust it descends from (Keystone's rules):
 * each must still allow redelegation, the new trust may not be use-limited, outlive them,
 * add roles, or impersonate where they do not. Returns the expiry to store.
 */
async function checkAgainstChain(
  env: IdentityEnv,
  chain: readonly Trust[],
  t: {
    expiresAtStored: string | null;
    remainingUses: number | null;
    roleIds: readonly string[];
    impersonation: boolean;
  },
): Promise<string | null> {
  const max = env.settings.max_redelegation_count;
  let expires = t.expiresAtStored;
  for (const p of chain) {
    const depth = p.redelegationCount ?? 0;
    if (!(depth > 0 && depth <= max)) {
      throw refused(
        `Remaining redelegation depth of ${depth} out of allowed range of [0..${max}].`,
      );
    }
    if (t.remainingUses !== null) {
      throw refused(
        `Field "remaining_uses" is set to ${t.remainingUses} while it must not be set in order to redelegate a trust.`,
      );
    }
    if (p.expiresAtStored !== null) {
      if (expires === null) expires = p.expiresAtStored;
      else if (p.expiresAtStored < expires)
        throw refused('Requested expiration time is more than redelegated trust can provide.');
    }
    const parentRoles = new Set(await trustRoleIds(env.db, p.id));
    if (!t.roleIds.every((id) => parentRoles.has(id)))
      throw refused('Some of requested roles are not in redelegated trust.');
    if (!p.impersonation && t.impersonation) {
      throw refused(
        `Impersonation is not allowed because redelegated trust does not specify impersonation. Redelegated trust id: ${p.id}.`,
      );
    }
  }
  return expires;
}

/**
 * Validates a trust creation request and works out the trust to store: the caller must be
 * the trustor, the trustee must exist, every delegated role must be held by the (original)
 * trustor on the project, and redelegation follows the configured limits.
 */
export async function planTrust(
  env: IdentityEnv,
  auth: AuthContext,
  input: TrustRequest,
): Promise<NewTrust> {
  const projectId = input.project_id ? input.project_id : null;
  const requestedRoles = input.roles ?? [];
  if (projectId && requestedRoles.length === 0)
    throw forbidden('At least one role should be specified');
  if (auth.userId !== input.trustor_user_id)
    throw forbidden('The authenticated user should match the trustor');
  if (!(await getUser(env.db, input.trustee_user_id)))
    throw identityErrors.userNotFound(input.trustee_user_id);

  const roleIds: string[] = [];
  for (const ref of requestedRoles) roleIds.push(await resolveRoleRef(env, ref));
  const { parent, chain } = await redelegationSource(env, auth);
  // The roles come from whoever started the chain: a trustee redelegates what it was given.
  const holder = chain.length ? chain[chain.length - 1]!.trustorUserId : input.trustor_user_id;
  const held = new Set<string>();
  if (projectId) {
    const project = await getProject(env.db, projectId);
    if (!project) throw identityErrors.projectNotFound(projectId);
    for (const r of await effectiveRoles(env.db, holder, { kind: 'project', project }))
      held.add(r.id);
  }
  for (const id of roleIds) if (!held.has(id)) throw identityErrors.roleNotFound(id);

  const expiry = parseExpiry(input.expires_at, env.now());
  const remainingUses = input.remaining_uses ?? null;
  const max = env.settings.max_redelegation_count;
  const requested = input.redelegation_count ?? null;
  if (input.allow_redelegation === true && !env.settings.allow_redelegation) {
    throw refused('Trust redelegation is disabled (allow_redelegation is false).');
  }
  const redelegatable = input.allow_redelegation === true && requested !== 0;
  let count: number | null = null;
  if (!redelegatable) {
    count = 0;
  } else {
    if (requested !== null && requested > max) {
      throw refused(`Requested redelegation depth of ${requested} is greater than allowed ${max}.`);
    }
    if (remainingUses !== null)
      throw identityErrors.validation('remaining_uses must not be set if redelegation is allowed');
    count = requested;
  }
  let expiresAtStored = expiry?.stored ?? null;
  if (parent) {
    const remaining = (parent.redelegationCount ?? 0) - 1;
    if (redelegatable && requested && requested !== remaining) {
      throw refused(
        'Modifying "redelegation_count" upon redelegation is forbidden. Omitting this parameter is advised.',
      );
    }
    count ??= remaining;
    expiresAtStored = await checkAgainstChain(env, chain, {
      expiresAtStored,
      remainingUses,
      roleIds,
      impersonation: input.impersonation,
    });
  }
  count ??= max;

  const extra = Object.fromEntries(Object.entries(input).filter(([k]) => !DEFINED.has(k)));
  return {
    id: newId(),
    trustorUserId: input.trustor_user_id,
    trusteeUserId: input.trustee_user_id,
    projectId,
    impersonation: input.impersonation,
    expiresAtStored,
    remainingUses,
    redelegatedTrustId: parent?.id ?? null,
    redelegationCount: count,
    extra,
    roleIds: [...new Set(roleIds)],
  };
}
