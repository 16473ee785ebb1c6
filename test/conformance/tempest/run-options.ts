import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AreaName } from './areas.ts';
import { AREAS, isAreaName } from './areas.ts';
import type { FeatureChoice } from './service-features.ts';
import type { ConfOverride } from './tempest-conf.ts';
import { DEFAULT_BUILD_TIMEOUT_SECONDS, parseOverride } from './tempest-conf.ts';

export interface TempestRunOptions {
  area: AreaName;
  regex: string;
  /** Run directory (wiped on each run); default test-output/tempest/<area>. */
  workspace: string;
  concurrency: number;
  /** Expected-pass list to compare with; null = run the regex only, no comparison. */
  expectedList: string | null;
  /** Interop guideline list to report coverage of; null = no interop report. */
  interopList: string | null;
  overrides: ConfOverride[];
  timeoutMinutes: number;
  /** [image-feature-enabled] import_image: auto = on when glance-direct is advertised. */
  imageImport: FeatureChoice;
  /** [volume-feature-enabled] backup: auto = on when a cinder-backup service is up. */
  volumeBackup: FeatureChoice;
  /** An existing image for [compute] image_ref; null = upload one for the run. */
  imageRef: string | null;
  /** [image] http_image; null = an unreachable URL (web-download tests then fail). */
  httpImage: string | null;
  buildTimeoutSeconds: number;
  /** Echo tempest's live output instead of a progress line now and then. */
  verbose: boolean;
  help: boolean;
}

export const USAGE = `usage: node --import tsx test/conformance/tempest/run.ts [options]

Runs tempest against the endpoint in OS_AUTH_URL as the admin in OS_USERNAME, OS_PASSWORD,
OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME (region: OS_REGION_NAME).

  --area A              identity, image or volume: sets the defaults of the
                        next three options                      [identity]
  --regex R             tests to run (stestr regex)             [the area's, e.g. ^tempest\\.api\\.volume\\.]
  --workspace DIR       run directory, wiped on each run        [test-output/tempest/<area>]
  --expected FILE       expected-pass list (and FILE's .needs-<service>.txt
                        companions): exit 1 unless every expected test passed
                                                                [test/conformance/tempest/expected/<area>.txt]
  --no-compare          run the regex only; exit 1 when any test failed
  --interop FILE        report how many required ids of this interop guideline
                        list passed                             [expected/interop-2022.11-platform.txt]
  --no-interop          no interop report
  --concurrency N       tempest workers (1 = serial)             [2]
  --image-import X      auto|on|off: [image-feature-enabled] import_image;
                        auto = on when GET /v2/info/import offers glance-direct [auto]
  --volume-backup X     auto|on|off: [volume-feature-enabled] backup;
                        auto = on when os-services shows cinder-backup up     [auto]
  --image-ref ID        image for [compute] image_ref (default: upload a 1 MiB raw
                        image when the catalog has glance and volume tests run)
  --http-image URL      [image] http_image, what web-download imports: an http URL
                        the image service may fetch (default: one on 127.0.0.1:9,
                        which nothing serves)
  --build-timeout S     seconds to wait for images and volumes   [${DEFAULT_BUILD_TIMEOUT_SECONDS}]
  --set S.O=V           set tempest.conf option O of section S (repeatable), e.g.
                        --set identity.user_lockout_duration=10
  --timeout-minutes M   stop tempest after M minutes             [60]
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

function featureChoice(name: string, text: string): FeatureChoice {
  if (text === 'auto' || text === 'on' || text === 'off') return text;
  throw new UsageError(`--${name} must be auto, on or off, got "${text}"`);
}

function httpUrl(text: string | undefined): string | null {
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--http-image must be a URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--http-image must be an http(s) URL, got "${text}"`);
  }
  return text;
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
        area: { type: 'string', default: 'identity' },
        regex: { type: 'string' },
        workspace: { type: 'string' },
        concurrency: { type: 'string', default: '2' },
        expected: { type: 'string' },
        'no-compare': { type: 'boolean', default: false },
        interop: { type: 'string' },
        'no-interop': { type: 'boolean', default: false },
        'image-import': { type: 'string', default: 'auto' },
        'volume-backup': { type: 'string', default: 'auto' },
        'image-ref': { type: 'string' },
        'http-image': { type: 'string' },
        'build-timeout': { type: 'string', default: String(DEFAULT_BUILD_TIMEOUT_SECONDS) },
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
  if (!isAreaName(v.area)) {
    throw new UsageError(`--area must be one of ${Object.keys(AREAS).join(', ')}, got "${v.area}"`);
  }
  const area = AREAS[v.area];
  if (v.regex === '') throw new UsageError('--regex must not be empty');
  let overrides: ConfOverride[];
  try {
    overrides = v.set.map(parseOverride);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const expectedDir = path.join(projectRoot, 'test', 'conformance', 'tempest', 'expected');
  return {
    area: area.name,
    regex: v.regex ?? area.regex,
    workspace: path.resolve(
      v.workspace ?? path.join(projectRoot, 'test-output', 'tempest', area.name),
    ),
    concurrency: positiveInteger('concurrency', v.concurrency),
    expectedList: v['no-compare']
      ? null
      : path.resolve(v.expected ?? path.join(expectedDir, `${area.name}.txt`)),
    interopList: v['no-interop']
      ? null
      : path.resolve(v.interop ?? path.join(expectedDir, 'interop-2022.11-platform.txt')),
    overrides,
    timeoutMinutes: positiveInteger('timeout-minutes', v['timeout-minutes']),
    imageImport: featureChoice('image-import', v['image-import']),
    volumeBackup: featureChoice('volume-backup', v['volume-backup']),
    imageRef: v['image-ref'] || null,
    httpImage: httpUrl(v['http-image']),
    buildTimeoutSeconds: positiveInteger('build-timeout', v['build-timeout']),
    verbose: v.verbose,
    help: v.help,
  };
}
