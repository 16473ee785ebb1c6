import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, runCommandForBytes } from '../lib/run-command.ts';

/** Marks a directory this runner created, so re-running may wipe it and nothing else. */
const MARKER = '.strata-tempest-workspace';

export interface TempestWorkspace {
  /** The directory given by the caller: our files (results, logs, stream). */
  root: string;
  /** `tempest init` directory inside it: etc/tempest.conf, .stestr, tempest.log. */
  tempestDir: string;
  confPath: string;
}

export interface TempestRun {
  exitCode: number | null;
  timedOut: boolean;
  wallSeconds: number;
  consoleOutput: string;
  consoleLog: string;
}

/**
 * Empties (or creates) the run directory. A non-empty directory without our marker is
 * refused: it may be anything, and it is about to be deleted.
 */
export function prepareWorkspaceDir(dir: string): string {
  const root = path.resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0) {
    if (!existsSync(path.join(root, MARKER))) {
      throw new Error(
        `${root} is not empty and was not made by this runner; choose another --workspace`,
      );
    }
    rmSync(root, { recursive: true, force: true });
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(
    path.join(root, MARKER),
    'made by test/conformance/tempest/run.ts; wiped on the next run\n',
  );
  return root;
}

/**
 * `tempest init` with its registry file inside the run directory, so the user's
 * ~/.tempest/workspace.yaml is neither read nor changed.
 */
export async function initTempestWorkspace(root: string): Promise<TempestWorkspace> {
  const tempestDir = path.join(root, 'tempest');
  const result = await runCommand(
    'tempest',
    [
      'init',
      '--workspace-path',
      path.join(root, 'workspace.yaml'),
      '--name',
      `strata-${path.basename(root)}`,
      tempestDir,
    ],
    { cwd: root },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `tempest init failed (exit ${result.exitCode}): ${result.stderr.trim().slice(-500)}`,
    );
  }
  return { root, tempestDir, confPath: path.join(tempestDir, 'etc', 'tempest.conf') };
}

const TEST_ID = /^[A-Za-z_]\w*(\.\w+)+(\[[^\]]*\])?$/;

/** The test ids of `tempest run --list-tests` output (anything else is log noise). */
export function parseTestListing(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => TEST_ID.test(line));
}

function selection(regex: string): string[] {
  return ['--regex', regex];
}

export async function listTests(ws: TempestWorkspace, regex: string): Promise<string[]> {
  const result = await runCommand(
    'tempest',
    ['run', '--config-file', ws.confPath, ...selection(regex), '--list-tests'],
    { cwd: ws.tempestDir },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `tempest run --list-tests failed (exit ${result.exitCode}): ${result.stderr.trim().slice(-500)}`,
    );
  }
  return parseTestListing(result.stdout);
}

/**
 * `tempest run` from inside the workspace (tempest writes tempest.log into the current
 * directory whatever log_dir says). Its console output goes to tempest-run.log.
 */
export async function runTempest(
  ws: TempestWorkspace,
  options: {
    regex: string;
    concurrency: number;
    timeoutMs: number;
    onLine?: (line: string) => void;
  },
): Promise<TempestRun> {
  const consoleLog = path.join(ws.root, 'tempest-run.log');
  const parallel =
    options.concurrency <= 1 ? ['--serial'] : ['--concurrency', String(options.concurrency)];
  const result = await runCommand(
    'tempest',
    ['run', '--config-file', ws.confPath, ...selection(options.regex), ...parallel],
    {
      cwd: ws.tempestDir,
      timeoutMs: options.timeoutMs,
      logFile: consoleLog,
      ...(options.onLine ? { onStdoutLine: options.onLine } : {}),
    },
  );
  return {
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    wallSeconds: Math.round(result.durationMs / 100) / 10,
    consoleOutput: result.stdout,
    consoleLog,
  };
}

/** The subunit v2 stream of the workspace's last run, as stestr stored it. */
export async function lastRunSubunit(ws: TempestWorkspace): Promise<Buffer> {
  const result = await runCommandForBytes('stestr', ['last', '--subunit'], { cwd: ws.tempestDir });
  if (result.exitCode !== 0 && result.stdout.length === 0) {
    throw new Error(
      `stestr last --subunit failed (exit ${result.exitCode}): ${result.stderr.trim().slice(-500)}`,
    );
  }
  return result.stdout;
}
