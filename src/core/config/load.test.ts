import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, envName, loadConfig } from './load.ts';
import { defineSection, opt } from './options.ts';

const api = defineSection('api', 'HTTP listener.', {
  port: opt.int(5000, 'Port to listen on.', { min: 1, max: 65535 }),
  ratio: opt.float(0.5, 'A fraction.', { min: 0, max: 1 }),
  debug: opt.bool(false, 'Verbose errors.'),
  mode: opt.enum(['embedded', 'split'], 'embedded', 'How services are placed.'),
  public_url: opt.url('', 'Base URL clients use.'),
  hosts: opt.list(['a'], 'Allowed hosts.'),
  name: opt.string('strata', 'A name.'),
});
const db = defineSection('block-storage', 'Volumes.', {
  url: opt.url('', 'Database URL.', { secret: true }),
  pool_size: opt.int(5, 'Pool size.'),
});
const sections = [api, db];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-config-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function configFile(yaml: string): string {
  const file = path.join(dir, `config-${fileCount++}.yaml`);
  fs.writeFileSync(file, yaml);
  return file;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('config loaded');
}

describe('envName', () => {
  it('builds STRATA_<SECTION>__<KEY> with dashes as underscores', () => {
    expect(envName('api', 'port')).toBe('STRATA_API__PORT');
    expect(envName('block-storage', 'pool_size')).toBe('STRATA_BLOCK_STORAGE__POOL_SIZE');
  });
});

