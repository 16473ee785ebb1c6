import { defineConfig } from 'vitest/config';

// The root vitest.config.ts includes src/ and test/architecture/ only; this runs the
// benchmark's own unit tests: `npx vitest run --config bench/vitest.config.ts`.
export default defineConfig({
  // keep Vite's cache in the repository's node_modules, not a new bench/node_modules
  cacheDir: '../node_modules/.vite',
  test: {
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
