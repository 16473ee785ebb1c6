// What the volume steps made so far, how to show it and how to remove it whatever happens.
import type { OpenstackCli } from './openstack-cli.ts';
import type { ScenarioRunner, CleanupHandle } from './scenario-runner.ts';
import { need } from './scenario-runner.ts';
import type { WaitOptions } from './wait-for.ts';
import { DEFAULT_WAIT, waitForStatus, waitUntilGone } from './wait-for.ts';

/** `openstack volume show -f json`: the fields the steps read. */
export interface ShownVolume {
  id: string;
  name: string;
  status: string;
  size: number;
  bootable?: string | boolean;
  snapshot_id?: string | null;
  source_volid?: string | null;
  type?: string | null;
  volume_image_metadata?: Record<string, unknown> | null;
  'os-vol-tenant-attr:tenant_id'?: string;
}

/** `volume snapshot show` / `volume backup show`: the fields the steps read. */
export interface ShownChild {
  id: string;
  name: string;
  status: string;
  size?: number;
  volume_id?: string;
}

/** Cinder answers "true"/"false" strings; older clients turned them into booleans. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === 'True';
}

/** Copying an image or a backup into a volume takes longer than creating an empty one. */
export const DATA_COPY_WAIT: WaitOptions = { ...DEFAULT_WAIT, timeoutMs: 300_000 };

/** How long the clean-up waits for one thing to go after its delete was accepted. */
const CLEANUP_WAIT: WaitOptions = { ...DEFAULT_WAIT, timeoutMs: 60_000 };

export type ChildKind = 'volume' | 'volume snapshot' | 'volume backup';

export type VolumeKey =
  | 'volume'
  | 'fromImage'
  | 'fromSnapshot'
  | 'clone'
  | 'restored'
  | 'transfer'
  | 'snapshot'
  | 'backup'
  | 'type';

/** Something the scenario created, with its clean-up. */
export interface Tracked {
  id: string;
  cleanup: CleanupHandle;
}

/**
 * The clean-up of something a failed run left: delete, and when that is refused (a
 * snapshot stuck in creating, a volume in error_extending) the admin's forced delete.
 */
async function forceRemove(admin: OpenstackCli, kind: ChildKind, id: string): Promise<void> {
  const words = kind.split(' ');
  const plain = await admin.run([...words, 'delete', id]);
  if (plain.exitCode !== 0) await admin.ok([...words, 'delete', '--force', id]);
  await waitUntilGone(() => admin.run([...words, 'show', id]), `${kind} ${id}`, CLEANUP_WAIT);
}

export class VolumeScenarioState {
  readonly made: Partial<Record<VolumeKey, Tracked>> = {};

  constructor(
    private readonly runner: ScenarioRunner,
    readonly admin: OpenstackCli,
  ) {}

  idOf(key: VolumeKey): string {
    return need(this.made[key], `the ${key}`).id;
  }

  /** Records a new volume, snapshot or backup; a forced delete removes it if the run fails. */
  track(key: VolumeKey, kind: ChildKind, id: string): void {
    this.made[key] = {
      id,
      cleanup: this.runner.created(`${kind} ${id}`, () => forceRemove(this.admin, kind, id)),
    };
  }

  show(id: string, cli: OpenstackCli = this.admin): Promise<ShownVolume> {
    return cli.json<ShownVolume>(['volume', 'show', id]);
  }

  /** `volume create …`, then waits for available; returns the available volume. */
  async createVolume(
    key: VolumeKey,
    args: readonly string[],
    wait: WaitOptions = DEFAULT_WAIT,
  ): Promise<ShownVolume> {
    const created = await this.admin.json<ShownVolume>(['volume', 'create', ...args]);
    this.track(key, 'volume', created.id);
    return waitForStatus(() => this.show(created.id), 'available', `volume ${created.id}`, wait);
  }
}
