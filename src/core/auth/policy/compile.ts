/**
 * Turns a parsed rule into a closure, once, so enforcement on every request is a few
 * function calls and string compares: no parsing, no tree walking by type, no per-call
 * allocation beyond the strings a `%(key)s` interpolation has to build.
 */
import {
  credentialMatches,
  readTarget,
  type PolicyCredentials,
  type PolicyTarget,
} from './credentials.ts';
import type { PolicyNode, TemplatePart } from './parser.ts';

export type CompiledCheck = (target: PolicyTarget, creds: PolicyCredentials) => boolean;

/** Renders a check's right-hand side; undefined when a target key is missing. */
type CompiledTemplate = (target: PolicyTarget) => string | undefined;

const always: CompiledCheck = () => true;
const never: CompiledCheck = () => false;

/**
 * @param resolveRule returns the compiled rule a `rule:NAME` refers to, or undefined when
 * there is no such rule (the reference is then false, as in oslo).
 */
export function compilePolicy(
  node: PolicyNode,
  resolveRule: (name: string) => CompiledCheck | undefined,
): CompiledCheck {
  switch (node.type) {
    case 'always':
      return always;
    case 'never':
    case 'unsupported':
      return never;
    case 'not': {
      const operand = compilePolicy(node.operand, resolveRule);
      return (target, creds) => !operand(target, creds);
    }
    case 'and':
    case 'or':
      return compileJunction(
        node.type,
        node.operands.map((n) => compilePolicy(n, resolveRule)),
      );
    case 'rule':
      return resolveRule(node.name) ?? never;
    case 'role':
      return compileRoleCheck(node.role);
    case 'generic':
      return compileGenericCheck(node.credential, node.match);
  }
}

function compileJunction(kind: 'and' | 'or', checks: CompiledCheck[]): CompiledCheck {
  const [first, second] = checks;
  if (checks.length === 2 && first && second) {
    return kind === 'and'
      ? (t, c) => first(t, c) && second(t, c)
      : (t, c) => first(t, c) || second(t, c);
  }
  const stopOn = kind === 'or';
  return (target, creds) => {
    for (const check of checks) {
      if (check(target, creds) === stopOn) return stopOn;
    }
    return !stopOn;
  };
}

function compileTemplate(parts: readonly TemplatePart[]): CompiledTemplate {
  const [only] = parts;
  if (parts.length === 1 && only) {
    if ('literal' in only) {
      const text = only.literal;
      return () => text;
    }
    const path = only.target;
    return (target) => readTarget(target, path);
  }
  return (target) => {
    let text = '';
    for (const part of parts) {
      if ('literal' in part) {
        text += part.literal;
      } else {
        const value = readTarget(target, part.target);
        if (value === undefined) return undefined;
        text += value;
      }
    }
    return text;
  };
}

function compileRoleCheck(role: readonly TemplatePart[]): CompiledCheck {
  const [only] = role;
  if (role.length === 1 && only && 'literal' in only) {
    const wanted = only.literal.toLowerCase();
    return (_target, creds) => hasRole(creds.roles, wanted);
  }
  const render = compileTemplate(role);
  return (target, creds) => {
    const wanted = render(target);
    return wanted !== undefined && hasRole(creds.roles, wanted.toLowerCase());
  };
}

/**
 * Case-insensitive membership. The length test spares most lower-casing; it assumes role
 * names whose case folding keeps their length, which holds for every ASCII name.
 */
function hasRole(roles: readonly string[] | undefined, wantedLower: string): boolean {
  if (!Array.isArray(roles)) return false;
  for (const role of roles) {
    if (
      typeof role === 'string' &&
      role.length === wantedLower.length &&
      (role === wantedLower || role.toLowerCase() === wantedLower)
    ) {
      return true;
    }
  }
  return false;
}

function compileGenericCheck(
  credential: { readonly path: readonly string[] } | { readonly literal: string },
  match: readonly TemplatePart[],
): CompiledCheck {
  const render = compileTemplate(match);
  if ('literal' in credential) {
    const literal = credential.literal;
    return (target) => render(target) === literal;
  }
  const segments = credential.path;
  return (target, creds) => {
    const expected = render(target);
    return expected !== undefined && credentialMatches(creds, segments, 0, expected);
  };
}
