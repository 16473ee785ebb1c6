import { badRequest } from '../../../core/errors/index.ts';
import type { IdentityEnv } from '../env.ts';
import { getProjectRow } from '../store/projects.ts';

/** Members of a user body the API defines; everything else is an extra attribute. */
const USER_FIELDS = new Set([
  'id',
  'name',
  'domain_id',
  'enabled',
  'default_project_id',
  'description',
  'password',
  'options',
  'password_expires_at',
  'links',
  'federated',
]);

/** The extra attributes of a request body (Keystone stores and returns them). */
export function extraAttributes(
  body: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string> = USER_FIELDS,
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!known.has(k)) extra[k] = v;
  return extra;
}

/** Applies an options patch: a value sets the option, null removes it, absent keeps it. */
export function mergeOptions(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A user's default project may be missing (Keystone allows it) but never a domain. */
export async function assertDefaultProjectNotDomain(
  env: IdentityEnv,
  projectId: string | null | undefined,
): Promise<void> {
  if (!projectId) return;
  const row = await getProjectRow(env.db, projectId);
  if (row?.isDomain)
    throw badRequest(
      `User's default project ID cannot be a domain ID: ${projectId}.`,
      'identity.validation_error',
    );
}
