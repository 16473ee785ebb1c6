import type { AdminCredentials } from '../lib/openstack-env.ts';
import type { OpenstackCli } from './openstack-cli.ts';
import type { ScenarioRunner } from './scenario-runner.ts';

/** Names of everything the scenario creates: unique per run, recognisable as ours. */
export interface ScenarioNames {
  projectA: string;
  projectB: string;
  user: string;
  group: string;
  role: string;
  appCredential: string;
}

export function scenarioNames(runId: string): ScenarioNames {
  const prefix = `osc-conformance-${runId}`;
  return {
    projectA: `${prefix}-project-a`,
    projectB: `${prefix}-project-b`,
    user: `${prefix}-user`,
    group: `${prefix}-group`,
    role: `${prefix}-role`,
    appCredential: `${prefix}-appcred`,
  };
}

export interface IdentityScenarioContext {
  runner: ScenarioRunner;
  /** The CLI acting as the admin. */
  admin: OpenstackCli;
  credentials: AdminCredentials;
  names: ScenarioNames;
  /** The caller's environment, minus OS_*, for the other identities. */
  baseEnv: NodeJS.ProcessEnv;
}