describe('loadConfig', () => {
  it('gives the declared defaults when nothing is set', () => {
    const cfg = loadConfig(sections, { env: {} }).section(api);
    expect(cfg).toEqual({
      port: 5000,
      ratio: 0.5,
      debug: false,
      mode: 'embedded',
      public_url: '',
      hosts: ['a'],
      name: 'strata',
    });
  });

  it('reads typed values from the file', () => {
    const file = configFile(
      'api:\n  port: 8080\n  debug: true\n  mode: split\n  hosts: [x, y]\n  public_url: https://cloud.example:5000/\n',
    );
    const cfg = loadConfig(sections, { file, env: {} }).section(api);
    expect(cfg.port).toBe(8080);
    expect(cfg.debug).toBe(true);
    expect(cfg.mode).toBe('split');
    expect(cfg.hosts).toEqual(['x', 'y']);
    expect(cfg.public_url).toBe('https://cloud.example:5000/');
  });

  it('lets the environment override the file, and explicit overrides both', () => {
    const file = configFile('api:\n  port: 8080\n  name: from-file\n  debug: false\n');
    const env = { STRATA_API__PORT: '9090', STRATA_API__DEBUG: 'yes' };
    const cfg = loadConfig(sections, { file, env }).section(api);
    expect(cfg.port).toBe(9090);
    expect(cfg.debug).toBe(true);
    expect(cfg.name).toBe('from-file');
    const overridden = loadConfig(sections, {
      file,
      env,
      overrides: { api: { port: 1234 } },
    }).section(api);
    expect(overridden.port).toBe(1234);
    expect(overridden.debug).toBe(true);
  });

  it('reads environment overrides for sections with dashes in their names', () => {
    const cfg = loadConfig(sections, { env: { STRATA_BLOCK_STORAGE__POOL_SIZE: '12' } }).section(
      db,
    );
    expect(cfg.pool_size).toBe(12);
  });

  it('treats an empty file, an empty section and null values as unset', () => {
    expect(loadConfig(sections, { file: configFile(''), env: {} }).section(api).port).toBe(5000);
    expect(loadConfig(sections, { file: configFile('api:\n'), env: {} }).section(api).port).toBe(
      5000,
    );
    expect(
      loadConfig(sections, { file: configFile('api:\n  port: null\n'), env: {} }).section(api).port,
    ).toBe(5000);
  });

  it('splits lists from the environment on commas, trimming and dropping empties', () => {
    const cfg = loadConfig(sections, {
      env: { STRATA_API__HOSTS: ' a.example , b.example,,c ' },
    }).section(api);
    expect(cfg.hosts).toEqual(['a.example', 'b.example', 'c']);
    expect(loadConfig(sections, { env: { STRATA_API__HOSTS: '' } }).section(api).hosts).toEqual([]);
  });

  it('reads a list written as one string in the file', () => {
    expect(
      loadConfig(sections, { file: configFile('api:\n  hosts: only\n'), env: {} }).section(api)
        .hosts,
    ).toEqual(['only']);
    expect(
      loadConfig(sections, { file: configFile('api:\n  hosts: "p, q"\n'), env: {} }).section(api)
        .hosts,
    ).toEqual(['p', 'q']);
  });

  it('freezes what it returns', () => {
    const cfg = loadConfig(sections, { env: { STRATA_API__HOSTS: 'a,b' } }).section(api);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.hosts)).toBe(true);
    expect(() => {
      (cfg as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (cfg.hosts as string[]).push('c')).toThrow(TypeError);
  });

  it('refuses an unknown section, naming it and the file', () => {
    const file = configFile('apii:\n  port: 1\n');
    const message = configError(() => loadConfig(sections, { file, env: {} }));
    expect(message).toContain('"apii"');
    expect(message).toContain(file);
  });

  it('refuses an unknown option, naming section.key', () => {
    expect(
      configError(() => loadConfig(sections, { file: configFile('api:\n  prot: 1\n'), env: {} })),
    ).toContain('api.prot');
  });

  it('refuses option names that only exist on Object.prototype', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      const file = configFile(`api:\n  ${key}: 1\n`);
      expect(configError(() => loadConfig(sections, { file, env: {} }))).toContain(`api.${key}`);
    }
  });

  it('refuses files that are not a mapping of mappings', () => {
    expect(
      configError(() => loadConfig(sections, { file: configFile('- a\n- b\n'), env: {} })),
    ).toMatch(/mapping/);
    expect(
      configError(() => loadConfig(sections, { file: configFile('api: 3\n'), env: {} })),
    ).toMatch(/"api" must be a mapping/);
  });

  it('names a file it cannot read', () => {
    const missing = path.join(dir, 'missing.yaml');
    expect(configError(() => loadConfig(sections, { file: missing, env: {} }))).toContain(missing);
  });

  it.each([
    ['STRATA_API__PORT', 'eighty', /api\.port \(from STRATA_API__PORT\): expected a number/],
    ['STRATA_API__PORT', '80.5', /api\.port.*expected an integer/],
    ['STRATA_API__PORT', '0', /api\.port.*must be at least 1/],
    ['STRATA_API__PORT', '70000', /api\.port.*must be at most 65535/],
    ['STRATA_API__PORT', '', /api\.port.*expected a number/],
    ['STRATA_API__RATIO', '1.5', /api\.ratio.*must be at most 1/],
    ['STRATA_API__DEBUG', 'maybe', /api\.debug.*expected true or false.*"maybe"/],
    ['STRATA_API__MODE', 'cluster', /api\.mode.*expected one of embedded, split/],
    ['STRATA_API__PUBLIC_URL', 'not a url', /api\.public_url.*expected a URL/],
  ])('names the key for a bad %s=%j', (key, value, pattern) => {
    expect(configError(() => loadConfig(sections, { env: { [key]: value } }))).toMatch(pattern);
  });

  it('names the key for bad values in the file', () => {
    expect(
      configError(() => loadConfig(sections, { file: configFile('api:\n  debug: 3\n'), env: {} })),
    ).toMatch(/^invalid value for api\.debug: expected true or false/);
    expect(
      configError(() => loadConfig(sections, { file: configFile('api:\n  name: [a]\n'), env: {} })),
    ).toMatch(/api\.name: expected a string/);
    expect(
      configError(() =>
        loadConfig(sections, { file: configFile('api:\n  hosts: {a: 1}\n'), env: {} }),
      ),
    ).toMatch(/api\.hosts: expected a list/);
  });

  it('never prints the value of a secret option in an error', () => {
    const secretUrl = 'postgres://strata:hunter2@[db/strata';
    const message = configError(() =>
      loadConfig(sections, { env: { STRATA_BLOCK_STORAGE__URL: secretUrl } }),
    );
    expect(message).toContain('block-storage.url');
    expect(message).not.toContain('hunter2');
  });

  it('refuses a section that was not declared when loading', () => {
    const other = defineSection('other', 'Other.', { x: opt.int(1, 'x') });
    expect(() => loadConfig([api], { env: {} }).section(other)).toThrow(/"other" was not declared/);
  });
});
