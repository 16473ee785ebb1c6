/**
 * Parser for the oslo.policy check-string language, so operators' policy.yaml files carry
 * over unchanged. Tokenization follows oslo: the string is split on whitespace and only
 * leading `(` / trailing `)` of a word are parentheses, so `%(project_id)s` stays whole.
 * Precedence is `not` > `and` > `or`; keywords are case-insensitive.
 *
 * Unlike oslo, which logs and turns a malformed rule into "never", a malformed rule is an
 * error here: a typo in policy.yaml should stop the service at start, not silently deny.
 */
import { targetPath, type TargetPath } from './credentials.ts';

/** A piece of a check's right-hand side: literal text or a `%(key)s` target lookup. */
export type TemplatePart = { readonly literal: string } | { readonly target: TargetPath };

/** Left side of a generic check: a dotted path into the credentials, or a literal. */
export type CredentialOperand = { readonly path: readonly string[] } | { readonly literal: string };

export type PolicyNode =
  | { readonly type: 'always' }
  | { readonly type: 'never' }
  | { readonly type: 'or'; readonly operands: readonly PolicyNode[] }
  | { readonly type: 'and'; readonly operands: readonly PolicyNode[] }
  | { readonly type: 'not'; readonly operand: PolicyNode }
  | { readonly type: 'rule'; readonly name: string }
  | { readonly type: 'role'; readonly role: readonly TemplatePart[] }
  | {
      readonly type: 'generic';
      readonly credential: CredentialOperand;
      readonly match: readonly TemplatePart[];
    }
  /** Check kinds we do not evaluate (oslo's remote `http:`/`https:`): always false. */
  | { readonly type: 'unsupported'; readonly kind: string; readonly match: string };

export class PolicyParseError extends Error {
  readonly ruleName: string | undefined;
  readonly checkString: string;
  /** 1-based column of the offending token in the check string. */
  readonly column: number;

  constructor(ruleName: string | undefined, checkString: string, column: number, why: string) {
    const subject =
      ruleName === undefined ? 'Invalid policy check' : `Invalid policy rule "${ruleName}"`;
    super(`${subject}: ${why} at column ${column} in ${JSON.stringify(checkString)}`);
    this.name = 'PolicyParseError';
    this.ruleName = ruleName;
    this.checkString = checkString;
    this.column = column;
  }
}

type Token =
  | {
      readonly kind: '(' | ')' | 'and' | 'or' | 'not';
      readonly column: number;
      readonly text: string;
    }
  | { readonly kind: 'check'; readonly column: number; readonly text: string };

const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not']);
const PYTHON_LITERALS: ReadonlySet<string> = new Set(['True', 'False', 'None']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const word of text.matchAll(/\S+/g)) {
    let start = 0;
    let end = word[0].length;
    const column = word.index + 1;
    const raw = word[0];
    while (start < end && raw[start] === '(') {
      tokens.push({ kind: '(', column: column + start, text: '(' });
      start++;
    }
    while (end > start && raw[end - 1] === ')') end--;
    if (start < end) {
      const body = raw.slice(start, end);
      const lowered = body.toLowerCase();
      tokens.push(
        KEYWORDS.has(lowered)
          ? { kind: lowered as 'and' | 'or' | 'not', column: column + start, text: body }
          : { kind: 'check', column: column + start, text: body },
      );
    }
    for (let i = end; i < raw.length; i++)
      tokens.push({ kind: ')', column: column + i, text: ')' });
  }
  return tokens;
}

