import { identityErrors } from '../errors.ts';

/**
 * Request-body helpers shared by the catalog, policy and limit routes.
 */

/**
 * The attributes a client sent beyond the resource's own, kept as Keystone's `extra`.
 * On create, Keystone rewrites `:` and `-` in their names to `_`.
 */
export function extraOf(
  body: Readonly<Record<string, unknown>>,
  known: readonly string[],
  opts: { normalize?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (known.includes(k) || k === 'id' || k === 'links') continue;
    out[opts.normalize ? k.replace(/[:-]/g, '_') : k] = v;
  }
  return out;
}

/** An `id` in an update body must name the resource being updated. */
export function requireMatchingId(body: Readonly<Record<string, unknown>>, id: string): void {
  if (body.id !== undefined && body.id !== null && body.id !== id)
    throw identityErrors.validation('Cannot change ID');
}

/** Keystone's ValidationError text for a reference to something that does not exist. */
export function missingReference(attribute: string, target: string) {
  return identityErrors.validation(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
}
