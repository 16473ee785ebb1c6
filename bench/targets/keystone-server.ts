import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { credentialsFromOpenrc } from '../identity/keystone-credentials.ts';
import type { CleanupStack } from './cleanup.ts';
import { freePort } from './free-port.ts';
import type { RunningTarget } from './strata-server.ts';

const run = promisify(execFile);

export type KeystoneAvailability =
  { readonly available: true } | { readonly available: false; readonly reason: string };

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Debian's Keystone package version, e.g. `2:22.0.2-0+deb12u6`, or undefined if absent. */
export function installedKeystoneVersion(): string | undefined {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}|${Version}', 'keystone'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [status, version] = out.split('|');
    return status?.includes('installed') && !status.includes('not-installed') ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the reference Keystone can run here: the Debian package, uwsgi and the start script. */
export function keystoneAvailability(script: string): KeystoneAvailability {
  if (!fs.existsSync(script)) return { available: false, reason: `${script} not found` };
  if (!installedKeystoneVersion())
    return { available: false, reason: 'the Debian keystone package is not installed' };
  for (const cmd of ['keystone-manage', 'uwsgi']) {
    if (!onPath(cmd)) return { available: false, reason: `${cmd} is not on PATH` };
  }
  return { available: true };
}

export interface KeystoneTargetOptions {
  readonly script: string;
  readonly workDir: string;
  readonly hashRounds: number;
  /** start-keystone.sh KEYSTONE_FEATURES: `vanilla` keeps the package defaults. */
  readonly features: string;
  readonly processes: number;
  readonly threads: number;
  readonly cleanup: CleanupStack;
}

/**
 * Starts the real Keystone through start-keystone.sh on its own free port and its own state
 * dir under `workDir` (never the shared reference instance on 5000), fresh, with the given
 * bcrypt cost, and stops it through the same script.
 */
export async function startKeystone(opts: KeystoneTargetOptions): Promise<RunningTarget> {
  const port = await freePort();
  const stateDir = path.join(opts.workDir, 'keystone-state');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KEYSTONE_STATE_DIR: stateDir,
    KEYSTONE_HOST: '127.0.0.1',
    KEYSTONE_PORT: String(port),
    // A leading '-' would read as an option to keystone-manage bootstrap, hence the prefix.
    KEYSTONE_ADMIN_PASSWORD: `bench-${randomBytes(12).toString('base64url')}`,
    KEYSTONE_PASSWORD_HASH_ROUNDS: String(opts.hashRounds),
    KEYSTONE_FEATURES: opts.features,
    KEYSTONE_PROCESSES: String(opts.processes),
    KEYSTONE_THREADS: String(opts.threads),
    KEYSTONE_AUTO_INSTALL: '0',
  };
  const script = (...args: string[]) =>
    run('bash', [opts.script, ...args], {
      env,
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 4 << 20,
    });

  let started = false;
  let stopped = false;
  const stop = async () => {
    if (stopped || !started) return;
    stopped = true;
    await script('stop');
  };
  opts.cleanup.push({
    name: `keystone on port ${port}`,
    run: stop,
    runSync: () => {
      if (stopped || !started) return;
      stopped = true;
      execFileSync('bash', [opts.script, 'stop'], { env, stdio: 'ignore', timeout: 30_000 });
    },
  });

  // From here on the uwsgi daemon may exist even if the script fails, so stop must run.
  started = true;
  try {
    await script('--fresh');
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `start-keystone.sh --fresh failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
  const { stdout } = await script('env');
  const masterPid = Number(fs.readFileSync(path.join(stateDir, 'uwsgi.pid'), 'utf8').trim());
  return {
    credentials: credentialsFromOpenrc(stdout),
    logFile: path.join(stateDir, 'log/keystone.log'),
    // The uwsgi master; its workers are its children.
    processIds: () => (Number.isInteger(masterPid) && masterPid > 0 ? [masterPid] : []),
    stop,
  };
}
