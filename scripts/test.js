#!/usr/bin/env node
// `npm test`: every test, in the order that fails fastest. Each step's output streams
// through; the run stops at the first failing step and exits with its status.
import { spawnSync } from 'node:child_process';

const steps = [
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint', 'npx', ['eslint', '.']],
  ['unit, service, store, architecture and fuzz tests', 'npx', ['vitest', 'run']],
  ['conformance: openstack CLI and Tempest against a running strata', 'node', ['--import', 'tsx', 'test/conformance/run.ts']],
];

const only = process.argv[2];
const runStarted = Date.now();
for (const [name, cmd, args] of steps) {
  if (only && !name.startsWith(only)) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (r.status !== 0) {
    process.stdout.write(`\n=== FAILED: ${name} (${secs} s)\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`=== ok: ${name} (${secs} s)\n`);
}
process.stdout.write(`\n=== all passed (${((Date.now() - runStarted) / 1000).toFixed(0)} s)\n`);
