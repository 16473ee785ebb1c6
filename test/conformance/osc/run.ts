// openstack CLI conformance scenario (identity, then image and volume when the catalog has
// them): one `openstack` process per command, JSON output parsed and asserted.
// Usage: node --import tsx test/conformance/osc/run.ts --help
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureTools } from '../lib/debian-packages.ts';
import {
  adminCliEnvironment,
  readAdminCredentials,
  withoutOpenstackVariables,
} from '../lib/openstack-env.ts';
import {
  authenticateAdmin,
  publicServiceTypes,
  servicesAvailable,
} from '../lib/service-catalog.ts';
import { runIdentityScenario } from './identity-scenario.ts';
import { runResourceScenario } from './resource-scenario.ts';
import { resourceNames, scenarioNames } from './scenario-context.ts';
import { OpenstackCli } from './openstack-cli.ts';
import { ScenarioRunner } from './scenario-runner.ts';
import { VolumeFiles } from './volume-files.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const PARTS = ['identity', 'image', 'volume'] as const;
type Part = (typeof PARTS)[number];

const USAGE = `usage: node --import tsx test/conformance/osc/run.ts [--log FILE] [--parts LIST] [--volume-dir DIR]

Runs the scenario with the real openstack CLI against the endpoint in OS_AUTH_URL, as the
admin in OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
OS_PROJECT_DOMAIN_NAME (region: OS_REGION_NAME): identity, then image and volume when the
catalog has them. Prints PASS/FAIL (or SKIP) per step and ends with "N passed, N failed";
exit 1 when a step failed, 2 when the run could not start.

  --log FILE     every command with its output, secrets masked  [test-output/osc/scenario.log]
  --parts LIST   comma-separated subset of identity,image,volume [all the catalog has]
  --volume-dir DIR  the cloud's file volume backend directory on this host
                 (volume-<id>.qcow2|raw files): qemu-img checks each volume's
                 file, copies' contents, and that deleted volumes leave no file
  -h, --help     this text`;

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      log: {
        type: 'string',
        default: path.join(PROJECT_ROOT, 'test-output', 'osc', 'scenario.log'),
      },
      parts: { type: 'string', default: PARTS.join(',') },
      'volume-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const wanted = values.parts.split(',').map((p) => p.trim());
  const unknown = wanted.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`--parts: unknown ${unknown.join(', ')}`);
  const credentials = readAdminCredentials(process.env);
  const session = await authenticateAdmin(credentials);
  const available = servicesAvailable(publicServiceTypes(session.catalog, credentials.regionName));
  const parts = new Set<Part>(
    PARTS.filter(
      (p) =>
        wanted.includes(p) &&
        (p === 'identity' || (p === 'image' ? available.glance : available.cinder)),
    ),
  );
  const volumeDir = values['volume-dir'] ? path.resolve(values['volume-dir']) : null;
  await ensureTools(
    [
      { command: 'openstack', debianPackage: 'python3-openstackclient' },
      ...(volumeDir && parts.has('volume')
        ? [{ command: 'qemu-img', debianPackage: 'qemu-utils' }]
        : []),
    ],
    (line) => say(`== ${line}`),
  );

  const logFile = path.resolve(values.log);
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const names = scenarioNames(runId);
  say(
    `== openstack CLI scenario against ${credentials.authUrl} as ${credentials.username}/${credentials.projectName}`,
  );
  say(`== resources named ${names.projectA.replace(/-project-a$/, '-*')}; log: ${logFile}`);
  say(`== parts: ${[...parts].join(', ') || 'none'}`);
  if (parts.has('volume')) {
    say(
      volumeDir
        ? `== volume files: qemu-img checks the files in ${volumeDir}`
        : '== volume files: not checked (no --volume-dir)',
    );
  }
  const workDir = path.join(path.dirname(logFile), 'work');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });

  const runner = new ScenarioRunner(say);
  const interrupt = (): void => runner.stop('interrupted');
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const started = performance.now();
  const admin = new OpenstackCli(adminCliEnvironment(process.env, credentials), logFile);
  const baseEnv = withoutOpenstackVariables(process.env);
  try {
    if (parts.has('identity')) {
      await runIdentityScenario({ runner, admin, credentials, names, baseEnv });
    }
    if (parts.has('image') || parts.has('volume')) {
      await runResourceScenario({
        runner,
        admin,
        credentials,
        names: resourceNames(runId),
        baseEnv,
        workDir,
        services: { image: parts.has('image'), volume: parts.has('volume') },
        runId,
        volumeFiles: volumeDir ? new VolumeFiles(volumeDir) : undefined,
      });
    }
  } finally {
    const leftovers = await runner.cleanUp();
    if (leftovers.length > 0) say(`== left behind (remove by hand): ${leftovers.join(', ')}`);
  }
  const { passed, failed, skipped } = runner.summary();
  say(`== wall ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (skipped > 0) say(`== ${skipped} steps skipped (the cloud lacks what they test)`);
  say(`${passed} passed, ${failed} failed`);
  if (runner.stopped) return 130;
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`osc conformance run failed: ${(err as Error).message}\n`);
    process.exitCode = 2;
  },
);
