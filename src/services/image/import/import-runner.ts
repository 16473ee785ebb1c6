import type { ImageEnv } from '../env.ts';

/**
 * Runs interoperable imports (glance-direct, web-download, copy-image) in the background and,
 * on start, finishes or fails the imports a stopped worker left behind.
 */
export interface ImportRunner {
  start(): void;
  stop(): Promise<void>;
}

/** The import runner of one image worker; `env` is everything but the runner itself. */
export function createImportRunner(env: Omit<ImageEnv, 'importer'>): ImportRunner {
  void env;
  return {
    start() {},
    async stop() {},
  };
}
