import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  conformanceDirs,
  conformancePlan,
  missingCatalogTypes,
  partLimitMinutes,
  AREA_TIMEOUT_MINUTES,
  SCENARIO_TIMEOUT_MINUTES,
  CONFORMANCE_BUDGET_MINUTES,
  strataConfigYaml,
} from './conformance-plan.ts';

describe('strataConfigYaml', () => {
  it('runs block storage on the file backend with file backups under the data dir', () => {
    const dirs = conformanceDirs('/tmp/conf data/data');
    const config = parse(strataConfigYaml(dirs, { port: 4321 })) as Record<
      string,
      Record<string, unknown>
    >;
    expect(config['block-storage']).toMatchObject({
      enabled_backends: ['file'],
      backup_driver: 'file',
      file_backend_dir: '/tmp/conf data/data/block-storage/volumes',
      backup_dir: '/tmp/conf data/data/block-storage/backups',
    });
    expect(config.image).toEqual({ import_allowed_ports: ['80', '443', '4321'] });
    expect(config.identity).toMatchObject({
      lockout_failure_attempts: 2,
      lockout_duration: 5,
      unique_last_password_count: 2,
    });
  });
});

describe('conformancePlan', () => {
  it('runs everything when nothing narrows it', () => {
    expect(conformancePlan({}, '/repo')).toEqual({
      areas: null,
      scenario: true,
      databaseUrl: null,
      outputDir: '/repo/test-output/conformance',
      narrowedBy: [],
    });
    expect(conformancePlan({ STRATA_CONFORMANCE_AREAS: 'all' }, '/repo').areas).toBeNull();
  });

  it('narrows to the areas named, or to none, and says so', () => {
    const some = conformancePlan({ STRATA_CONFORMANCE_AREAS: 'volume, image' }, '/repo');
    expect(some.areas).toEqual(['volume', 'image']);
    expect(some.narrowedBy).toEqual(['STRATA_CONFORMANCE_AREAS=volume, image']);
    const none = conformancePlan(
      {
        STRATA_CONFORMANCE_AREAS: 'none',
        STRATA_CONFORMANCE_DATABASE_URL: 'postgres://127.0.0.1/test',
      },
      '/repo',
    );
    expect(none.areas).toEqual([]);
    expect(none.scenario).toBe(true);
    expect(none.databaseUrl).toBe('postgres://127.0.0.1/test');
  });

  it('turns the scenario off only when asked', () => {
    const plan = conformancePlan({ STRATA_CONFORMANCE_SCENARIO: 'off' }, '/repo');
    expect(plan.scenario).toBe(false);
    expect(plan.narrowedBy).toEqual(['STRATA_CONFORMANCE_SCENARIO=off']);
    expect(conformancePlan({ STRATA_CONFORMANCE_SCENARIO: 'on' }, '/repo').scenario).toBe(true);
  });

  it('puts the run where STRATA_CONFORMANCE_OUT says, relative to the project', () => {
    expect(conformancePlan({ STRATA_CONFORMANCE_OUT: 'test-output/mine' }, '/repo').outputDir).toBe(
      '/repo/test-output/mine',
    );
    expect(conformancePlan({ STRATA_CONFORMANCE_OUT: '/tmp/x' }, '/repo').outputDir).toBe('/tmp/x');
  });

  it('refuses what it does not know rather than running less', () => {
    expect(() => conformancePlan({ STRATA_CONFORMANCE_AREAS: 'compute' }, '/repo')).toThrow(
      /unknown area\(s\) compute/,
    );
    expect(() => conformancePlan({ STRATA_CONFORMANCE_AREAS: 'none,volume' }, '/repo')).toThrow(
      /alone/,
    );
    expect(() => conformancePlan({ STRATA_CONFORMANCE_SCENARIO: 'no' }, '/repo')).toThrow(
      /on or off/,
    );
  });
});

describe('missingCatalogTypes', () => {
  const declared = [
    { service: 'identity', types: ['identity'] },
    { service: 'block-storage', types: ['block-storage', 'volumev3'] },
    { service: 'image', types: ['image'] },
  ];

  it('names each declared service none of whose types is in the catalog', () => {
    expect(missingCatalogTypes(declared, ['identity', 'volumev3', 'image'])).toEqual([]);
    expect(missingCatalogTypes(declared, ['identity', 'block-storage'])).toEqual(['image (image)']);
    expect(missingCatalogTypes(declared, ['identity'])).toEqual([
      'block-storage (block-storage or volumev3)',
      'image (image)',
    ]);
  });
});

describe('partLimitMinutes', () => {
  it('gives a part its own limit while the budget lasts, then what is left, then nothing', () => {
    expect(partLimitMinutes(20, 30 * 60_000)).toBe(20);
    expect(partLimitMinutes(20, 12.9 * 60_000)).toBe(12);
    expect(partLimitMinutes(20, 59_999)).toBeNull();
    expect(partLimitMinutes(20, -5_000)).toBeNull();
  });

  it('leaves CI (45 min) room for npm ci, the type check, lint and vitest', () => {
    expect(CONFORMANCE_BUDGET_MINUTES).toBeLessThanOrEqual(30);
    // every part fits in the budget alone: a limit past it would never apply
    for (const limit of [...Object.values(AREA_TIMEOUT_MINUTES), SCENARIO_TIMEOUT_MINUTES]) {
      expect(limit).toBeLessThan(CONFORMANCE_BUDGET_MINUTES);
    }
  });
});
