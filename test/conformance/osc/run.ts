// openstack CLI conformance scenario (identity): one `openstack` process per command,
// JSON output parsed and asserted. Usage: node --import tsx test/conformance/osc/run.ts --help
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureTools } from '../lib/debian-packages.ts';
import {
  adminCliEnvironment,
  readAdminCredentials,
  withoutOpenstackVariables,
} from '../lib/openstack-env.ts';
import { runIdentityScenario } from './identity-scenario.ts';
import { scenarioNames } from './scenario-context.ts';
import { OpenstackCli } from './openstack-cli.ts';
import { ScenarioRunner } from './scenario-runner.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const USAGE = `usage: node --import tsx test/conformance/osc/run.ts [--log FILE]

Runs the identity scenario with the real openstack CLI against the endpoint in OS_AUTH_URL,
as the admin in OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
OS_PROJECT_DOMAIN_NAME (region: OS_REGION_NAME). Prints PASS/FAIL per step and ends with
"N passed, N failed"; exit 1 when a step failed, 2 when the run could not start.

  --log FILE   every command with its output, secrets masked  [test-output/osc/scenario.log]
  -h, --help   this text`;

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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const credentials = readAdminCredentials(process.env);
  await ensureTools([{ command: 'openstack', debianPackage: 'python3-openstackclient' }], (line) =>
    say(`== ${line}`),
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

  const runner = new ScenarioRunner(say);
  const interrupt = (): void => runner.stop('interrupted');
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const started = performance.now();
  try {
    await runIdentityScenario({
      runner,
      admin: new OpenstackCli(adminCliEnvironment(process.env, credentials), logFile),
      credentials,
      names,
      baseEnv: withoutOpenstackVariables(process.env),
    });
  } finally {
    const leftovers = await runner.cleanUp();
    if (leftovers.length > 0) say(`== left behind (remove by hand): ${leftovers.join(', ')}`);
  }
  const { passed, failed } = runner.summary();
  say(`== wall ${((performance.now() - started) / 1000).toFixed(1)} s`);
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
