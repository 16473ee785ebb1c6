// What the conformance step of `npm test` runs and with which strata configuration: pure
// functions of the environment, so run.ts only starts processes.
import path from 'node:path';
import type { AreaName } from './tempest/areas.ts';
import { AREAS, isAreaName } from './tempest/areas.ts';

/**
 * Minutes each Tempest area may take before it is stopped (tempest's own --timeout-minutes
 * is 2 less, so the runner can still report what ran). Measured with concurrency 2 on this
 * 2-core machine (docs/conformance.md), at load 6-8 / 17-19: identity 0.7 / 1.5 min, image
 * 0.3 / 1 min, volume 3.2 / 5.5 min; the limits only stop a hung run.
 */
export const AREA_TIMEOUT_MINUTES: Readonly<Record<AreaName, number>> = {
  identity: 10,
  image: 8,
  volume: 20,
};

/** The openstack CLI scenario's limit (measured: 2.6 min at load 6-8, 9 min at 17-19). */
export const SCENARIO_TIMEOUT_MINUTES = 15;

/**
 * The whole conformance step's share of CI's 45 minutes (npm ci, type check, lint and
 * vitest take the rest): no part starts with a limit past it, so a hung part cannot push
 * CI over its budget. Measured for everything: 6.8 min at load 6-8, 17 min at 17-19.
 */
export const CONFORMANCE_BUDGET_MINUTES = 30;

/**
 * The limit a part gets: its own, cut to what is left of the budget; null when less than a
 * minute is left (the part is not started and counts as failed).
 */
export function partLimitMinutes(ownLimit: number, budgetLeftMs: number): number | null {
  const left = Math.floor(budgetLeftMs / 60_000);
  if (left < 1) return null;
  return Math.min(ownLimit, left);
}

/** Where strata keeps what the conformance checks look at directly, under its data dir. */
export interface ConformanceDirs {
  dataDir: string;
  /** The file volume backend's directory: the osc scenario runs qemu-img on its files. */
  volumeDir: string;
  backupDir: string;
}

export function conformanceDirs(dataDir: string): ConformanceDirs {
  return {
    dataDir,
    volumeDir: path.join(dataDir, 'block-storage', 'volumes'),
    backupDir: path.join(dataDir, 'block-storage', 'backups'),
  };
}

/**
 * strata's config for the run: the security-compliance values Tempest's identity tests are
 * told (test/conformance/README.md), and block storage on the file backend (qcow2 files
 * made with qemu-img, the files the scenario checks) with file backups, so the backup tests
 * run. No iSCSI export: nothing attaches without a compute service. The image service's
 * web-download may also fetch from the port of the harness's image server.
 */
export function strataConfigYaml(dirs: ConformanceDirs, webImage: { port: number }): string {
  return `identity:
  lockout_failure_attempts: 2
  lockout_duration: 5
  unique_last_password_count: 2
  minimum_password_age: 0
  # The reference Keystone of ../shared/tools uses bcrypt cost 4 too (speed only).
  password_hash_rounds: 4
block-storage:
  enabled_backends: [file]
  file_backend_dir: ${JSON.stringify(dirs.volumeDir)}
  file_backend_format: qcow2
  iscsi_enabled: false
  backup_driver: file
  backup_dir: ${JSON.stringify(dirs.backupDir)}
image:
  # Glance's default ports plus the harness's image server (Tempest's http_image); hosts
  # stay unrestricted as in Glance, so a bad host fails the import task, not the request
  import_allowed_ports: ['80', '443', '${webImage.port}']
`;
}

export interface ConformancePlan {
  /** Tempest areas asked for: null = every area whose service is in the catalog. */
  areas: AreaName[] | null;
  /** Whether the openstack CLI scenario runs. */
  scenario: boolean;
  databaseUrl: string | null;
  /** Everything of the run goes here (strata's data and log, scenario log, Tempest runs). */
  outputDir: string;
  /** What narrows the run, for a line in the output (empty when nothing does). */
  narrowedBy: string[];
}

/**
 * Reads the switches: STRATA_CONFORMANCE_AREAS (comma-separated areas, `none` for no
 * Tempest, `all` or unset for every area the catalog has), STRATA_CONFORMANCE_SCENARIO
 * (`off` skips the openstack CLI scenario), STRATA_CONFORMANCE_DATABASE_URL and
 * STRATA_CONFORMANCE_OUT (the output directory, relative to `root`; default
 * test-output/conformance).
 */
export function conformancePlan(env: NodeJS.ProcessEnv, root: string): ConformancePlan {
  const narrowedBy: string[] = [];
  let areas: AreaName[] | null = null;
  const areasText = env.STRATA_CONFORMANCE_AREAS?.trim() ?? '';
  if (areasText !== '' && areasText !== 'all') {
    const names = areasText
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (names.includes('none')) {
      if (names.length > 1) throw new Error('STRATA_CONFORMANCE_AREAS: "none" stands alone');
      areas = [];
    } else {
      const unknown = names.filter((n) => !isAreaName(n));
      if (unknown.length > 0) {
        throw new Error(
          `STRATA_CONFORMANCE_AREAS: unknown area(s) ${unknown.join(', ')}; known: ${Object.keys(AREAS).join(', ')}, none, all`,
        );
      }
      areas = names.filter(isAreaName);
    }
    narrowedBy.push(`STRATA_CONFORMANCE_AREAS=${areasText}`);
  }
  const scenarioText = env.STRATA_CONFORMANCE_SCENARIO?.trim() ?? '';
  if (scenarioText !== '' && scenarioText !== 'on' && scenarioText !== 'off') {
    throw new Error(`STRATA_CONFORMANCE_SCENARIO must be on or off, got "${scenarioText}"`);
  }
  const scenario = scenarioText !== 'off';
  if (!scenario) narrowedBy.push('STRATA_CONFORMANCE_SCENARIO=off');
  return {
    areas,
    scenario,
    databaseUrl: env.STRATA_CONFORMANCE_DATABASE_URL || null,
    outputDir: path.resolve(
      root,
      env.STRATA_CONFORMANCE_OUT || path.join('test-output', 'conformance'),
    ),
    narrowedBy,
  };
}

/**
 * Catalog types strata's services declare that the running cloud's catalog lacks: a service
 * of the build missing from the catalog would make its tests silently not run.
 */
export function missingCatalogTypes(
  declared: readonly { service: string; types: readonly string[] }[],
  catalogTypes: readonly string[],
): string[] {
  return declared
    .filter((d) => !d.types.some((t) => catalogTypes.includes(t)))
    .map((d) => `${d.service} (${d.types.join(' or ')})`);
}
