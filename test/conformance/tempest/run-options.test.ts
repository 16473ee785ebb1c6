import { describe, expect, it } from 'vitest';
import { parseRunOptions, UsageError } from './run-options.ts';

describe('parseRunOptions', () => {
  it('defaults to the identity suite, compared with the shipped list, under test-output/', () => {
    expect(parseRunOptions([], '/repo')).toEqual({
      regex: '^tempest\\.api\\.identity',
      workspace: '/repo/test-output/tempest/identity',
      concurrency: 2,
      expectedList: '/repo/test/conformance/tempest/expected/identity.txt',
      overrides: [],
      timeoutMinutes: 60,
      verbose: false,
      help: false,
    });
  });

  it('takes a regex without comparison, overrides and a serial run', () => {
    const options = parseRunOptions(
      [
        '--regex',
        'tokens',
        '--no-compare',
        '--concurrency',
        '1',
        '--set',
        'identity.region=R2',
        '--set',
        'auth.x=y',
      ],
      '/repo',
    );
    expect(options.regex).toBe('tokens');
    expect(options.expectedList).toBeNull();
    expect(options.concurrency).toBe(1);
    expect(options.overrides).toEqual([
      { section: 'identity', key: 'region', value: 'R2' },
      { section: 'auth', key: 'x', value: 'y' },
    ]);
  });

  it('rejects unknown options, bad numbers and malformed overrides as usage errors', () => {
    expect(() => parseRunOptions(['--regx', 'a'], '/repo')).toThrow(UsageError);
    expect(() => parseRunOptions(['--concurrency', '0'], '/repo')).toThrow(/positive integer/);
    expect(() => parseRunOptions(['--timeout-minutes', 'soon'], '/repo')).toThrow(UsageError);
    expect(() => parseRunOptions(['--set', 'noequals'], '/repo')).toThrow(UsageError);
    expect(() => parseRunOptions(['extra'], '/repo')).toThrow(UsageError);
  });
});
