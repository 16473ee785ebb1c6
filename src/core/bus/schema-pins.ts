/**
 * Pins of message schemas. A service keeps the schemas of its bus messages in a JSON file
 * beside its code and a test compares the declarations with it: a schema that changed
 * without a version bump, a minor bump that is not additive, or a version that went
 * back fails that test. Update the file with STRATA_UPDATE_BUS_PINS=1 once the version is
 * right (see testing.ts `expectSchemasPinned`).
 */
import type { MessageDefinition } from './message.ts';

export interface SchemaPin {
  readonly version: string;
  readonly schema: unknown;
  readonly reply: unknown;
}

export type SchemaPins = Readonly<Record<string, SchemaPin>>;

/** Plain JSON of a schema, keys sorted, so pins compare and diff stably. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'function') out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

export function pinSchemas(messages: readonly MessageDefinition[]): SchemaPins {
  const pins: Record<string, SchemaPin> = {};
  for (const m of [...messages].sort((a, b) => a.name.localeCompare(b.name))) {
    if (pins[m.name]) throw new Error(`message ${m.name} is declared twice`);
    pins[m.name] = { version: m.version, schema: canonical(m.schema), reply: canonical(m.reply) };
  }
  return pins;
}

export interface PinProblem {
  readonly message: string;
  readonly kind:
    'unpinned' | 'removed' | 'changed_without_bump' | 'not_additive' | 'version_went_back';
  readonly detail: string;
}

/** What differs between the declarations and the pins; [] when they agree. */
export function checkSchemaPins(
  messages: readonly MessageDefinition[],
  pins: SchemaPins,
): PinProblem[] {
  const now = pinSchemas(messages);
  const problems: PinProblem[] = [];
  for (const [name, cur] of Object.entries(now)) {
    const old = pins[name];
    if (!old) {
      problems.push({
        message: name,
        kind: 'unpinned',
        detail: `${name} ${cur.version} has no pin yet`,
      });
      continue;
    }
    const [om, on] = old.version.split('.').map(Number) as [number, number];
    const [cm, cn] = cur.version.split('.').map(Number) as [number, number];
    const same = same2(old.schema, cur.schema) && same2(old.reply, cur.reply);
    if (cm < om || (cm === om && cn < on)) {
      problems.push({
        message: name,
        kind: 'version_went_back',
        detail: `${name} is ${cur.version}, pinned at ${old.version}`,
      });
    } else if (cm === om && cn === on) {
      if (!same) {
        problems.push({
          message: name,
          kind: 'changed_without_bump',
          detail: `${name} ${cur.version} changed its schema: bump the minor version for an added optional field, the major for anything else`,
        });
      }
    } else if (cm === om) {
      const why = [
        ...additiveProblems(old.schema, cur.schema, 'payload'),
        ...additiveProblems(old.reply, cur.reply, 'reply'),
      ];
      if (why.length > 0) {
        problems.push({
          message: name,
          kind: 'not_additive',
          detail: `${name} ${old.version} -> ${cur.version} is a minor bump but ${why.join('; ')}: make it ${cm + 1}.0`,
        });
      }
    }
  }
  for (const name of Object.keys(pins)) {
    if (!now[name])
      problems.push({
        message: name,
        kind: 'removed',
        detail: `${name} is pinned but no longer declared`,
      });
  }
  return problems;
}

function same2(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * A minor bump may only add optional properties: receivers at the new minor still take
 * every payload senders at the old one send.
 */
function additiveProblems(oldSchema: unknown, newSchema: unknown, part: string): string[] {
  if (same2(oldSchema, newSchema)) return [];
  const o = (oldSchema ?? {}) as Record<string, unknown>;
  const n = (newSchema ?? {}) as Record<string, unknown>;
  if (o.type !== 'object' || n.type !== 'object')
    return [`the ${part} schema changed and is not an object`];
  const why: string[] = [];
  const rest = (s: Record<string, unknown>) => {
    const { properties: _p, required: _r, ...others } = s;
    return others;
  };
  if (!same2(rest(o), rest(n))) why.push(`the ${part} schema changed beyond its properties`);
  const oldProps = (o.properties ?? {}) as Record<string, unknown>;
  const newProps = (n.properties ?? {}) as Record<string, unknown>;
  for (const [key, schema] of Object.entries(oldProps)) {
    if (!(key in newProps)) why.push(`${part} field '${key}' was removed`);
    else if (!same2(schema, newProps[key])) why.push(`${part} field '${key}' changed`);
  }
  const oldRequired = new Set((o.required ?? []) as string[]);
  for (const key of (n.required ?? []) as string[]) {
    if (!oldRequired.has(key)) why.push(`${part} field '${key}' is newly required`);
  }
  return why;
}
