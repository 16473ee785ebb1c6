import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ConfigSection, OptionSpec, OptionValues, OptionsSchema } from './options.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Environment variable that overrides `section.key`: STRATA_<SECTION>__<KEY>. */
export function envName(section: string, key: string): string {
  return `STRATA_${section.replace(/-/g, '_').toUpperCase()}__${key.toUpperCase()}`;
}

function coerce(where: string, spec: OptionSpec<unknown>, raw: unknown, fromEnv: boolean): unknown {
  const fail = (why: string): never => {
    // A secret's value (a password inside a database URL) must not reach logs or a terminal.
    const got = spec.secret ? 'the value is secret and not shown' : `got ${JSON.stringify(raw)}`;
    throw new ConfigError(`invalid value for ${where}: ${why} (${got})`);
  };
  switch (spec.kind) {
    case 'string':
    case 'url': {
      if (typeof raw !== 'string' && typeof raw !== 'number') fail('expected a string');
      const s = String(raw);
      if (spec.kind === 'url' && s !== '') {
        try {
          new URL(s);
        } catch {
          fail('expected a URL');
        }
      }
      return s;
    }
    case 'int':
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) fail(`expected a number`);
      if (spec.kind === 'int' && !Number.isInteger(n)) fail('expected an integer');
      if (spec.min !== undefined && n < spec.min) fail(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) fail(`must be at most ${spec.max}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) return true;
        if (['0', 'false', 'no', 'off'].includes(v)) return false;
      }
      return fail('expected true or false');
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values?.includes(raw)) {
        fail(`expected one of ${spec.values?.join(', ')}`);
      }
      return raw;
    }
    case 'list': {
      if (Array.isArray(raw)) return Object.freeze(raw.map((x) => String(x)));
      if (typeof raw === 'string') {
        const items = fromEnv || raw.includes(',') ? raw.split(',') : [raw];
        return Object.freeze(items.map((x) => x.trim()).filter((x) => x !== ''));
      }
      return fail('expected a list');
    }
  }
}

export type LoadedConfig = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/**
 * Reads the YAML file (if any), applies environment overrides and validates every value
 * against the declared sections. Unknown sections or keys in the file are errors, so a
 * typo fails at start instead of being silently ignored.
 */
export function loadConfig(
  sections: readonly ConfigSection[],
  source: { file?: string | undefined; env?: NodeJS.ProcessEnv; overrides?: Record<string, Record<string, unknown>> } = {},
): Config {
  const env = source.env ?? process.env;
  let fileValues: Record<string, unknown> = {};
  if (source.file) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${source.file}: ${(err as Error).message}`);
    }
    const parsed: unknown = parseYaml(text);
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ConfigError(`config file ${source.file} must hold a mapping of sections`);
      }
      fileValues = parsed as Record<string, unknown>;
    }
  }
  const byName = new Map(sections.map((s) => [s.name, s]));
  for (const [name, body] of Object.entries(fileValues)) {
    const section = byName.get(name);
    if (!section) throw new ConfigError(`unknown config section "${name}" in ${source.file}`);
    if (body === null) continue;
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new ConfigError(`config section "${name}" must be a mapping`);
    }
    for (const key of Object.keys(body)) {
      // Own keys only: `constructor` or `toString` in a file is a typo, not an option.
      if (!Object.hasOwn(section.options, key)) throw new ConfigError(`unknown config option ${name}.${key}`);
    }
  }
  const values = new Map<string, Readonly<Record<string, unknown>>>();
  for (const section of sections) {
    const out: Record<string, unknown> = {};
    const fromFile = (fileValues[section.name] ?? {}) as Record<string, unknown>;
    const fromOverrides = source.overrides?.[section.name] ?? {};
    for (const [key, spec] of Object.entries(section.options)) {
      const where = `${section.name}.${key}`;
      const envKey = envName(section.name, key);
      if (Object.hasOwn(fromOverrides, key) && fromOverrides[key] !== undefined) {
        out[key] = coerce(where, spec, fromOverrides[key], false);
      } else if (env[envKey] !== undefined) {
        out[key] = coerce(`${where} (from ${envKey})`, spec, env[envKey], true);
      } else if (Object.hasOwn(fromFile, key) && fromFile[key] !== null && fromFile[key] !== undefined) {
        out[key] = coerce(where, spec, fromFile[key], false);
      } else {
        out[key] = spec.default;
      }
    }
    values.set(section.name, Object.freeze(out));
  }
  return new Config(values);
}

export class Config {
  constructor(private readonly values: LoadedConfig) {}

  /** The validated values of one declared section. */
  section<S extends OptionsSchema>(section: ConfigSection<S>): OptionValues<S> {
    const v = this.values.get(section.name);
    if (!v) throw new ConfigError(`config section "${section.name}" was not declared when loading`);
    return v as OptionValues<S>;
  }
}
