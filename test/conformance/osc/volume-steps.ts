import type { Row } from './cli-output.ts';
import type { OpenstackCli } from './openstack-cli.ts';
import type { ResourceScenarioContext, ScenarioMember } from './scenario-context.ts';
import type { CleanupHandle } from './scenario-runner.ts';
import { expect, need } from './scenario-runner.ts';
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

/** Copying an image into a volume takes longer than creating an empty one. */
const IMAGE_COPY_WAIT: WaitOptions = { ...DEFAULT_WAIT, timeoutMs: 300_000 };

/** Cinder answers "true"/"false" strings; older clients turned them into booleans. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === 'True';
}

/** How long the clean-up waits for one thing to go after its delete was accepted. */
const CLEANUP_WAIT: WaitOptions = { ...DEFAULT_WAIT, timeoutMs: 60_000 };

/**
 * The clean-up of something a failed run left: delete, and when that is refused (a
 * snapshot stuck in creating, a volume in error_extending) the admin's forced delete.
 */
async function forceRemove(
  admin: OpenstackCli,
  kind: 'volume' | 'volume snapshot' | 'volume backup',
  id: string,
): Promise<void> {
  const words = kind.split(' ');
  const plain = await admin.run([...words, 'delete', id]);
  if (plain.exitCode !== 0) await admin.ok([...words, 'delete', '--force', id]);
  await waitUntilGone(() => admin.run([...words, 'show', id]), `${kind} ${id}`, CLEANUP_WAIT);
}

/** A volume the scenario created, with its cleanup. */
interface Tracked {
  id: string;
  cleanup: CleanupHandle;
}

type VolumeKey =
  | 'volume'
  | 'fromImage'
  | 'fromSnapshot'
  | 'clone'
  | 'restored'
  | 'transfer'
  | 'snapshot'
  | 'backup'
  | 'type';

/**
 * The admin creates an empty volume, one from the image, a snapshot, a volume from the
 * snapshot and a clone, backs the volume up and restores the backup into a new volume,
 * extends the volume, creates a volume type with a property, and transfers a volume to
 * the member's project; then everything is deleted and seen gone.
 */
export async function volumeSteps(
  ctx: ResourceScenarioContext,
  member: ScenarioMember | undefined,
  imageId: string | undefined,
  hasBackupService: boolean,
): Promise<void> {
  const { runner, admin, names } = ctx;
  const made: Partial<Record<VolumeKey, Tracked>> = {};
  const idOf = (key: VolumeKey): string => need(made[key], `the ${key}`).id;
  const track = (
    key: VolumeKey,
    kind: 'volume' | 'volume snapshot' | 'volume backup',
    id: string,
  ): void => {
    made[key] = {
      id,
      cleanup: runner.created(`${kind} ${id}`, () => forceRemove(admin, kind, id)),
    };
  };
  const showVolume = (id: string, cli: OpenstackCli = admin): Promise<ShownVolume> =>
    cli.json<ShownVolume>(['volume', 'show', id]);
  /** `volume create …` then wait for available; returns the available volume. */
  const createVolume = async (
    key: VolumeKey,
    args: readonly string[],
    wait: WaitOptions = DEFAULT_WAIT,
  ): Promise<ShownVolume> => {
    const created = await admin.json<ShownVolume>(['volume', 'create', ...args]);
    track(key, 'volume', created.id);
    return waitForStatus(() => showVolume(created.id), 'available', `volume ${created.id}`, wait);
  };

  await runner.step('volume create (empty, 1 GiB) → available', async () => {
    const v = await createVolume('volume', ['--size', '1', names.volume]);
    expect(v.size === 1, `size is ${v.size}`);
    expect(v.name === names.volume, `name is ${v.name}`);
    expect(!isTrue(v.bootable), `an empty volume is bootable (${String(v.bootable)})`);
    return v.id;
  });

  if (imageId) {
    await runner.step('volume create --image → available, bootable', async () => {
      const v = await createVolume(
        'fromImage',
        ['--image', imageId, '--size', '1', names.volumeFromImage],
        IMAGE_COPY_WAIT,
      );
      expect(isTrue(v.bootable), `bootable is ${String(v.bootable)}`);
      const meta = v.volume_image_metadata;
      expect(
        !meta || meta.image_id === imageId,
        `volume_image_metadata.image_id is ${String(meta?.image_id)}`,
      );
    });
  } else {
    runner.skip('volume create --image', 'the catalog has no image service');
  }

  await runner.step('volume snapshot create → available', async () => {
    const created = await admin.json<ShownChild>([
      'volume',
      'snapshot',
      'create',
      '--volume',
      idOf('volume'),
      names.snapshot,
    ]);
    track('snapshot', 'volume snapshot', created.id);
    const s = await waitForStatus(
      () => admin.json<ShownChild>(['volume', 'snapshot', 'show', created.id]),
      'available',
      `snapshot ${created.id}`,
    );
    expect(s.volume_id === idOf('volume'), `volume_id is ${String(s.volume_id)}`);
    expect(s.size === 1, `size is ${String(s.size)}`);
  });

  await runner.step('volume create --snapshot → available', async () => {
    const v = await createVolume('fromSnapshot', [
      '--snapshot',
      idOf('snapshot'),
      names.volumeFromSnapshot,
    ]);
    expect(v.snapshot_id === idOf('snapshot'), `snapshot_id is ${String(v.snapshot_id)}`);
    expect(v.size === 1, `size is ${v.size}`);
  });

  await runner.step('volume create --source (clone) → available', async () => {
    const v = await createVolume('clone', ['--source', idOf('volume'), names.volumeClone]);
    expect(v.source_volid === idOf('volume'), `source_volid is ${String(v.source_volid)}`);
    expect(v.size === 1, `size is ${v.size}`);
  });

  if (hasBackupService) {
    await backupSteps(ctx, idOf, track, showVolume);
  } else {
    runner.skip('volume backup create and restore', 'no cinder-backup service is up');
  }

  await runner.step('volume set --size 2 (extend) → available, 2 GiB', async () => {
    await admin.ok(['volume', 'set', '--size', '2', idOf('volume')]);
    const v = await waitForStatus(
      () => showVolume(idOf('volume')),
      'available',
      `volume ${idOf('volume')}`,
      DEFAULT_WAIT,
      (shown) => shown.size === 2,
    );
    expect(v.size === 2, `size is ${v.size}`);
  });

  await volumeTypeSteps(ctx, made);
  await transferSteps(ctx, () => need(member, 'the member'), track, idOf, showVolume);
  await deleteSteps(ctx, made);
}

