/**
 * Declared configuration options. Each service declares its options once, with type,
 * default, bounds and help; the loader validates a file plus environment overrides
 * against these declarations and `strata --help` and docs/ are generated from them.
 */
export type OptionKind = 'string' | 'int' | 'float' | 'bool' | 'enum' | 'list' | 'url';

export interface OptionSpec<T> {
  readonly kind: OptionKind;
  readonly default: T;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  /** Never printed (passwords, keys). */
  readonly secret?: boolean;
}

export type OptionsSchema = Readonly<Record<string, OptionSpec<unknown>>>;

export type OptionValues<S extends OptionsSchema> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never;
};

interface Bounds {
  min?: number;
  max?: number;
}

export const opt = {
  string: (def: string, help: string, extra: { secret?: boolean } = {}): OptionSpec<string> => ({
    kind: 'string',
    default: def,
    help,
    ...extra,
  }),
  url: (def: string, help: string, extra: { secret?: boolean } = {}): OptionSpec<string> => ({
    kind: 'url',
    default: def,
    help,
    ...extra,
  }),
  int: (def: number, help: string, bounds: Bounds = {}): OptionSpec<number> => ({
    kind: 'int',
    default: def,
    help,
    ...bounds,
  }),
  float: (def: number, help: string, bounds: Bounds = {}): OptionSpec<number> => ({
    kind: 'float',
    default: def,
    help,
    ...bounds,
  }),
  bool: (def: boolean, help: string): OptionSpec<boolean> => ({ kind: 'bool', default: def, help }),
  enum: <const V extends string>(values: readonly V[], def: V, help: string): OptionSpec<V> => ({
    kind: 'enum',
    default: def,
    help,
    values,
  }),
  list: (def: readonly string[], help: string): OptionSpec<readonly string[]> => ({
    kind: 'list',
    default: def,
    help,
  }),
};

/** A named group of options, e.g. `identity` or `database`. */
export interface ConfigSection<S extends OptionsSchema = OptionsSchema> {
  readonly name: string;
  readonly help: string;
  readonly options: S;
}

export function defineSection<S extends OptionsSchema>(
  name: string,
  help: string,
  options: S,
): ConfigSection<S> {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new Error(`invalid config section name: ${name}`);
  for (const [key, spec] of Object.entries(options)) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new Error(`invalid option name: ${name}.${key}`);
    if (!spec.help.trim()) throw new Error(`option ${name}.${key} has no help`);
  }
  return { name, help, options };
}
