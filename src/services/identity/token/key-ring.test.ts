import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyRepositoryError } from './errors.ts';
import { generateFernetKey } from './fernet.ts';
import { loadKeys, rotateKeys, setupKeyRepository } from './key-repository.ts';
import { KeyRing } from './key-ring.ts';

let root: string;
let dir: string;
let now: number;
const clock = () => now;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'strata-keyring-'));
  dir = join(root, 'keys');
  now = 1_000_000;
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('KeyRing', () => {
  it('picks up a rotation made on disk at the next check, not before', () => {
    setupKeyRepository(dir);
    const ring = new KeyRing(dir, { clock });
    const before = ring.current();
    expect(before.indexes).toEqual([1, 0]);

    rotateKeys(dir, 3);
    now += 999;
    expect(ring.current()).toBe(before); // within the interval: no disk access
    now += 1;
    const after = ring.current();
    expect(after.indexes).toEqual([2, 1, 0]);
    expect(after.primary.signingKey.equals(before.all[1]!.signingKey)).toBe(true);
  });

  it('keeps the same keys object while nothing changed', () => {
    setupKeyRepository(dir);
    const ring = new KeyRing(dir, { clock });
    const first = ring.current();
    now += 5000;
    expect(ring.current()).toBe(first);
  });

  it('notices a key file rewritten in place', () => {
    setupKeyRepository(dir);
    const ring = new KeyRing(dir, { clock });
    const before = ring.current();
    writeFileSync(join(dir, '1'), generateFernetKey());
    now += 1000;
    expect(ring.current().primary.signingKey.equals(before.primary.signingKey)).toBe(false);
  });

  it('keeps serving the last good keys while the repository is broken, then recovers', () => {
    setupKeyRepository(dir);
    const errors: unknown[] = [];
    const ring = new KeyRing(dir, { clock, onReloadError: (err) => errors.push(err) });
    const good = ring.current();

    writeFileSync(join(dir, '1'), 'garbage');
    now += 1000;
    expect(ring.current()).toBe(good);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(KeyRepositoryError);

    writeFileSync(join(dir, '1'), generateFernetKey());
    now += 1000;
    expect(ring.current()).not.toBe(good);
    expect(errors).toHaveLength(1);
  });

  it('fails at construction when there is no repository', () => {
    expect(() => new KeyRing(dir)).toThrow(KeyRepositoryError);
  });

  it('follows a Kubernetes secret volume update (atomic ..data symlink swap)', () => {
    // Layout kubelet writes: keys/0 -> ..data/0, keys/..data -> ..2024_01_01_v1/
    const writeVersion = (name: string, indexes: number[]) => {
      mkdirSync(join(dir, name));
      for (const i of indexes) writeFileSync(join(dir, name, String(i)), generateFernetKey());
    };
    mkdirSync(dir);
    writeVersion('..v1', [0, 1]);
    symlinkSync('..v1', join(dir, '..data'));
    for (const i of [0, 1, 2]) symlinkSync(join('..data', String(i)), join(dir, String(i)));

    const ring = new KeyRing(dir, { clock });
    expect(ring.current().indexes).toEqual([1, 0]); // 2 dangles for now

    writeVersion('..v2', [0, 1, 2]);
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    now += 1000;
    const after = ring.current();
    expect(after.indexes).toEqual([2, 1, 0]);
    expect(after.primary.signingKey.equals(loadKeys(join(dir, '..v2')).primary.signingKey)).toBe(
      true,
    );
  });
});
