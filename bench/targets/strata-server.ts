import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { passwordAuthBody, type KeystoneCredentials } from '../identity/keystone-credentials.ts';
import type { CleanupStack } from './cleanup.ts';
import { freePort } from './free-port.ts';

/** A server under test, up and answering, with the admin credentials to drive it. */
export interface RunningTarget {
  readonly credentials: KeystoneCredentials;
  /** Where its own log goes, for the report and for diagnosing a failed run. */
  readonly logFile: string;
  /** The processes serving requests (descendants included when CPU is counted). */
  processIds(): number[];
  stop(): Promise<void>;
}

export interface StrataTargetOptions {
  /** The source tree to run bin/strata.js from (the repository, or a snapshot of a ref). */
  readonly sourceRoot: string;
  readonly workDir: string;
  readonly hashRounds: number;
  /** When set, strata runs under `node --cpu-prof` and writes its profile here on exit. */
  readonly cpuProfileDir?: string | undefined;
  /** Further STRATA_* settings (ports, backends, quotas) for this run; they win over the defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** Data dir name under workDir, so several strata runs of one benchmark do not share state. */
  readonly dataDirName?: string;
  readonly cleanup: CleanupStack;
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitUntilServing(
  url: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `strata exited (${child.exitCode ?? child.signalCode}) before serving:\n${tail(logFile)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`strata did not serve ${url} within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
}

/**
 * Waits until the admin can get a token: `strata up` opens the identity port before it has
 * bootstrapped the admin user and started the other services, so the port alone says too little.
 */
async function waitUntilAdminCanLogIn(creds: KeystoneCredentials, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${creds.authUrl}/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: passwordAuthBody(creds),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      if (res.status === 201) return;
      last = `answered ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`strata did not let the admin log in within ${timeoutMs / 1000} s (${last}):\n${tail(logFile)}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `strata up` in a child process on a free loopback port with a fresh data dir, the
 * given bcrypt cost and warn-level logs, and a known admin password. Inherited STRATA_*
 * variables are dropped so the user's own config cannot change what is measured.
 */
export async function startStrata(opts: StrataTargetOptions): Promise<RunningTarget> {
  const port = await freePort();
  const dataDirName = opts.dataDirName ?? 'strata-data';
  const dataDir = path.join(opts.workDir, dataDirName);
  const logFile = path.join(opts.workDir, `${dataDirName}.log`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Prefixed: a password starting with '-' would read as a command-line option.
  const adminPassword = `bench-${randomBytes(12).toString('base64url')}`;

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRATA_')) env[k] = v;
  env.STRATA_IDENTITY__PASSWORD_HASH_ROUNDS = String(opts.hashRounds);
  Object.assign(env, opts.env ?? {});

  const nodeFlags = opts.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProfileDir)}`]
    : [];
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      path.join(opts.sourceRoot, 'bin/strata.js'),
      'up',
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--identity-port',
      String(port),
      '--log-level',
      'warn',
      '--admin-password',
      adminPassword,
    ],
    { cwd: opts.sourceRoot, env, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const done = exited(child);
    // SIGTERM lets strata close cleanly, which is also when --cpu-prof writes the profile.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
  };
  opts.cleanup.push({
    name: `strata (pid ${child.pid})`,
    run: stop,
    runSync: () => {
      if (!stopped && child.exitCode === null) child.kill('SIGKILL');
    },
  });

  const authUrl = `http://127.0.0.1:${port}/v3`;
  await waitUntilServing(authUrl, child, logFile, 90_000);
  const credentials: KeystoneCredentials = {
    authUrl,
    username: 'admin',
    password: adminPassword,
    userDomainName: 'Default',
    projectName: 'admin',
    projectDomainName: 'Default',
  };
  await waitUntilAdminCanLogIn(credentials, logFile, 90_000);
  return {
    credentials,
    logFile,
    processIds: () => (child.pid ? [child.pid] : []),
    stop,
  };
}
