import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Unit tests of the conformance tooling itself (no cloud needed):
//   npx vitest run --config test/conformance/vitest.config.ts
export default defineConfig({
  root: path.resolve(import.meta.dirname, '..', '..'),
  test: {
    include: ['test/conformance/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
