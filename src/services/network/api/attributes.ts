/**
 * Request bodies checked the way Neutron's attribute maps check them: each resource
 * declares which attributes POST and PUT accept, how a value is validated and converted,
 * and the messages are neutron-lib's, as HTTPBadRequest faults.
 */
import { badRequest } from '../../../core/errors/index.ts';
import { canonicalAddress, canonicalMac } from '../ipam/address.ts';

export type Convert = (value: unknown, name: string) => unknown;

export interface AttributeSpec {
  readonly post: boolean;
  readonly put: boolean;
  readonly required?: boolean;
  readonly convert?: Convert;
}

export type AttributeMap = Readonly<Record<string, AttributeSpec>>;

const invalid = (name: string, reason: string) => badRequest(`Invalid input for ${name}. Reason: ${reason}.`);

const shown = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

export const convert = {
  string:
    (max = 255): Convert =>
    (v, name) => {
      if (typeof v !== 'string') throw invalid(name, `${shown(v)} is not a valid string`);
      if (v.length > max) throw invalid(name, `${shown(v)} exceeds maximum length of ${max}`);
      return v;
    },
  /** Neutron's convert_to_boolean: booleans, 0/1 and their text forms. */
  bool: ((v, name) => {
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    if (typeof v === 'string') {
      const t = v.toLowerCase();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
    }
    throw invalid(name, `${shown(v)} cannot be converted to boolean`);
  }) as Convert,
  uuid: ((v, name) => {
    if (typeof v !== 'string' || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v)) {
      throw invalid(name, `${shown(v)} is not a valid UUID`);
    }
    return v.toLowerCase();
  }) as Convert,
  projectId: ((v, name) => {
    if (typeof v !== 'string' || v === '' || v.length > 255) throw invalid(name, `${shown(v)} is not a valid project id`);
    return v;
  }) as Convert,
  int:
    (min: number, max: number): Convert =>
    (v, name) => {
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(name, `${shown(v)} is not an integer`);
      if (n < min) throw invalid(name, `${shown(v)} is too small - must be at least '${min}'`);
      if (n > max) throw invalid(name, `${shown(v)} is too large - must be no larger than '${max}'`);
      return n;
    },
  ip: ((v, name) => {
    const c = typeof v === 'string' ? canonicalAddress(v) : undefined;
    if (c === undefined) throw invalid(name, `${shown(v)} is not a valid IP address`);
    return c;
  }) as Convert,
  mac: ((v, name) => {
    const c = typeof v === 'string' ? canonicalMac(v) : undefined;
    if (c === undefined) throw invalid(name, `${shown(v)} is not a valid MAC address`);
    return c;
  }) as Convert,
  oneOf:
    (values: readonly (string | null)[]): Convert =>
    (v, name) => {
      if (!values.includes(v as string | null)) throw invalid(name, `${shown(v)} is not in ${JSON.stringify(values)}`);
      return v;
    },
  nullable:
    (inner: Convert): Convert =>
    (v, name) =>
      v === null ? null : inner(v, name),
  list:
    (inner: Convert, opts: { unique?: boolean; max?: number } = {}): Convert =>
    (v, name) => {
      if (!Array.isArray(v)) throw invalid(name, `${shown(v)} is not a list`);
      if (opts.max !== undefined && v.length > opts.max) throw invalid(name, `too many entries: at most ${opts.max}`);
      const out = v.map((x) => inner(x, name));
      if (opts.unique && new Set(out.map((x) => JSON.stringify(x))).size !== out.length) {
        throw invalid(name, `Duplicate items in the list: ${shown(v)}`);
      }
      return out;
    },
  /** A dict with exactly the named keys allowed, each converted; `required` keys must be present. */
  dict:
    (keys: Readonly<Record<string, Convert>>, required: readonly string[] = []): Convert =>
    (v, name) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(name, `${shown(v)} is not a dictionary`);
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) {
        const c = keys[k];
        if (!c) throw invalid(name, `Unexpected keys supplied: ${k}`);
        out[k] = c(val, name);
      }
      for (const r of required) if (!(r in out)) throw invalid(name, `Validation of dictionary's keys failed. Expected keys: {'${required.join("', '")}'}`);
      return out;
    },
  anyDict: ((v, name) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(name, `${shown(v)} is not a dictionary`);
    return v;
  }) as Convert,
};

/**
 * Reads `{<resource>: {...}}` from a request body and checks each attribute against the
 * map for the action: unknown attributes, read-only ones and missing required ones are
 * 400s naming them. Returns the converted attributes that were given.
 */
export function parseResourceBody(body: unknown, resource: string, attrs: AttributeMap, action: 'post' | 'put'): Record<string, unknown> {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) {
    throw badRequest('Resource body required');
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Body contains invalid data');
  const item = (body as Record<string, unknown>)[resource];
  if (item === undefined) throw badRequest(`Unable to find '${resource}' in request body`);
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw badRequest(`Invalid format: ${shown(item)}`);
  const unknown = Object.keys(item).filter((k) => !Object.hasOwn(attrs, k));
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
    const spec = attrs[name]!;
    if (action === 'post' && !spec.post) throw badRequest(`Attribute '${name}' not allowed in POST`);
    if (action === 'put' && !spec.put) throw badRequest(`Cannot update read-only attribute ${name}`);
    out[name] = spec.convert ? spec.convert(value, name) : value;
  }
  if (action === 'post') {
    for (const [name, spec] of Object.entries(attrs)) {
      if (spec.required && !(name in out)) throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
    }
  }
  return out;
}
