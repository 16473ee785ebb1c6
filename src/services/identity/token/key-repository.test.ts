import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyRepositoryError } from './errors.ts';
import { generateFernetKey, parseFernetKey } from './fernet.ts';
import { listKeyIndexes, loadKeys, rotateKeys, setupKeyRepository } from './key-repository.ts';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'strata-keys-')), 'fernet-keys');
});
afterEach(() => {
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

const read = (index: number) => readFileSync(join(dir, String(index)), 'utf8');

describe('setupKeyRepository', () => {
  it('creates a staged key 0 and a primary 1, readable by the owner only', () => {
    expect(setupKeyRepository(dir)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['0', '1']);
    for (const name of ['0', '1']) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
      expect(() => parseFernetKey(readFileSync(join(dir, name), 'utf8'))).not.toThrow();
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(read(0)).not.toBe(read(1));
  });

  it('leaves an existing repository alone', () => {
    setupKeyRepository(dir);
    const before = [read(0), read(1)];
    expect(setupKeyRepository(dir)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['0', '1']);
    expect([read(0), read(1)]).toEqual(before);
  });
});

describe('rotateKeys', () => {
  it('promotes the staged key, stages a new one and purges the oldest secondaries', () => {
    setupKeyRepository(dir);
    const staged = read(0);
    expect(rotateKeys(dir, 3)).toEqual({ primary: 2, purged: [] });
    expect(listKeyIndexes(dir)).toEqual([0, 1, 2]);
    expect(read(2)).toBe(staged);
    expect(read(0)).not.toBe(staged);

    expect(rotateKeys(dir, 3)).toEqual({ primary: 3, purged: [1] });
    expect(listKeyIndexes(dir)).toEqual([0, 2, 3]);

    // A larger limit keeps more secondaries; a smaller one purges several at once.
    expect(rotateKeys(dir, 5)).toEqual({ primary: 4, purged: [] });
    expect(listKeyIndexes(dir)).toEqual([0, 2, 3, 4]);
    expect(rotateKeys(dir, 2)).toEqual({ primary: 5, purged: [2, 3, 4] });
    expect(listKeyIndexes(dir)).toEqual([0, 5]);
    expect(readdirSync(dir).sort()).toEqual(['0', '5']); // no temporary file left behind
  });

  it('keeps new key files private', () => {
    setupKeyRepository(dir);
    rotateKeys(dir);
    for (const index of listKeyIndexes(dir)) {
      expect(statSync(join(dir, String(index))).mode & 0o777).toBe(0o600);
    }
  });

  it('refuses a limit below 2 and a repository without a staged key', () => {
    setupKeyRepository(dir);
    expect(() => rotateKeys(dir, 1)).toThrow(RangeError);
    expect(listKeyIndexes(dir)).toEqual([0, 1]);
    rmSync(join(dir, '0'));
    expect(() => rotateKeys(dir)).toThrow(KeyRepositoryError);
  });
});

describe('loadKeys', () => {
  it('returns the primary first, then secondaries newest first, then the staged key', () => {
    setupKeyRepository(dir);
    rotateKeys(dir, 4);
    rotateKeys(dir, 4);
    const keys = loadKeys(dir);
    expect(keys.indexes).toEqual([3, 2, 1, 0]);
    expect(keys.primary).toBe(keys.all[0]);
    expect(keys.primary.signingKey.equals(parseFernetKey(read(3)).signingKey)).toBe(true);
    expect(keys.all.at(-1)?.encryptionKey.equals(parseFernetKey(read(0)).encryptionKey)).toBe(true);
  });

  it('reads a repository written by hand as Keystone would, ignoring other files', () => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
    setupKeyRepository(dir);
    writeFileSync(join(dir, '10'), `${generateFernetKey()}\n`);
    writeFileSync(join(dir, '7'), '');
    writeFileSync(join(dir, 'README'), 'not a key');
    writeFileSync(join(dir, '0.tmp'), 'left over from a crash');
    expect(loadKeys(dir).indexes).toEqual([10, 1, 0]);
  });

  it('fails clearly on a missing, empty or corrupt repository', () => {
    expect(() => loadKeys(dir)).toThrow(KeyRepositoryError);
    setupKeyRepository(dir);
    writeFileSync(join(dir, '1'), 'not a fernet key');
    expect(() => loadKeys(dir)).toThrow(/key file .*1 does not hold a Fernet key/);
    rmSync(join(dir, '1'));
    writeFileSync(join(dir, '0'), '');
    expect(() => loadKeys(dir)).toThrow(/holds no keys/);
  });
});
