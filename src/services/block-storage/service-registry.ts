import os from 'node:os';
import type { BlockStorageEnv } from './env.ts';
import { fromDbTime } from '../../core/db/index.ts';
import {
  BACKUP_BINARY,
  heartbeat,
  registerService,
  SCHEDULER_BINARY,
  VOLUME_BINARY,
  type ServiceIdentity,
  type ServiceRow,
} from './store/services.ts';
import { ensureDefaultVolumeType } from './store/volume-types.ts';
import { deleteExpiredMessages } from './store/message-queries.ts';

/** Cinder's service_down_time: a service whose heartbeat is older than this is down. */
export const SERVICE_DOWN_TIME_SECONDS = 60;
/** Cinder's report_interval: how often a running service stamps its heartbeat. */
export const REPORT_INTERVAL_MS = 10_000;
/** How often expired user messages are removed (Cinder's message_reap_interval). */
export const MESSAGE_REAP_INTERVAL_MS = 86_400_000;

export interface ServiceRegistryOptions {
  readonly reportIntervalMs?: number;
  readonly messageReapIntervalMs?: number;
  /** The host name of this process's scheduler and backup services (default: os.hostname()). */
  readonly hostname?: string;
}

/**
 * The services this process runs, as Cinder lists them: a scheduler and (with a backup
 * driver) a backup service on this host, and one cinder-volume per backend (`host@backend`).
 */
export function localServices(env: BlockStorageEnv, hostname = os.hostname()): ServiceIdentity[] {
  const zone = env.settings.default_availability_zone;
  const list: ServiceIdentity[] = [
    { host: hostname, binary: SCHEDULER_BINARY, availabilityZone: zone },
  ];
  if (env.backup) list.push({ host: hostname, binary: BACKUP_BINARY, availabilityZone: zone });
  for (const b of env.backends)
    list.push({ host: b.host, binary: VOLUME_BINARY, availabilityZone: b.availabilityZone });
  return list;
}

/** up while the heartbeat is younger than the down time (either direction, as Cinder compares). */
export function serviceIsUp(
  row: Pick<ServiceRow, 'updated_at' | 'created_at'>,
  now: Date,
  downTimeSeconds = SERVICE_DOWN_TIME_SECONDS,
): boolean {
  const last = fromDbTime(row.updated_at || row.created_at).getTime();
  return Math.abs(now.getTime() - last) <= downTimeSeconds * 1000;
}

/**
 * What block storage does at start besides its drivers: creates the default volume type if
 * it is missing, registers this process's services, then keeps their heartbeat fresh and
 * reaps expired user messages. Returns the function that stops the timers.
 */
export async function startServiceRegistry(
  env: BlockStorageEnv,
  opts: ServiceRegistryOptions = {},
): Promise<() => Promise<void>> {
  await ensureDefaultVolumeType(env.db, env.settings, env.now());
  const ids: string[] = [];
  for (const s of localServices(env, opts.hostname))
    ids.push((await registerService(env.db, s, env.now())).id);

  let beating: Promise<void> | undefined;
  const beat = setInterval(() => {
    if (beating) return;
    beating = heartbeat(env.db, ids, env.now())
      .catch((err: unknown) => env.logger.warn({ err }, 'block storage service heartbeat failed'))
      .finally(() => {
        beating = undefined;
      });
  }, opts.reportIntervalMs ?? REPORT_INTERVAL_MS);
  beat.unref();

  const reap = () =>
    deleteExpiredMessages(env.db, env.now()).catch((err: unknown) =>
      env.logger.warn({ err }, 'reaping expired user messages failed'),
    );
  await reap();
  const reaper = setInterval(
    () => void reap(),
    opts.messageReapIntervalMs ?? MESSAGE_REAP_INTERVAL_MS,
  );
  reaper.unref();

  return async () => {
    clearInterval(beat);
    clearInterval(reaper);
    await beating;
  };
}
