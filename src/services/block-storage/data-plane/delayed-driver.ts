import type { VolumeDriver } from '../drivers.ts';

/** Driver operations a delay may be put on (every call of the port). */
export type DriverOperation = Exclude<keyof VolumeDriver, 'backendName'>;

/**
 * `createVolume=2000,deleteVolume=500` -> { createVolume: 2000, deleteVolume: 500 }.
 * Unknown operation names are refused so a typo does not make a test pass without delay.
 */
export function parseBackendDelays(spec: string, known: readonly string[] = DRIVER_OPERATIONS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [op, ms, extra] = part.split('=').map((s) => s.trim());
    const n = Number(ms);
    if (!op || extra !== undefined || ms === undefined || ms === '' || !Number.isFinite(n) || n < 0) {
      throw new Error(`block-storage.backend_delays: bad entry "${part}" (want operation=milliseconds)`);
    }
    if (!known.includes(op)) throw new Error(`block-storage.backend_delays: unknown driver operation "${op}" (known: ${known.join(', ')})`);
    out[op] = n;
  }
  return out;
}

export const DRIVER_OPERATIONS: readonly DriverOperation[] = [
  'start',
  'stop',
  'stats',
  'createVolume',
  'createVolumeFromSnapshot',
  'cloneVolume',
  'createVolumeFromImage',
  'readVolume',
  'writeVolume',
  'deleteVolume',
  'extendVolume',
  'createSnapshot',
  'deleteSnapshot',
  'initializeConnection',
  'terminateConnection',
];

/**
 * The driver with a pause before the named operations: tests stop the service while an
 * operation is under way and check what a restart makes of it. The pause comes before the
 * backend acts, so a stop during it finds the backend as a crash just before the call
 * would, and a stop after it finds the work done but not yet recorded.
 */
export function withDelays(driver: VolumeDriver, delays: Readonly<Record<string, number>>): VolumeDriver {
  if (Object.keys(delays).length === 0) return driver;
  return new Proxy(driver, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      const ms = typeof prop === 'string' ? delays[prop] : undefined;
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!ms) return fn.bind(target);
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, ms));
        return fn.apply(target, args);
      };
    },
  });
}
