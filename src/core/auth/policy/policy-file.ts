/**
 * Reads the operator's policy file: the same policy.yaml (or legacy policy.json) an
 * OpenStack deployment already has, mapping rule names to check strings.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PolicyError, type PolicyOverrides } from './enforcer.ts';

/**
 * Loads and validates an override file. `.json` files are read as JSON, anything else as
 * YAML. An empty file means no overrides, as in oslo.
 * @throws PolicyError naming the file (and the rule) when it cannot be used.
 */
export function loadPolicyFile(path: string): PolicyOverrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyError(`cannot read policy file ${path}: ${(err as Error).message}`);
  }
  let document: unknown;
  try {
    document = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new PolicyError(`policy file ${path} is not valid: ${(err as Error).message}`);
  }
  return policyOverrides(document, path);
}

/** Validates an already parsed policy document; `source` labels errors. */
export function policyOverrides(document: unknown, source: string): PolicyOverrides {
  if (
    document === null ||
    document === undefined ||
    (typeof document === 'string' && document.trim() === '')
  ) {
    return {};
  }
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new PolicyError(`policy file ${source} must map rule names to check strings`);
  }
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(document)) {
    if (typeof value === 'string') {
      overrides[name] = value;
    } else if (Array.isArray(value)) {
      overrides[name] = listRuleToCheckString(value, name, source);
    } else {
      throw new PolicyError(
        `policy file ${source}: rule "${name}" must be a check string (got ${JSON.stringify(value)})`,
      );
    }
  }
  return Object.freeze(overrides);
}

/**
 * The old policy.json list syntax oslo still accepts: a list of alternatives, each a list
 * of checks that must all pass. `[]` always passes; a list of only empty lists never does.
 */
function listRuleToCheckString(rule: readonly unknown[], name: string, source: string): string {
  if (rule.length === 0) return '';
  const alternatives: string[] = [];
  for (const inner of rule) {
    if (inner === '') continue;
    const checks = typeof inner === 'string' ? [inner] : inner;
    if (!Array.isArray(checks) || !checks.every((c) => typeof c === 'string' && /^\S+$/.test(c))) {
      throw new PolicyError(
        `policy file ${source}: rule "${name}" list syntax needs lists of single checks`,
      );
    }
    if (checks.length > 0) alternatives.push(`(${checks.join(' and ')})`);
  }
  return alternatives.length === 0 ? '!' : alternatives.join(' or ');
}