async function backupSteps(
  ctx: ResourceScenarioContext,
  idOf: (key: VolumeKey) => string,
  track: (key: VolumeKey, kind: 'volume' | 'volume backup', id: string) => void,
  showVolume: (id: string) => Promise<ShownVolume>,
): Promise<void> {
  const { runner, admin, names } = ctx;
  await runner.step('volume backup create → available', async () => {
    const created = await admin.json<ShownChild>([
      'volume',
      'backup',
      'create',
      '--name',
      names.backup,
      idOf('volume'),
    ]);
    track('backup', 'volume backup', created.id);
    const b = await waitForStatus(
      () => admin.json<ShownChild>(['volume', 'backup', 'show', created.id]),
      'available',
      `backup ${created.id}`,
      IMAGE_COPY_WAIT,
    );
    expect(b.volume_id === idOf('volume'), `volume_id is ${String(b.volume_id)}`);
  });
  await runner.step('volume backup restore (to a new volume) → available', async () => {
    const restore = await admin.json<Row>([
      'volume',
      'backup',
      'restore',
      idOf('backup'),
      names.restoredVolume,
    ]);
    expect(restore.backup_id === idOf('backup'), `backup_id is ${String(restore.backup_id)}`);
    const volumeId = String(restore.volume_id ?? '');
    expect(volumeId !== '', `no volume_id in ${JSON.stringify(restore)}`);
    track('restored', 'volume', volumeId);
    const v = await waitForStatus(
      () => showVolume(volumeId),
      'available',
      `restored volume ${volumeId}`,
      IMAGE_COPY_WAIT,
    );
    expect(v.size === 1, `size is ${v.size}`);
  });
}

async function volumeTypeSteps(
  ctx: ResourceScenarioContext,
  made: Partial<Record<VolumeKey, Tracked>>,
): Promise<void> {
  const { runner, admin, names } = ctx;
  // a scoped key: Cinder's capabilities filter ignores keys whose scope is not
  // "capabilities", so the type stays schedulable on any backend
  const property = `conformance:run=${ctx.runId}`;
  await runner.step('volume type create --property, volume type show has it', async () => {
    const created = await admin.json<Row & { id: string; properties?: Record<string, unknown> }>([
      'volume',
      'type',
      'create',
      '--property',
      property,
      names.volumeType,
    ]);
    made.type = {
      id: created.id,
      cleanup: runner.created(`volume type ${created.id}`, () =>
        admin.ok(['volume', 'type', 'delete', created.id]),
      ),
    };
    expect(created.name === names.volumeType, `name is ${String(created.name)}`);
    expect(
      created.properties?.['conformance:run'] === ctx.runId,
      `create printed properties ${JSON.stringify(created.properties)}`,
    );
    const shown = await admin.json<{ properties?: Record<string, unknown> }>([
      'volume',
      'type',
      'show',
      created.id,
    ]);
    expect(
      shown.properties?.['conformance:run'] === ctx.runId,
      `show printed properties ${JSON.stringify(shown.properties)}`,
    );
  });
}

