#!/usr/bin/env node
// Installs the Debian packages the tests need, as root with apt, only when a file they
// provide is missing. Used by `.ci/run` (all of them) and by test setups that need a few
// (`ensurePackages(['qemu-utils'])`): the one helper for "ensure a Debian package".
//
// Test files run in parallel worker processes and several may find the same package
// missing on a fresh machine: every apt-get runs under one machine-wide lock (flock), so
// they queue instead of failing on apt's own locks (apt-get update has no lock timeout).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** package -> a file whose presence means it is installed, and whether apt may add its Recommends */
const PACKAGES = {
  'python3-openstackclient': { file: '/usr/bin/openstack' },
  tempest: { file: '/usr/bin/tempest' },
  'python3-subunit': { file: '/usr/bin/subunit2csv' },
  // block storage file backend: qemu-img; iSCSI export with tgt, qcow2 volumes reach tgt
  // through qemu-storage-daemon's FUSE export; libiscsi tools and QEMU's iscsi:// driver
  // read exports back in tests
  'qemu-utils': { file: '/usr/bin/qemu-img' },
  tgt: { file: '/usr/sbin/tgtd' },
  'qemu-system-common': { file: '/usr/bin/qemu-storage-daemon' },
  'libiscsi-bin': { file: '/usr/bin/iscsi-readcapacity16' },
  'qemu-block-extra': { file: '/var/lib/dpkg/info/qemu-block-extra.list' },
  // the throwaway single-node Ceph of the RBD tests (test/support/ceph.ts); its Recommends
  // (mgr dashboard modules and the like) are not needed and double the install
  'ceph-mon': { file: '/usr/bin/ceph-mon', recommends: false },
  'ceph-osd': { file: '/usr/bin/ceph-osd', recommends: false },
  'ceph-mgr': { file: '/usr/bin/ceph-mgr', recommends: false },
  'ceph-common': { file: '/usr/bin/rbd', recommends: false },
};

export const CEPH_PACKAGES = ['ceph-mon', 'ceph-osd', 'ceph-mgr', 'ceph-common'];

const LOCK = path.join(existsSync('/run/lock') ? '/run/lock' : os.tmpdir(), 'strata-ensure-packages.lock');
const APT = ['-o', 'DPkg::Lock::Timeout=900'];

/** The apt-get runs that install what is missing, or [] when nothing is. */
function plan(names) {
  for (const n of names) if (!PACKAGES[n]) throw new Error(`ensurePackages: unknown package ${n} (add it to scripts/ensure-packages.js)`);
  const missing = names.filter((p) => !existsSync(PACKAGES[p].file));
  if (missing.length === 0) return [];
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(' ')}; install them as root with apt-get`);
  }
  process.stderr.write(`installing Debian packages: ${missing.join(' ')}\n`);
  const plain = missing.filter((p) => PACKAGES[p].recommends !== false);
  const bare = missing.filter((p) => PACKAGES[p].recommends === false);
  const runs = [['flock', ['-w', '3600', LOCK, 'apt-get', ...APT, 'update']]];
  if (plain.length) runs.push(['flock', ['-w', '3600', LOCK, 'apt-get', ...APT, 'install', '-y', ...plain]]);
  if (bare.length) runs.push(['flock', ['-w', '3600', LOCK, 'apt-get', ...APT, 'install', '-y', '--no-install-recommends', ...bare]]);
  return runs;
}

const env = () => ({ ...process.env, DEBIAN_FRONTEND: 'noninteractive' });

/** Installs the named packages (keys of PACKAGES) that are missing; blocks until done. */
export function ensurePackages(names = Object.keys(PACKAGES)) {
  const [update, ...installs] = plan(names);
  if (!update) return;
  const r = spawnSync(update[0], update[1], { stdio: 'inherit', env: env() });
  if (r.status !== 0) process.stderr.write('apt-get update failed; trying the install anyway\n');
  for (const [cmd, args] of installs) execFileSync(cmd, args, { stdio: 'inherit', env: env() });
}

/** The same without blocking the caller's event loop (long installs inside a test worker). */
export async function ensurePackagesAsync(names = Object.keys(PACKAGES)) {
  const [update, ...installs] = plan(names);
  if (!update) return;
  const run = ([cmd, args]) =>
    new Promise((resolve, reject) => {
      execFile(cmd, args, { env: env(), maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr.slice(-4000)}`));
        else resolve();
      });
    });
  await run(update).catch(() => process.stderr.write('apt-get update failed; trying the install anyway\n'));
  for (const step of installs) await run(step);
}

if (import.meta.url === `file://${process.argv[1]}`) ensurePackages();
