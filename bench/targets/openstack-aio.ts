import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { KeystoneCredentials } from '../identity/keystone-credentials.ts';
import type { CleanupStack } from './cleanup.ts';

/**
 * The real Glance and Cinder (Debian 12, Zed) from the shared all-in-one scripts
 * (../shared/tools/aio), started with only the stages a benchmark needs: `infra` (MariaDB,
 * RabbitMQ, OVN databases), `keystone`, `catalog`, then `glance` and/or `cinder`. The scripts
 * keep all state in /tmp/aio and listen on fixed ports 20000-20999, so one AIO can run per
 * machine: a benchmark never touches an AIO it did not start, and removes /tmp/aio only when
 * it created it.
 */
export const aioRoot = '/tmp/aio';
const fixedPorts = { keystone: 20500, glance: 20292, cinder: 20776, mariadb: 20306 } as const;
const password = 'secret'; // start-aio.sh's bootstrap password for admin and every service user

export type AioService = 'glance' | 'cinder';

export type AioAvailability =
  { readonly available: true } | { readonly available: false; readonly reason: string };

const packages: Record<AioService, readonly string[]> = {
  glance: ['glance-api'],
  cinder: ['cinder-api', 'cinder-scheduler', 'cinder-volume'],
};
// start-aio.sh copies nova's and neutron's paste files whatever stages run, so those two
// packages are needed (installed, never started) even for a Glance- or Cinder-only start.
const commonPackages = [
  'keystone',
  'mariadb-server',
  'rabbitmq-server',
  'ovn-central',
  'memcached',
  'uwsgi-plugin-python3',
  'nova-api',
  'neutron-server',
];

/** Debian package version, or undefined when it is not installed. */
export function debianVersion(pkg: string): string | undefined {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}|${Version}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [status, version] = out.split('|');
    return status?.includes('install ok installed') ? version : undefined;
  } catch {
    return undefined;
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Whether this machine can start the AIO services now, and why not when it cannot. */
export async function aioAvailability(scriptDir: string, services: readonly AioService[]): Promise<AioAvailability> {
  const script = path.join(scriptDir, 'start-aio.sh');
  if (!fs.existsSync(script)) return { available: false, reason: `${script} not found` };
  for (const pkg of [...commonPackages, ...services.flatMap((s) => packages[s])]) {
    if (!debianVersion(pkg)) return { available: false, reason: `the Debian package ${pkg} is not installed` };
  }
  if (fs.existsSync(aioRoot)) {
    return { available: false, reason: `${aioRoot} exists (another all-in-one, running or left over; not ours to touch)` };
  }
  for (const [name, port] of Object.entries(fixedPorts)) {
    if (await portInUse(port)) return { available: false, reason: `port ${port} (${name}) is in use` };
  }
  return { available: true };
}

export interface RunningAio {
  readonly credentials: KeystoneCredentials;
  readonly logFile: string;
  /** The process ids the scripts recorded for a service (its process group leader). */
  pidsOf(name: string): number[];
  /** Where Glance's file store keeps an image's data. */
  glanceImageFile(imageId: string): string;
  stop(): Promise<void>;
}

function runningAio(stop: () => Promise<void>, logFile: string): RunningAio {
  return {
    credentials: {
      authUrl: `http://127.0.0.1:${fixedPorts.keystone}/v3`,
      username: 'admin',
      password,
      userDomainName: 'Default',
      projectName: 'admin',
      projectDomainName: 'Default',
    },
    logFile,
    pidsOf(name) {
      try {
        return [Number(fs.readFileSync(path.join(aioRoot, 'pids', `${name}.pid`), 'utf8').trim())];
      } catch {
        return [];
      }
    },
    glanceImageFile: (id) => path.join(aioRoot, 'images', id),
    stop,
  };
}

/**
 * An all-in-one already running (started by hand with start-aio.sh): used as it is, and left
 * running afterwards. Refused unless keystone and each wanted service answer on their ports.
 */
export async function connectAio(services: readonly AioService[]): Promise<RunningAio> {
  for (const name of ['keystone', ...services] as const) {
    if (!(await portInUse(fixedPorts[name]))) throw new Error(`no ${name} on port ${fixedPorts[name]}: start-aio.sh first`);
  }
  return runningAio(async () => {}, path.join(aioRoot, 'logs'));
}

function runScript(script: string, args: readonly string[], logFile: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, 'a');
    const child = execFile('bash', [script, ...args], { timeout: timeoutMs, killSignal: 'SIGTERM' }, (err) => {
      fs.closeSync(log);
      if (err) reject(new Error(`${path.basename(script)} ${args.join(' ')} failed (${err.message}); see ${logFile}`));
      else resolve();
    });
    child.stdout?.on('data', (d: Buffer) => fs.appendFileSync(logFile, d));
    child.stderr?.on('data', (d: Buffer) => fs.appendFileSync(logFile, d));
  });
}

/**
 * Starts keystone plus the given services with start-aio.sh (3-6 minutes on this machine) and
 * registers their stop (stop-aio.sh, then removing /tmp/aio) with the cleanup stack.
 */
export async function startAio(opts: {
  readonly scriptDir: string;
  readonly services: readonly AioService[];
  readonly workDir: string;
  readonly cleanup: CleanupStack;
}): Promise<RunningAio> {
  const logFile = path.join(opts.workDir, 'aio.log');
  const stopScript = path.join(opts.scriptDir, 'stop-aio.sh');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await runScript(stopScript, [], logFile, 120_000).catch(() => undefined);
    fs.rmSync(aioRoot, { recursive: true, force: true });
  };
  opts.cleanup.push({
    name: 'the OpenStack all-in-one (stop-aio.sh)',
    run: stop,
    runSync: () => {
      if (stopped) return;
      stopped = true;
      try {
        execFileSync('bash', [stopScript], { stdio: 'ignore', timeout: 120_000 });
      } finally {
        fs.rmSync(aioRoot, { recursive: true, force: true });
      }
    },
  });
  const stages = ['infra', 'keystone', 'catalog', ...opts.services];
  await runScript(path.join(opts.scriptDir, 'start-aio.sh'), stages, logFile, 15 * 60_000);
  return runningAio(stop, logFile);
}
