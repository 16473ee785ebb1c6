/**
 * Parses the query of GET /allocation_candidates into request groups, with the checks and
 * messages Placement gives, each feature from the microversion that introduced it.
 */
import { placementErrors } from '../errors.ts';
import type { CandidateRequest, RequestGroup } from './model.ts';

type Query = Readonly<Record<string, unknown>>;
export type VersionAtLeast = (minor: number) => boolean;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const bad = (msg: string) => placementErrors.badRequest(msg);

const values = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** `VCPU:2,MEMORY_MB:1024` -> class -> amount. */
export function parseResources(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of text.split(',')) {
    const [rc, amount, extra] = part.split(':');
    if (!rc || amount === undefined || extra !== undefined) {
      throw bad(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${text}.`);
    }
    if (!/^\d+$/.test(amount.trim()) || Number(amount) < 1) {
      throw bad(`Requested resource ${rc} expected positive integer amount. Got: ${amount}.`);
    }
    out.set(rc, Number(amount));
  }
  return out;
}

export interface TraitExpression {
  required: Set<string>[];
  forbidden: Set<string>;
}

/** `A,!B` and (1.39) `in:C,D`, possibly repeated: and-ed any-of sets plus forbidden names. */
export function parseTraits(raw: readonly string[], param: string, at: VersionAtLeast): TraitExpression {
  if (raw.length > 1 && !at(39)) throw placementErrors.duplicateQueryParam(`Query parameter '${param}' may be specified only once.`);
  const required: Set<string>[] = [];
  const forbidden = new Set<string>();
  for (const value of raw) {
    if (value.startsWith('in:') && at(39)) {
      const names = value.slice(3).split(',').map((s) => s.trim());
      if (names.some((n) => n === '' || n.startsWith('!'))) {
        throw bad(`Invalid query string parameters: Expected '${param}' parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${value}`);
      }
      required.push(new Set(names));
      continue;
    }
    for (const name of value.split(',').map((s) => s.trim())) {
      if (name === '' || name === '!') {
        throw bad(`Invalid query string parameters: Expected '${param}' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${value}`);
      }
      if (name.startsWith('!') && at(22)) forbidden.add(name.slice(1));
      else required.push(new Set([name]));
    }
  }
  return { required, forbidden };
}

/** member_of values: UUID lists, `in:` any-of, and (1.32) `!` / `!in:` forbidden. */
export function parseMemberOf(raw: readonly string[], param: string, at: VersionAtLeast): { memberOf: Set<string>[]; forbidden: Set<string> } {
  if (raw.length > 1 && !at(24)) throw placementErrors.duplicateQueryParam(`Query parameter '${param}' may be specified only once.`);
  const memberOf: Set<string>[] = [];
  const forbidden = new Set<string>();
  const uuids = (text: string) => {
    const list = text.split(',').map((s) => s.trim());
    if (list.some((u) => !UUID.test(u))) throw bad(`Invalid query string parameters: Expected '${param}' parameter to contain valid UUID(s). Got: ${text}`);
    return list;
  };
  for (const value of raw) {
    if (value.startsWith('!') && at(32)) {
      const rest = value.slice(1);
      if (rest.startsWith('in:')) for (const u of uuids(rest.slice(3))) forbidden.add(u);
      else {
        const list = uuids(rest);
        if (list.length > 1) throw bad(`Invalid query string parameters: Forbidden aggregates must be given as !in:AGG1,AGG2 or repeated !AGG parameters. Got: ${value}`);
        forbidden.add(list[0]!);
      }
      continue;
    }
    if (value.startsWith('in:')) memberOf.push(new Set(uuids(value.slice(3))));
    else {
      const list = uuids(value);
      if (list.length > 1) throw bad(`Invalid query string parameters: Expected '${param}' parameter to contain valid UUID(s), with 'in:' for more than one. Got: ${value}`);
      memberOf.push(new Set(list));
    }
  }
  return { memberOf, forbidden };
}

interface GroupDraft {
  resources?: Map<string, number>;
  required: TraitExpression;
  memberOf: Set<string>[];
  forbiddenAggregates: Set<string>;
  inTree?: string;
}

/** Which keys each microversion accepts (Placement validates the query string against a schema per version). */
function allowedWideKeys(at: VersionAtLeast): Set<string> {
  const keys = new Set<string>();
  if (at(16)) keys.add('limit');
  if (at(25)) keys.add('group_policy');
  if (at(35)) keys.add('root_required');
  if (at(36)) keys.add('same_subtree');
  return keys;
}

export function parseCandidateRequest(query: Query, at: VersionAtLeast): CandidateRequest {
  const wide = allowedWideKeys(at);
  const groupKey = at(33)
    ? /^(resources|required|member_of|in_tree)([a-zA-Z0-9_-]{1,64})?$/
    : /^(resources|required|member_of|in_tree)([1-9][0-9]*)?$/;
  const drafts = new Map<string, GroupDraft>();
  const draft = (suffix: string) => {
    let d = drafts.get(suffix);
    if (!d) drafts.set(suffix, (d = { required: { required: [], forbidden: new Set() }, memberOf: [], forbiddenAggregates: new Set() }));
    return d;
  };
  for (const [key, raw] of Object.entries(query)) {
    if (wide.has(key)) continue;
    const m = groupKey.exec(key);
    const prefix = m?.[1];
    const suffix = m?.[2] ?? '';
    const known =
      m !== null &&
      (suffix === '' || at(25)) &&
      (prefix === 'resources' || (prefix === 'required' && at(17)) || (prefix === 'member_of' && at(21)) || (prefix === 'in_tree' && at(31)));
    if (!known) throw bad(`Invalid query string parameters: Additional properties are not allowed ('${key}' was unexpected)`);
    const list = values(raw);
    const d = draft(suffix);
    if (prefix === 'resources') {
      if (list.length > 1) throw placementErrors.duplicateQueryParam(`Query parameter '${key}' may be specified only once.`);
      d.resources = parseResources(list[0] ?? '');
    } else if (prefix === 'required') {
      d.required = parseTraits(list, key, at);
    } else if (prefix === 'member_of') {
      const mo = parseMemberOf(list, key, at);
      d.memberOf = mo.memberOf;
      d.forbiddenAggregates = mo.forbidden;
    } else {
      if (list.length > 1) throw placementErrors.duplicateQueryParam(`Query parameter '${key}' may be specified only once.`);
      if (!UUID.test(list[0] ?? '')) throw bad(`Invalid query string parameters: Expected '${key}' parameter to be a format of uuid. Got: ${list[0] ?? ''}`);
      d.inTree = list[0]!;
    }
  }

  let limit: number | undefined;
  if (query.limit !== undefined) {
    const l = values(query.limit);
    if (l.length > 1 || !/^[1-9][0-9]*$/.test(l[0]!)) throw bad(`Invalid query string parameters: '${l.join(',')}' does not match '^[1-9][0-9]*$'`);
    limit = Number(l[0]);
  }
  let groupPolicy: 'none' | 'isolate' | undefined;
  if (query.group_policy !== undefined) {
    const g = values(query.group_policy);
    if (g.length > 1 || (g[0] !== 'none' && g[0] !== 'isolate')) throw bad(`Invalid query string parameters: '${g.join(',')}' is not one of ['none', 'isolate']`);
    groupPolicy = g[0];
  }
  let rootRequired = new Set<string>();
  let rootForbidden = new Set<string>();
  if (query.root_required !== undefined) {
    const r = values(query.root_required);
    if (r.length > 1) throw placementErrors.duplicateQueryParam("Query parameter 'root_required' may be specified only once.");
    const parsed = parseTraits(r, 'root_required', () => false);
    rootRequired = new Set(parsed.required.map((s) => [...s][0]!).filter((t) => !t.startsWith('!')));
    rootForbidden = new Set(r[0]!.split(',').filter((t) => t.startsWith('!')).map((t) => t.slice(1)));
    const both = [...rootRequired].filter((t) => rootForbidden.has(t));
    if (both.length) throw bad(`Conflicting required and forbidden traits found in root_required: ${both.join(', ')}`);
  }
  const sameSubtrees = values(query.same_subtree).map((v) => v.split(',').map((s) => s.trim()));

  // Group sanity, as Placement checks it.
  const resourceless = [...drafts].filter(([, d]) => !d.resources).map(([s]) => s);
  if (at(36)) {
    if (resourceless.length === drafts.size) throw placementErrors.missingQueryValue('There must be at least one resources or resources[$S] parameter.');
    const inSubtree = new Set(sameSubtrees.flat());
    const badLess = resourceless.filter((s) => !inSubtree.has(s));
    if (badLess.length) {
      throw placementErrors.badQueryValue(`Resourceless suffixed group request should be specified in \`same_subtree\` query param: bad group(s) - ${JSON.stringify(badLess)}.`);
    }
    const unknown = [...inSubtree].filter((s) => !drafts.has(s));
    if (unknown.length) {
      throw placementErrors.badQueryValue(`Real suffixes should be specified in \`same_subtree\`: ${JSON.stringify(unknown)} not found in ${JSON.stringify([...drafts.keys()])}.`);
    }
  } else {
    const orphanTraits = [...drafts].filter(([, d]) => !d.resources && d.required.required.length + d.required.forbidden.size > 0).map(([s]) => `required${s}`);
    if (orphanTraits.length) throw bad(`All traits parameters must be associated with resources.  Found the following orphaned traits keys: ${orphanTraits.join(', ')}`);
    const orphanAggs = [...drafts].filter(([, d]) => !d.resources && (d.memberOf.length || d.forbiddenAggregates.size)).map(([s]) => `member_of${s}`);
    if (orphanAggs.length) throw bad(`All member_of parameters must be associated with resources. Found the following orphaned member_of keys: ${orphanAggs.join(', ')}`);
    if (resourceless.length) throw bad('All request groups must specify resources.');
    if (drafts.size === 0) {
      throw bad(at(25) ? 'At least one request group (`resources` or `resources{$S}`) is required.' : "Invalid query string parameters: 'resources' is a required property");
    }
  }
  if (at(22)) {
    const conflicts: string[] = [];
    for (const [s, d] of drafts) {
      for (const anyOf of d.required.required) {
        if ([...anyOf].every((t) => d.required.forbidden.has(t))) conflicts.push(`required${s}: (${[...anyOf].sort().join(', ')})`);
      }
    }
    if (conflicts.length) throw bad(`Conflicting required and forbidden traits found in the following traits keys: ${conflicts.sort().join(', ')}`);
  }
  const groups: RequestGroup[] = [...drafts].map(([suffix, d]) => ({
    suffix,
    sameProvider: suffix !== '',
    resources: d.resources ?? new Map(),
    requiredTraits: d.required.required,
    forbiddenTraits: d.required.forbidden,
    memberOf: d.memberOf,
    forbiddenAggregates: d.forbiddenAggregates,
    inTree: d.inTree,
  }));
  // The unnumbered group first, as Placement orders its groups.
  groups.sort((a, b) => (a.suffix === '' ? -1 : b.suffix === '' ? 1 : 0));
  if (!groupPolicy && groups.filter((g) => g.sameProvider).length > 1) {
    throw bad('The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.');
  }
  return { groups, limit, groupPolicy, rootRequired, rootForbidden, sameSubtrees, nestedAware: at(29) };
}
