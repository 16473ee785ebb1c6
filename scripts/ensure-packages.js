#!/usr/bin/env node
// Installs the Debian packages the tests need, as root with apt, only when a file they
// provide is missing. Used by `.ci/run` (all of them) and by test setups that need a few
// (`ensurePackages(['qemu-utils'])`): the one helper for "ensure a Debian package".
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** package -> a file whose presence means it is installed */
const PACKAGES = {
  'python3-openstackclient': '/usr/bin/openstack',
  tempest: '/usr/bin/tempest',
  'python3-subunit': '/usr/bin/subunit2csv',
  // block storage file backend: qemu-img; iSCSI export with tgt, qcow2 volumes reach tgt
  // through qemu-storage-daemon's FUSE export; libiscsi tools and QEMU's iscsi:// driver
  // read exports back in tests
  'qemu-utils': '/usr/bin/qemu-img',
  tgt: '/usr/sbin/tgtd',
  'qemu-system-common': '/usr/bin/qemu-storage-daemon',
  'libiscsi-bin': '/usr/bin/iscsi-readcapacity16',
  'qemu-block-extra': '/var/lib/dpkg/info/qemu-block-extra.list',
};

export function ensurePackages(names = Object.keys(PACKAGES)) {
  const missing = names.filter((p) => !existsSync(PACKAGES[p] ?? `/nonexistent/${p}`));
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(' ')}; install them as root with apt-get`);
  }
  process.stderr.write(`installing Debian packages: ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'update'], { stdio: 'inherit', env });
  if (update.status !== 0) process.stderr.write('apt-get update failed; trying the install anyway\n');
  execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', ...missing], {
    stdio: 'inherit',
    env,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) ensurePackages();
