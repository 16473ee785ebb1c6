import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED_CEPH_ENV, stopSharedCeph } from './ceph.ts';

/**
 * Vitest global setup: gives the run a directory where the first test file that needs Ceph
 * starts the one shared cluster (see sharedCeph), and stops it when the run ends. A run
 * with no Ceph test starts nothing.
 */
export default function setup(): () => Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-ceph-run-'));
  process.env[SHARED_CEPH_ENV] = root;
  return () => stopSharedCeph(root);
}
