import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aptInstallPlan, isOnPath, missingPackages } from './debian-packages.ts';

describe('isOnPath', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-path-test-'));
  writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'tool'), 0o755);
  writeFileSync(path.join(dir, 'plain'), 'not executable');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds executables only', () => {
    expect(isOnPath('tool', `/nonexistent${path.delimiter}${dir}`)).toBe(true);
    expect(isOnPath('plain', dir)).toBe(false);
    expect(isOnPath('tool', undefined)).toBe(false);
  });
});

describe('missingPackages', () => {
  it('names each package of an absent tool once', () => {
    const tools = [
      { command: 'tempest', debianPackage: 'tempest' },
      { command: 'stestr', debianPackage: 'python3-stestr' },
      { command: 'subunit-ls', debianPackage: 'python3-stestr' },
    ];
    expect(missingPackages(tools, (c) => c === 'tempest')).toEqual(['python3-stestr']);
    expect(missingPackages(tools, () => true)).toEqual([]);
  });
});

describe('aptInstallPlan', () => {
  it('plans nothing when nothing is missing', () => {
    expect(aptInstallPlan([], true)).toEqual([]);
  });

  it('updates the lists, then installs non-interactively, waiting for the dpkg lock', () => {
    const plan = aptInstallPlan(['tempest'], true);
    expect(plan).toEqual([
      {
        command: 'apt-get',
        args: ['-o', 'DPkg::Lock::Timeout=900', 'update'],
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      },
      {
        command: 'apt-get',
        args: ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', 'tempest'],
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      },
    ]);
  });

  it('goes through sudo -n when not root', () => {
    const [, install] = aptInstallPlan(['python3-openstackclient'], false);
    expect(install?.command).toBe('sudo');
    expect(install?.args.slice(0, 4)).toEqual([
      '-n',
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
    ]);
    expect(install?.args.at(-1)).toBe('python3-openstackclient');
  });
});
