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
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
