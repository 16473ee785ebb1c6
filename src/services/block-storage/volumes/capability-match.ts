/**
 * Cinder's extra-spec operators (scheduler/filters/extra_specs_ops): how a volume type's
 * extra spec like `<is> True`, `>= 100` or `<or> iSCSI <or> FC` is compared with what a
 * backend reports. A spec without a leading operator is a plain string comparison.
 */
export type CapabilityValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];

function boolOf(v: string | number | boolean): boolean {
  return typeof v === 'boolean' ? v : TRUE.includes(String(v).trim().toLowerCase());
}

/** Text of a capability as Python's str() would show it (True, not true). */
function textOf(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

function num(v: string | number | boolean): number {
  const n = typeof v === 'number' ? v : Number(textOf(v));
  if (Number.isNaN(n)) throw new RangeError('not a number');
  return n;
}

const OPS: Record<string, (value: string | number | boolean, operand: string) => boolean> = {
  '=': (v, o) => num(v) >= num(o),
  '<in>': (v, o) => textOf(v).includes(o),
  '<is>': (v, o) => boolOf(v) === boolOf(o),
  '==': (v, o) => num(v) === num(o),
  '!=': (v, o) => num(v) !== num(o),
  '>=': (v, o) => num(v) >= num(o),
  '<=': (v, o) => num(v) <= num(o),
  's==': (v, o) => textOf(v) === o,
  's!=': (v, o) => textOf(v) !== o,
  's<': (v, o) => textOf(v) < o,
  's<=': (v, o) => textOf(v) <= o,
  's>': (v, o) => textOf(v) > o,
  's>=': (v, o) => textOf(v) >= o,
};

function matchOne(value: string | number | boolean | null | undefined, spec: string): boolean {
  const words = spec.split(/\s+/).filter((w) => w !== '');
  const op = words.shift();
  const method = op === undefined ? undefined : OPS[op];
  if (op !== '<or>' && !method) return value !== null && value !== undefined && textOf(value) === spec;
  if (value === null || value === undefined) return false;
  if (op === '<or>') {
    // <or> a <or> b <or> c: every other word is an alternative.
    for (let i = 0; i < words.length; i += 2) if (words[i] === textOf(value)) return true;
    return false;
  }
  try {
    return words.length > 0 && method!(value, words[0]!);
  } catch {
    return false;
  }
}

/** Whether a capability (or any value of a list capability) satisfies a spec. */
export function capabilityMatches(value: CapabilityValue, spec: string): boolean {
  if (Array.isArray(value)) return value.some((v) => matchOne(v, spec));
  return matchOne(value as string | number | boolean | null | undefined, spec);
}

/**
 * Cinder's CapabilitiesFilter: every unscoped or `capabilities:`-scoped extra spec must be
 * reported by the backend and match; other scopes (vendor specs, qos:...) are ignored.
 */
export function satisfiesExtraSpecs(
  capabilities: Readonly<Record<string, CapabilityValue>>,
  extraSpecs: Readonly<Record<string, string>>,
): { ok: true } | { ok: false; key: string } {
  for (const [key, spec] of Object.entries(extraSpecs)) {
    const scope = key.split(':');
    if (scope.length > 1 && scope[0] !== 'capabilities') continue;
    if (scope[0] === 'capabilities') scope.shift();
    const name = scope.join(':');
    if (!Object.hasOwn(capabilities, name)) return { ok: false, key };
    if (!capabilityMatches(capabilities[name], spec)) return { ok: false, key };
  }
  return { ok: true };
}
