/**
 * Cinder reads list filter values with Python's ast.literal_eval: `size=1` is the number 1,
 * `metadata={'Type': 'work'}` a dict (clients send Python's repr of a dict), and anything
 * that does not parse stays the text it was. This reads the same literal forms: strings in
 * either quote, numbers, True/False/None, lists, tuples and dicts of those.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private fail(): never {
    throw new SyntaxError('not a literal');
  }

  done(): boolean {
    this.ws();
    return this.i >= this.s.length;
  }

  value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail();
    if (c === '{') return this.dict();
    if (c === '[' || c === '(') return this.list(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.str(c);
    const m = /^(?:[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+)|True|False|None)/i.exec(this.s.slice(this.i));
    if (!m) this.fail();
    const word = m[0];
    if (word === 'True') {
      this.i += 4;
      return true;
    }
    if (word === 'False') {
      this.i += 5;
      return false;
    }
    if (word === 'None') {
      this.i += 4;
      return null;
    }
    if (/^[a-z]/i.test(word)) this.fail();
    this.i += word.length;
    return Number(word);
  }

  private str(quote: string): string {
    this.i++;
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      let ch = this.s[this.i]!;
      if (ch === '\\') {
        this.i++;
        const e = this.s[this.i];
        if (e === undefined) this.fail();
        ch = ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? `\\${e}`;
      }
      out += ch;
      this.i++;
    }
    if (this.s[this.i] !== quote) this.fail();
    this.i++;
    return out;
  }

  private list(close: string): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail();
    }
  }

  private dict(): { [key: string]: PyValue } {
    this.i++;
    const out: { [key: string]: PyValue } = Object.create(null) as { [key: string]: PyValue };
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.value();
      if (typeof key === 'object' && key !== null) this.fail();
      this.ws();
      if (this.s[this.i] !== ':') this.fail();
      this.i++;
      out[String(key)] = this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail();
    }
  }
}

/** The literal `text` denotes, or `text` itself when it is not a literal (as Cinder falls back). */
export function parsePythonLiteral(text: string): PyValue {
  try {
    const r = new Reader(text);
    const v = r.value();
    if (!r.done()) return text;
    return v;
  } catch {
    return text;
  }
}
