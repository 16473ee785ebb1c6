import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { runCommand } from './run-command.ts';

/** A command the runner needs and the Debian package that ships it. */
export interface RequiredTool {
  command: string;
  debianPackage: string;
}

export interface PlannedCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** True when an executable `command` is in one of the PATH directories. */
export function isOnPath(command: string, pathVariable: string | undefined): boolean {
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Debian packages to install so that every tool is present (each package once). */
export function missingPackages(
  tools: readonly RequiredTool[],
  present: (command: string) => boolean,
): string[] {
  const packages = tools.filter((t) => !present(t.command)).map((t) => t.debianPackage);
  return [...new Set(packages)];
}

/**
 * The apt-get calls that install `packages`: the lists first (a fresh CI machine has
 * none), then the packages. Non-root callers go through `sudo -n`, so a missing
 * password fails at once instead of hanging the run.
 */
export function aptInstallPlan(packages: readonly string[], isRoot: boolean): PlannedCommand[] {
  if (packages.length === 0) return [];
  // waits for another apt/dpkg (e.g. a parallel CI step) instead of failing on its lock
  const lockWait = ['-o', 'DPkg::Lock::Timeout=900'];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const calls = [
    ['apt-get', ...lockWait, 'update'],
    ['apt-get', ...lockWait, 'install', '-y', ...packages],
  ];
  return calls.map(([command, ...args]) =>
    isRoot
      ? { command: command as string, args, env }
      : {
          command: 'sudo',
          args: ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', command as string, ...args],
          env,
        },
  );
}

/**
 * Installs the Debian packages of the tools that are absent; does nothing (and needs no
 * root) when they are all present. Throws when the installation fails.
 */
export async function ensureTools(
  tools: readonly RequiredTool[],
  log: (line: string) => void,
): Promise<void> {
  const packages = missingPackages(tools, (c) => isOnPath(c, process.env.PATH));
  if (packages.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  log(`installing Debian packages: ${packages.join(' ')}`);
  for (const call of aptInstallPlan(packages, isRoot)) {
    const result = await runCommand(call.command, call.args, {
      env: { ...process.env, ...call.env },
      inheritOutput: true,
    });
    if (result.exitCode !== 0) {
      throw new Error(
        `${call.command} ${call.args.join(' ')} failed (exit ${result.exitCode ?? result.signal})` +
          (isRoot ? '' : '; run as root or install the packages yourself'),
      );
    }
  }
  const stillMissing = tools.filter((t) => !isOnPath(t.command, process.env.PATH));
  if (stillMissing.length > 0) {
    throw new Error(
      `still missing after install: ${stillMissing.map((t) => t.command).join(', ')}`,
    );
  }
}
