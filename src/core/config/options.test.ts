import { describe, expect, it } from 'vitest';
import { defineSection, opt } from './options.ts';

describe('defineSection', () => {
  it('keeps the declarations it is given', () => {
    const s = defineSection('compute', 'Compute service.', {
      workers: opt.int(2, 'Workers.', { min: 1 }),
    });
    expect(s).toEqual({
      name: 'compute',
      help: 'Compute service.',
      options: { workers: { kind: 'int', default: 2, help: 'Workers.', min: 1 } },
    });
  });

  it('refuses section names that cannot become environment variables', () => {
    for (const name of ['Compute', '1st', 'a.b', '', 'with space']) {
      expect(() => defineSection(name, 'x', {})).toThrow(/invalid config section name/);
    }
    expect(() => defineSection('load-balancer', 'x', {})).not.toThrow();
  });

  it('refuses bad option names and options without help', () => {
    expect(() => defineSection('s', 'x', { 'Bad-Name': opt.int(1, 'h') })).toThrow(
      /invalid option name: s\.Bad-Name/,
    );
    expect(() => defineSection('s', 'x', { quiet: opt.bool(false, '  ') })).toThrow(
      /s\.quiet has no help/,
    );
  });

  it('records enum values and the secret flag', () => {
    expect(opt.enum(['a', 'b'], 'a', 'h').values).toEqual(['a', 'b']);
    expect(opt.url('', 'h', { secret: true }).secret).toBe(true);
    expect(opt.string('', 'h').secret).toBeUndefined();
  });
});
