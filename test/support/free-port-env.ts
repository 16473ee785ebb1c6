import { allServices } from '../../src/cli/services.ts';

/**
 * Environment for a `strata up` under test: every service but identity (whose port the caller
 * passes) listens on a port the OS picks, so runs never collide with each other or with a
 * service already on its default port.
 */
export function freePortEnv(): Record<string, string> {
  return Object.fromEntries(
    allServices
      .filter((s) => s.type !== 'identity')
      .map((s) => [`STRATA_${s.type.toUpperCase().replace(/-/g, '_')}__PORT`, '0']),
  );
}

/** The same as config overrides for startCloud. */
export function freePortOverrides(): Record<string, { port: number }> {
  return Object.fromEntries(
    allServices.filter((s) => s.type !== 'identity').map((s) => [s.type, { port: 0 }]),
  );
}
