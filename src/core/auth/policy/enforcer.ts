/**
 * The policy enforcer: each service registers its default rules (keeping the upstream
 * names, so existing policy.yaml files apply), the operator's file overrides or adds rules,
 * and every rule is parsed and compiled once when the enforcer is built. All definition
 * problems (syntax, duplicates, cycles) surface then, not on a request.
 */
import { forbidden } from '../../errors/index.ts';
import { compilePolicy, type CompiledCheck } from './compile.ts';
import type { PolicyCredentials, PolicyTarget } from './credentials.ts';
import { parseCheckString, referencedRules, type PolicyNode } from './parser.ts';

/** An API operation a rule guards; used for docs and the sample policy file. */
export interface PolicyOperation {
  readonly method: string;
  readonly path: string;
}

/** A default rule as a service declares it in its policies.ts. */
export interface PolicyDefault {
  readonly name: string;
  readonly check: string;
  readonly description: string;
  readonly operations?: readonly PolicyOperation[];
}

/** Operator overrides: rule name -> check string, as in oslo's policy.yaml. */
export type PolicyOverrides = Readonly<Record<string, string>>;

/** A rule as it is enforced, for docs and sample-file generation. */
export interface EffectiveRule {
  readonly name: string;
  /** The check string in force (the override if there is one). */
  readonly check: string;
  /** Undefined for rules that exist only in the operator's file. */
  readonly defaultCheck: string | undefined;
  readonly description: string | undefined;
  readonly operations: readonly PolicyOperation[];
  readonly overridden: boolean;
}

export interface PolicyEnforcerOptions {
  readonly defaults: readonly PolicyDefault[];
  readonly overrides?: PolicyOverrides;
  /** The 403 message; Keystone's wording unless a service's API words it differently. */
  readonly forbiddenMessage?: (ruleName: string) => string;
}

/** A mistake in how policies are defined or used: a bug or a bad file, never a 403. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

const keystoneForbiddenMessage = (ruleName: string): string =>
  `You are not authorized to perform the requested action: ${ruleName}.`;

export class PolicyEnforcer {
  readonly #compiled: ReadonlyMap<string, CompiledCheck>;
  readonly #effective: readonly EffectiveRule[];
  readonly #forbiddenMessage: (ruleName: string) => string;

  constructor(options: PolicyEnforcerOptions) {
    const overrides = options.overrides ?? {};
    this.#effective = effectiveRules(options.defaults, overrides);
    this.#compiled = compileRules(this.#effective);
    this.#forbiddenMessage = options.forbiddenMessage ?? keystoneForbiddenMessage;
  }

  /**
   * Whether `creds` may perform `ruleName` on `target`.
   * @throws PolicyError if the rule was never registered (a programming error).
   */
  enforce(ruleName: string, target: PolicyTarget, creds: PolicyCredentials): boolean {
    const check = this.#compiled.get(ruleName);
    if (check === undefined) {
      throw new PolicyError(`policy rule "${ruleName}" is not registered`);
    }
    return check(target, creds);
  }

  /** Like enforce, but a denial throws the 403 the API returns. */
  authorize(ruleName: string, target: PolicyTarget, creds: PolicyCredentials): void {
    if (!this.enforce(ruleName, target, creds)) {
      throw forbidden(this.#forbiddenMessage(ruleName));
    }
  }

  has(ruleName: string): boolean {
    return this.#compiled.has(ruleName);
  }

  /** Defaults first in registration order, then rules only the operator's file defines. */
  rules(): readonly EffectiveRule[] {
    return this.#effective;
  }
}

function effectiveRules(
  defaults: readonly PolicyDefault[],
  overrides: PolicyOverrides,
): EffectiveRule[] {
  const rules: EffectiveRule[] = [];
  const seen = new Set<string>();
  for (const rule of defaults) {
    if (typeof rule.name !== 'string' || rule.name === '') {
      throw new PolicyError('a default policy rule has no name');
    }
    if (seen.has(rule.name)) {
      throw new PolicyError(`policy rule "${rule.name}" is registered twice`);
    }
    seen.add(rule.name);
    const overridden = Object.hasOwn(overrides, rule.name);
    rules.push({
      name: rule.name,
      check: overridden ? (overrides[rule.name] as string) : rule.check,
      defaultCheck: rule.check,
      description: rule.description,
      operations: rule.operations ?? [],
      overridden,
    });
  }
  for (const [name, check] of Object.entries(overrides)) {
    if (seen.has(name)) continue;
    rules.push({
      name,
      check,
      defaultCheck: undefined,
      description: undefined,
      operations: [],
      overridden: true,
    });
  }
  return rules;
}

/**
 * Parses every rule, rejects reference cycles, and compiles each rule after the rules it
 * references so a `rule:NAME` becomes a direct call instead of a lookup per request.
 */
function compileRules(rules: readonly EffectiveRule[]): Map<string, CompiledCheck> {
  const trees = new Map<string, PolicyNode>();
  for (const rule of rules) {
    if (typeof rule.check !== 'string') {
      throw new PolicyError(`policy rule "${rule.name}" has no check string`);
    }
    // Defaults are parsed too: a broken default is a bug worth failing on at start.
    trees.set(rule.name, parseCheckString(rule.check, rule.name));
  }

  const compiled = new Map<string, CompiledCheck>();
  const inProgress: string[] = [];

  const compile = (name: string): CompiledCheck | undefined => {
    const done = compiled.get(name);
    if (done !== undefined) return done;
    const tree = trees.get(name);
    if (tree === undefined) return undefined; // a reference to a missing rule is false
    const cycleStart = inProgress.indexOf(name);
    if (cycleStart >= 0) {
      const cycle = [...inProgress.slice(cycleStart), name].join(' -> ');
      throw new PolicyError(`policy rules reference each other in a cycle: ${cycle}`);
    }
    inProgress.push(name);
    for (const reference of referencedRules(tree)) compile(reference);
    const check = compilePolicy(tree, (ref) => compiled.get(ref));
    inProgress.pop();
    compiled.set(name, check);
    return check;
  };

  for (const name of trees.keys()) compile(name);
  return compiled;
}
