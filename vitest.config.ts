import { defineConfig } from 'vitest/config';

// Unit, service-functional, store, architecture and fuzz tests, and the unit tests of the
// conformance and benchmark tooling. Conformance suites (openstack CLI, Tempest)
// are driven by scripts/test.js after these pass, because they need a running cloud.
export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'test/architecture/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/conformance/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // Tests named *.ceph.test.ts share one throwaway Ceph cluster, started by the first of
    // them that runs (install ~2 min when missing, start ~40 s) and stopped here at the end.
    globalSetup: ['test/support/ceph-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
