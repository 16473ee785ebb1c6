import { describe, expect, it } from 'vitest';
import { describeOptions } from './help.ts';
import { defineSection, opt } from './options.ts';

const logging = defineSection('logging', 'Log output.', {
  level: opt.enum(['debug', 'info', 'warn'], 'info', 'Lowest level written.'),
  workers: opt.int(4, 'Worker count.', { min: 1, max: 64 }),
  password: opt.string('changeme', 'Admin password.', { secret: true }),
  hosts: opt.list(['a', 'b'], 'Hosts, e.g. a|b in a shell pattern.'),
});
const db = defineSection('block-storage', 'Volume service.', {
  ratio: opt.float(1.5, 'Overcommit.', { min: 1 }),
});

/** Splits a Markdown table row into cells, honouring escaped pipes. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe('describeOptions as text', () => {
  const text = describeOptions([logging, db], 'text');

  it('lists each section with its help, and each option with type, bounds, default and help', () => {
    expect(text).toContain('[logging] Log output.');
    expect(text).toContain(
      '  level (debug|info|warn, default "info")\n      Lowest level written.',
    );
    expect(text).toContain('  workers (int, min 1, max 64, default 4)');
    expect(text).toContain('  hosts (list, default ["a","b"])');
    expect(text).toContain('[block-storage] Volume service.');
    expect(text).toContain('  ratio (float, min 1, default 1.5)');
  });

  it('never prints a secret default', () => {
    expect(text).toContain('  password (string, default (secret))');
    expect(text).not.toContain('changeme');
  });
});

describe('describeOptions as Markdown', () => {
  const md = describeOptions([logging, db], 'markdown');
  const rows = md.split('\n').filter((l) => l.startsWith('| `'));

  it('writes one heading and table per section', () => {
    expect(md).toContain(
      '## `logging`\n\nLog output.\n\n| option | type | default | environment | meaning |',
    );
    expect(md).toContain('## `block-storage`');
  });

  it('names the environment variable of each option', () => {
    expect(md).toContain('`STRATA_LOGGING__WORKERS`');
    expect(md).toContain('`STRATA_BLOCK_STORAGE__RATIO`');
  });

  it('keeps every row at five cells, even with pipes in enum values or help', () => {
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(cells(row)).toHaveLength(5);
    const level = cells(rows.find((r) => r.startsWith('| `level`'))!);
    expect(level[1]).toBe('debug\\|info\\|warn');
  });

  it('never prints a secret default', () => {
    expect(md).not.toContain('changeme');
    expect(md).toContain('`(secret)`');
  });
});
