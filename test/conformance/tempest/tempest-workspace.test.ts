import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTestListing, prepareWorkspaceDir } from './tempest-workspace.ts';

describe('parseTestListing', () => {
  it('keeps test ids and drops log noise', () => {
    const out = [
      '2026-11-25 04:20:10 WARNING tempest.config [-] something',
      'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token[id-6f8e4436-fc96-4282-8122-e41df57197a9]',
      '  tempest.api.identity.v2.test_x.T.test_y  ',
      '',
      'Exception ignored in: <function>',
    ].join('\n');
    expect(parseTestListing(out)).toEqual([
      'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token[id-6f8e4436-fc96-4282-8122-e41df57197a9]',
      'tempest.api.identity.v2.test_x.T.test_y',
    ]);
  });
});

describe('prepareWorkspaceDir', () => {
  const made: string[] = [];
  const scratch = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-ws-test-'));
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a missing directory and marks it', () => {
    const dir = path.join(scratch(), 'a', 'b');
    expect(prepareWorkspaceDir(dir)).toBe(dir);
    expect(readdirSync(dir)).toEqual(['.strata-tempest-workspace']);
  });

  it('wipes a directory it made before', () => {
    const dir = prepareWorkspaceDir(path.join(scratch(), 'ws'));
    writeFileSync(path.join(dir, 'old-results.json'), '{}');
    mkdirSync(path.join(dir, 'tempest'));
    prepareWorkspaceDir(dir);
    expect(readdirSync(dir)).toEqual(['.strata-tempest-workspace']);
  });

  it('refuses a non-empty directory it did not make, and leaves it alone', () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    expect(() => prepareWorkspaceDir(dir)).toThrow(/not made by this runner/);
    expect(existsSync(path.join(dir, 'precious.txt'))).toBe(true);
  });
});