class Parser {
  private position = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly text: string,
    private readonly ruleName: string | undefined,
  ) {
    this.tokens = tokenize(text);
  }

  parse(): PolicyNode {
    if (this.tokens.length === 0) return { type: 'always' };
    const node = this.orExpression();
    const extra = this.tokens[this.position];
    if (extra !== undefined) this.fail(extra.column, `unexpected ${describe(extra)}`);
    return node;
  }

  private orExpression(): PolicyNode {
    const operands = [this.andExpression()];
    while (this.accept('or')) operands.push(this.andExpression());
    return operands.length === 1 ? (operands[0] as PolicyNode) : { type: 'or', operands };
  }

  private andExpression(): PolicyNode {
    const operands = [this.notExpression()];
    while (this.accept('and')) operands.push(this.notExpression());
    return operands.length === 1 ? (operands[0] as PolicyNode) : { type: 'and', operands };
  }

  private notExpression(): PolicyNode {
    if (this.accept('not')) return { type: 'not', operand: this.notExpression() };
    return this.primary();
  }

  private primary(): PolicyNode {
    const token = this.tokens[this.position];
    if (token === undefined)
      return this.fail(this.text.length + 1, 'expected a check, found the end');
    this.position++;
    if (token.kind === '(') {
      const inner = this.orExpression();
      const close = this.tokens[this.position];
      if (close?.kind !== ')') {
        return this.fail(
          close?.column ?? this.text.length + 1,
          `expected ")" to close "(" at column ${token.column}, found ${close ? describe(close) : 'the end'}`,
        );
      }
      this.position++;
      return inner;
    }
    if (token.kind !== 'check')
      return this.fail(token.column, `expected a check, found ${describe(token)}`);
    return this.check(token.text, token.column);
  }

  private check(text: string, column: number): PolicyNode {
    if (text === '@') return { type: 'always' };
    if (text === '!') return { type: 'never' };
    const colon = text.indexOf(':');
    if (colon <= 0) {
      return this.fail(column, `"${text}" is not a check (expected KIND:MATCH, "@" or "!")`);
    }
    const kind = text.slice(0, colon);
    const match = text.slice(colon + 1);
    switch (kind) {
      case 'rule':
        if (match === '') return this.fail(column, '"rule:" needs a rule name');
        return { type: 'rule', name: match };
      case 'role':
        return { type: 'role', role: this.template(match, column + colon + 1) };
      case 'http':
      case 'https':
        return { type: 'unsupported', kind, match };
      default:
        return {
          type: 'generic',
          credential: credentialOperand(kind),
          match: this.template(match, column + colon + 1),
        };
    }
  }

  /** Parses Python %-formatting as oslo applies it (`match % target`): `%(key)s` and `%%`. */
  private template(text: string, column: number): TemplatePart[] {
    const parts: TemplatePart[] = [];
    let literal = '';
    let i = 0;
    while (i < text.length) {
      const percent = text.indexOf('%', i);
      if (percent < 0) {
        literal += text.slice(i);
        break;
      }
      literal += text.slice(i, percent);
      if (text[percent + 1] === '%') {
        literal += '%';
        i = percent + 2;
        continue;
      }
      const close = text[percent + 1] === '(' ? text.indexOf(')s', percent + 2) : -1;
      if (close < 0) {
        return this.fail(column + percent, 'a "%" must start "%(key)s" or be doubled as "%%"');
      }
      const key = text.slice(percent + 2, close);
      if (key === '') return this.fail(column + percent, '"%()s" needs a key');
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ target: targetPath(key) });
      i = close + 2;
    }
    if (literal !== '' || parts.length === 0) parts.push({ literal });
    return parts;
  }

  private accept(kind: Token['kind']): boolean {
    if (this.tokens[this.position]?.kind !== kind) return false;
    this.position++;
    return true;
  }

  private fail(column: number, why: string): never {
    throw new PolicyParseError(this.ruleName, this.text, column, why);
  }
}

function describe(token: Token): string {
  return token.kind === 'check' ? `check "${token.text}"` : `"${token.text}"`;
}

/**
 * oslo tries `ast.literal_eval` on the left side first, so `'member'` (quoted) and the
 * Python constants are literals; anything else is a dotted path into the credentials.
 */
function credentialOperand(kind: string): CredentialOperand {
  const quote = kind[0];
  if (kind.length >= 2 && (quote === "'" || quote === '"') && kind[kind.length - 1] === quote) {
    return { literal: kind.slice(1, -1) };
  }
  if (PYTHON_LITERALS.has(kind) || /^-?\d+$/.test(kind)) return { literal: kind };
  return { path: kind.split('.') };
}

/**
 * Parses a check string into its syntax tree. `ruleName` only labels errors.
 * @throws PolicyParseError on invalid syntax.
 */
export function parseCheckString(text: string, ruleName?: string): PolicyNode {
  return new Parser(text, ruleName).parse();
}

/** Canonical text of a tree, fully parenthesized; parses back to the same tree. */
export function printPolicy(node: PolicyNode): string {
  switch (node.type) {
    case 'always':
      return '@';
    case 'never':
      return '!';
    case 'or':
    case 'and':
      return `(${node.operands.map(printPolicy).join(` ${node.type} `)})`;
    case 'not':
      return `not ${printPolicy(node.operand)}`;
    case 'rule':
      return `rule:${node.name}`;
    case 'role':
      return `role:${printTemplate(node.role)}`;
    case 'generic': {
      const left =
        'path' in node.credential ? node.credential.path.join('.') : `'${node.credential.literal}'`;
      return `${left}:${printTemplate(node.match)}`;
    }
    case 'unsupported':
      return `${node.kind}:${node.match}`;
  }
}

function printTemplate(parts: readonly TemplatePart[]): string {
  return parts
    .map((part) =>
      'target' in part ? `%(${part.target.flat})s` : part.literal.replaceAll('%', '%%'),
    )
    .join('');
}

/** Names of the rules a tree refers to through `rule:NAME`. */
export function referencedRules(node: PolicyNode): string[] {
  switch (node.type) {
    case 'or':
    case 'and':
      return node.operands.flatMap(referencedRules);
    case 'not':
      return referencedRules(node.operand);
    case 'rule':
      return [node.name];
    default:
      return [];
  }
}
