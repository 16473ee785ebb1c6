import type { AdminCredentials } from '../lib/openstack-env.ts';
import type { OpenstackCli } from './openstack-cli.ts';
import type { ScenarioRunner } from './scenario-runner.ts';
import type { VolumeFiles } from './volume-files.ts';

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

/** Names of what the image and volume scenario creates. */
export interface ResourceNames {
  memberProject: string;
  memberUser: string;
  image: string;
  volume: string;
  volumeFromImage: string;
  snapshot: string;
  volumeFromSnapshot: string;
  volumeClone: string;
  backup: string;
  restoredVolume: string;
  volumeType: string;
  transferVolume: string;
  transfer: string;
}

export function resourceNames(runId: string): ResourceNames {
  const prefix = `osc-conformance-${runId}`;
  return {
    memberProject: `${prefix}-member-project`,
    memberUser: `${prefix}-member`,
    image: `${prefix}-image`,
    volume: `${prefix}-volume`,
    volumeFromImage: `${prefix}-volume-from-image`,
    snapshot: `${prefix}-snapshot`,
    volumeFromSnapshot: `${prefix}-volume-from-snapshot`,
    volumeClone: `${prefix}-volume-clone`,
    backup: `${prefix}-backup`,
    restoredVolume: `${prefix}-volume-restored`,
    volumeType: `${prefix}-type`,
    transferVolume: `${prefix}-volume-transfer`,
    transfer: `${prefix}-transfer`,
  };
}

export interface ResourceScenarioContext {
  runner: ScenarioRunner;
  /** The CLI acting as the admin (owner of what the scenario creates). */
  admin: OpenstackCli;
  credentials: AdminCredentials;
  names: ResourceNames;
  /** The caller's environment, minus OS_*, for the member's identity. */
  baseEnv: NodeJS.ProcessEnv;
  /** Where the image file and its download go. */
  workDir: string;
  /** Which parts to run: the services the catalog has. */
  services: { image: boolean; volume: boolean };
  /** Run id, also the value of the properties the scenario sets. */
  runId: string;
  /**
   * The file volume backend's directory on this host, when the cloud under test has one
   * there: qemu-img then checks the file behind each volume.
   */
  volumeFiles?: VolumeFiles | undefined;
}

/** The member of a second project: accepts the shared image and the volume transfer. */
export interface ScenarioMember {
  cli: OpenstackCli;
  projectId: string;
}
