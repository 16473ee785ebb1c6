import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfOverride } from './tempest-conf.ts';
import { parseOverride } from './tempest-conf.ts';

export interface TempestRunOptions {
  regex: string;
  /** Run directory (wiped on each run); default test-output/tempest/identity. */
  workspace: string;
  concurrency: number;
  /** Expected-pass list to compare with; null = run the regex only, no comparison. */
  expectedList: string | null;
  overrides: ConfOverride[];
  timeoutMinutes: number;
  /** Echo tempest's live output instead of a progress line now and then. */
  verbose: boolean;
  help: boolean;
}

export const USAGE = `usage: node --import tsx test/conformance/tempest/run.ts [options]

Runs tempest against the endpoint in OS_AUTH_URL as the admin in OS_USERNAME, OS_PASSWORD,
OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME (region: OS_REGION_NAME).

  --regex R             tests to run (stestr regex)        [^tempest\\.api\\.identity]
  --workspace DIR       run directory, wiped on each run   [test-output/tempest/identity]
  --concurrency N       tempest workers (1 = serial)        [2]
  --expected FILE       expected-pass list: exit 1 unless every test on it passed
                                                            [test/conformance/tempest/expected/identity.txt]
  --no-compare          run the regex only; exit 1 when any test failed
  --set S.O=V           set tempest.conf option O of section S (repeatable), e.g.
                        --set identity.user_lockout_duration=10
  --timeout-minutes M   stop tempest after M minutes        [60]
  --verbose             show tempest's output as it runs
  -h, --help            this text

Exit status: 0 as expected, 1 tests not as expected, 2 the run itself failed.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

/** `projectRoot` anchors the defaults, so the runner works from any current directory. */
export function parseRunOptions(argv: readonly string[], projectRoot: string): TempestRunOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        regex: { type: 'string', default: '^tempest\\.api\\.identity' },
        workspace: {
          type: 'string',
          default: path.join(projectRoot, 'test-output', 'tempest', 'identity'),
        },
        concurrency: { type: 'string', default: '2' },
        expected: {
          type: 'string',
          default: path.join(
            projectRoot,
            'test',
            'conformance',
            'tempest',
            'expected',
            'identity.txt',
          ),
        },
        'no-compare': { type: 'boolean', default: false },
        set: { type: 'string', multiple: true, default: [] },
        'timeout-minutes': { type: 'string', default: '60' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (!v.regex) throw new UsageError('--regex must not be empty');
  let overrides: ConfOverride[];
  try {
    overrides = v.set.map(parseOverride);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    regex: v.regex,
    workspace: path.resolve(v.workspace),
    concurrency: positiveInteger('concurrency', v.concurrency),
    expectedList: v['no-compare'] ? null : path.resolve(v.expected),
    overrides,
    timeoutMinutes: positiveInteger('timeout-minutes', v['timeout-minutes']),
    verbose: v.verbose,
    help: v.help,
  };
}