async function transferSteps(
  ctx: ResourceScenarioContext,
  theMember: () => ScenarioMember,
  track: (key: VolumeKey, kind: 'volume', id: string) => void,
  idOf: (key: VolumeKey) => string,
  showVolume: (id: string, cli?: OpenstackCli) => Promise<ShownVolume>,
): Promise<void> {
  const { runner, admin, names } = ctx;
  let request: { id: string; authKey: string } | undefined;
  await runner.step('volume transfer request create', async () => {
    const created = await admin.json<ShownVolume>([
      'volume',
      'create',
      '--size',
      '1',
      names.transferVolume,
    ]);
    track('transfer', 'volume', created.id);
    await waitForStatus(() => showVolume(created.id), 'available', `volume ${created.id}`);
    const t = await admin.json<Row>([
      'volume',
      'transfer',
      'request',
      'create',
      '--name',
      names.transfer,
      created.id,
    ]);
    expect(t.volume_id === created.id, `volume_id is ${String(t.volume_id)}`);
    expect(typeof t.auth_key === 'string' && t.auth_key !== '', 'no auth_key printed');
    request = { id: String(t.id), authKey: String(t.auth_key) };
    const v = await showVolume(created.id);
    expect(v.status === 'awaiting-transfer', `volume status is ${v.status}`);
  });
  await runner.step(
    'volume transfer request accept (as the member): the volume is theirs',
    async () => {
      const member = theMember();
      const r = need(request, 'the transfer request');
      const accepted = await member.cli.json<Row>([
        'volume',
        'transfer',
        'request',
        'accept',
        '--auth-key',
        r.authKey,
        r.id,
      ]);
      expect(accepted.volume_id === idOf('transfer'), `volume_id is ${String(accepted.volume_id)}`);
      const theirs = await waitForStatus(
        () => showVolume(idOf('transfer'), member.cli),
        'available',
        `volume ${idOf('transfer')} (as the member)`,
      );
      expect(theirs.id === idOf('transfer'), `the member sees ${theirs.id}`);
      const owner = (await showVolume(idOf('transfer')))['os-vol-tenant-attr:tenant_id'];
      expect(owner === member.projectId, `owner project is ${String(owner)}`);
    },
  );
}

async function deleteSteps(
  ctx: ResourceScenarioContext,
  made: Partial<Record<VolumeKey, Tracked>>,
): Promise<void> {
  const { runner, admin } = ctx;
  const gone = async (kind: string[], key: VolumeKey): Promise<void> => {
    const t = made[key];
    if (!t) return;
    await waitUntilGone(() => admin.run([...kind, 'show', t.id]), `${kind.join(' ')} ${t.id}`);
    t.cleanup.done();
  };
  // volumes made from others first: the snapshot and the first volume have dependents
  const derived: VolumeKey[] = ['fromImage', 'fromSnapshot', 'clone', 'restored', 'transfer'];
  const present = derived.filter((k) => made[k]);
  if (present.length > 0) {
    await runner.step(`volume delete (${present.join(', ')}), all gone`, async () => {
      await admin.ok(['volume', 'delete', ...present.map((k) => need(made[k], k).id)]);
      for (const k of present) await gone(['volume'], k);
    });
  }
  if (made.backup) {
    await runner.step('volume backup delete, gone', async () => {
      await admin.ok(['volume', 'backup', 'delete', need(made.backup, 'the backup').id]);
      await gone(['volume', 'backup'], 'backup');
    });
  }
  if (made.snapshot) {
    await runner.step('volume snapshot delete, gone', async () => {
      await admin.ok(['volume', 'snapshot', 'delete', need(made.snapshot, 'the snapshot').id]);
      await gone(['volume', 'snapshot'], 'snapshot');
    });
  }
  if (made.volume) {
    await runner.step('volume delete (the first volume), gone', async () => {
      await admin.ok(['volume', 'delete', need(made.volume, 'the volume').id]);
      await gone(['volume'], 'volume');
    });
  }
  if (made.type) {
    await runner.step('volume type delete, gone', async () => {
      await admin.ok(['volume', 'type', 'delete', need(made.type, 'the type').id]);
      await gone(['volume', 'type'], 'type');
    });
  }
}
