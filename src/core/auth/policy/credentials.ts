/**
 * The two dictionaries a policy check reads: the caller's credentials (built from the
 * validated token, the way keystonemiddleware and Keystone build them for oslo.policy) and
 * the target (attributes of the object being acted on, e.g. `project_id` of a server, or
 * Keystone's flattened `target.user.domain_id`).
 */

/** Nested token data Keystone exposes to rules as `token.*` (e.g. `token.domain.id`). */
export interface PolicyTokenData {
  readonly domain?: { readonly id?: string; readonly name?: string };
  readonly project?: {
    readonly id?: string;
    readonly name?: string;
    readonly domain?: { readonly id?: string; readonly name?: string };
  };
  readonly user?: { readonly id?: string; readonly domain?: { readonly id?: string } };
  readonly [field: string]: unknown;
}

/**
 * Credentials as oslo.policy sees them. Every field is optional: an anonymous caller's
 * credentials are `{}`, and a check on a field that is absent evaluates false.
 */
export interface PolicyCredentials {
  readonly user_id?: string;
  readonly user_domain_id?: string;
  readonly project_id?: string;
  readonly project_domain_id?: string;
  readonly domain_id?: string;
  /** `'all'` for a system-scoped token, absent otherwise. */
  readonly system_scope?: 'all';
  /** Effective role names (implied roles already expanded by identity). */
  readonly roles?: readonly string[];
  readonly is_admin_project?: boolean;
  readonly is_admin?: boolean;
  readonly trust_id?: string;
  readonly service_user_id?: string;
  readonly service_project_id?: string;
  readonly service_roles?: readonly string[];
  readonly token?: PolicyTokenData;
  /** Any further field a rule may name by dotted path. */
  readonly [field: string]: unknown;
}

/** The object acted on: flat (`{ 'target.user.id': ... }`), nested, or both. */
export type PolicyTarget = Readonly<Record<string, unknown>>;

/** A dotted target key, split once when a rule is compiled. */
export interface TargetPath {
  readonly flat: string;
  readonly segments: readonly string[];
}

export function targetPath(dotted: string): TargetPath {
  return { flat: dotted, segments: dotted.split('.') };
}

/** Reads a target value as oslo prints it, or undefined when the key is absent. */
export type TargetLookup = (path: TargetPath) => string | undefined;

/**
 * Looks a key up first as a flat key (what Python's `%(a.b)s` does against the flattened
 * dicts Keystone passes), then as a nested path, so services may pass either shape.
 */
export function readTarget(target: PolicyTarget, path: TargetPath): string | undefined {
  const flat = Object.hasOwn(target, path.flat) ? target[path.flat] : undefined;
  if (flat !== undefined) return policyString(flat);
  const { segments } = path;
  if (segments.length < 2) return undefined;
  let value: unknown = target;
  for (let i = 0; i < segments.length; i++) {
    const key = segments[i] as string;
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return policyString(value);
}

/** Turns a target into the lookup function the evaluator uses. */
export function targetLookup(target: PolicyTarget): TargetLookup {
  return (path) => readTarget(target, path);
}

/**
 * The string form oslo compares, i.e. Python's `str()` of the value: booleans print as
 * `True`/`False` and null as `None`, which is why rules say `is_admin_project:True`.
 * Containers have no meaningful string form in a rule and yield undefined (never equal).
 */
export function policyString(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? 'None' : undefined;
    default:
      return undefined;
  }
}

/**
 * True when the credential value at `segments` prints as `expected`. A list anywhere along
 * the path matches when any element does, as oslo's GenericCheck walks lists.
 */
export function credentialMatches(
  value: unknown,
  segments: readonly string[],
  index: number,
  expected: string,
): boolean {
  if (Array.isArray(value)) {
    for (const element of value) {
      if (credentialMatches(element, segments, index, expected)) return true;
    }
    return false;
  }
  if (index === segments.length) return value !== undefined && policyString(value) === expected;
  const key = segments[index] as string;
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return false;
  return credentialMatches((value as Record<string, unknown>)[key], segments, index + 1, expected);
}
