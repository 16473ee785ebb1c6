import type { Row } from './cli-output.ts';
import type { ResourceScenarioContext, ScenarioMember } from './scenario-context.ts';
import { expect, need, StepFailure } from './scenario-runner.ts';
import { deleteSteps } from './volume-delete-steps.ts';
import type { VolumeKey } from './volume-scenario-state.ts';
import { DATA_COPY_WAIT, isTrue, VolumeScenarioState } from './volume-scenario-state.ts';
import type { ShownChild, ShownVolume } from './volume-scenario-state.ts';
import { lastLine } from './openstack-cli.ts';
import { transferSteps, volumeTypeSteps } from './volume-sharing-steps.ts';
import { DEFAULT_WAIT, waitForStatus } from './wait-for.ts';

/** The image the volume steps copy from, as far as the image steps got. */
export interface ImageForVolumes {
  /** Whether the catalog has an image service: without it `--image` cannot be tested. */
  inCatalog: boolean;
  /** The active image; undefined when the image steps could not make one. */
  id?: string | undefined;
  /** The file it was uploaded from (raw), which a volume made from it must hold. */
  file?: { file: string; format: string } | undefined;
}

/**
 * The admin creates an empty volume and one from the image; snapshots the image volume
 * (the empty one without an image service) and makes a volume from the snapshot and a
 * clone of it; backs it up and restores the backup into a new volume; extends the empty
 * volume; creates a volume type with a property; and transfers a volume to the member's
 * project. With `ctx.volumeFiles`, qemu-img checks the file behind each volume and that
 * each copy holds its source's data. Then everything is deleted and seen gone (files too).
 */
export async function volumeSteps(
  ctx: ResourceScenarioContext,
  member: ScenarioMember | undefined,
  image: ImageForVolumes,
  hasBackupService: boolean,
): Promise<void> {
  const { runner, admin, names, volumeFiles: files } = ctx;
  const state = new VolumeScenarioState(runner, admin);

  await runner.step('volume create (empty, 1 GiB) → available', async () => {
    const v = await state.createVolume('volume', ['--size', '1', names.volume]);
    expect(v.size === 1, `size is ${v.size}`);
    expect(v.name === names.volume, `name is ${v.name}`);
    expect(!isTrue(v.bootable), `an empty volume is bootable (${String(v.bootable)})`);
    const file = await files?.check(v.id, 1);
    return file ? `${v.id}; ${describeFile(file)}` : v.id;
  });

  let imageVolume = false;
  if (image.inCatalog) {
    imageVolume = await runner.step(
      'volume create --image → available, bootable, holds the image',
      async () => {
        const imageId = need(image.id, 'the image');
        const v = await state.createVolume(
          'fromImage',
          ['--image', imageId, '--size', '1', names.volumeFromImage],
          DATA_COPY_WAIT,
        );
        expect(isTrue(v.bootable), `bootable is ${String(v.bootable)}`);
        const meta = v.volume_image_metadata;
        expect(
          meta?.image_id === imageId,
          `volume_image_metadata.image_id is ${String(meta?.image_id)}`,
        );
        if (!files) return undefined;
        const file = await files.check(v.id, 1);
        await files.sameContent(v.id, need(image.file, 'the image file'));
        return `${describeFile(file)}, same bytes as the upload`;
      },
    );
  } else {
    runner.skip('volume create --image', 'no image part: the catalog has no image service');
  }

  // the copies below copy data when there is some: the volume made from the image, when it
  // became available (its failure is already counted; the copies are still tested)
  const source: VolumeKey = imageVolume ? 'fromImage' : 'volume';
  const sameAsSource = async (id: string): Promise<string | undefined> => {
    if (!files) return undefined;
    const file = await files.check(id, 1);
    await files.sameContent(id, files.reference(state.idOf(source)));
    return `${describeFile(file)}, same content as the ${source} volume`;
  };

  await runner.step(`volume snapshot create (of the ${source} volume) → available`, async () => {
    const created = await admin.json<ShownChild>([
      'volume',
      'snapshot',
      'create',
      '--volume',
      state.idOf(source),
      names.snapshot,
    ]);
    state.track('snapshot', 'volume snapshot', created.id);
    const s = await waitForStatus(
      () => admin.json<ShownChild>(['volume', 'snapshot', 'show', created.id]),
      'available',
      `snapshot ${created.id}`,
    );
    expect(s.volume_id === state.idOf(source), `volume_id is ${String(s.volume_id)}`);
    expect(s.size === 1, `size is ${String(s.size)}`);
  });

  await runner.step('volume create --snapshot → available', async () => {
    const v = await state.createVolume(
      'fromSnapshot',
      ['--snapshot', state.idOf('snapshot'), names.volumeFromSnapshot],
      DATA_COPY_WAIT,
    );
    expect(v.snapshot_id === state.idOf('snapshot'), `snapshot_id is ${String(v.snapshot_id)}`);
    expect(v.size === 1, `size is ${v.size}`);
    return sameAsSource(v.id);
  });

  await runner.step('volume create --source (clone) → available', async () => {
    const v = await state.createVolume(
      'clone',
      ['--source', state.idOf(source), names.volumeClone],
      DATA_COPY_WAIT,
    );
    expect(v.source_volid === state.idOf(source), `source_volid is ${String(v.source_volid)}`);
    expect(v.size === 1, `size is ${v.size}`);
    return sameAsSource(v.id);
  });

  await backupSteps(ctx, state, source, hasBackupService, sameAsSource);

  await runner.step('volume set --size 2 (extend) → available, 2 GiB', async () => {
    const id = state.idOf('volume');
    await admin.ok(['volume', 'set', '--size', '2', id]);
    const v = await waitForStatus(
      () => state.show(id),
      'available',
      `volume ${id}`,
      DEFAULT_WAIT,
      (shown) => shown.size === 2,
    );
    expect(v.size === 2, `size is ${v.size}`);
    const file = await files?.check(id, 2);
    return file && describeFile(file);
  });

  await volumeTypeSteps(ctx, state);
  await transferSteps(ctx, () => need(member, 'the member'), state);
  await deleteSteps(ctx, state);
}

function describeFile(file: { format: string; chainLength: number }): string {
  const chain = file.chainLength > 1 ? ` on a backing chain of ${file.chainLength}` : '';
  return `qemu-img: ${file.format}${chain}, sound`;
}

async function backupSteps(
  ctx: ResourceScenarioContext,
  state: VolumeScenarioState,
  source: VolumeKey,
  hasBackupService: boolean,
  sameAsSource: (id: string) => Promise<string | undefined>,
): Promise<void> {
  const { runner, admin, names } = ctx;
  await runner.step(`volume backup create (of the ${source} volume) → available`, async () => {
    // the issue asks for backup and restore: a cloud without a backup service fails here
    if (!hasBackupService) throw new StepFailure('no cinder-backup service is up');
    const created = await admin.json<ShownChild>([
      'volume',
      'backup',
      'create',
      '--name',
      names.backup,
      state.idOf(source),
    ]);
    state.track('backup', 'volume backup', created.id);
    const b = await waitForStatus(
      () => admin.json<ShownChild>(['volume', 'backup', 'show', created.id]),
      'available',
      `backup ${created.id}`,
      DATA_COPY_WAIT,
    );
    expect(b.volume_id === state.idOf(source), `volume_id is ${String(b.volume_id)}`);
  });
  await runner.step('volume backup restore (to a new volume) → available', async () => {
    const backupId = state.idOf('backup');
    const args = ['volume', 'backup', 'restore', backupId, names.restoredVolume];
    const result = await admin.run([...args, '-f', 'json']);
    let volumeId: string;
    let note: string | undefined;
    if (result.exitCode === 0) {
      const restore = JSON.parse(result.stdout) as Row;
      expect(restore.backup_id === backupId, `backup_id is ${String(restore.backup_id)}`);
      volumeId = String(restore.volume_id ?? '');
      expect(volumeId !== '', `no volume_id in ${JSON.stringify(restore)}`);
    } else if (isOsc60RestoreOutputBug(result.stderr)) {
      // the restore was sent and accepted; only the client's printing failed: the new
      // volume is found by the name the restore gave it
      const found = await admin.json<ShownVolume>(['volume', 'show', names.restoredVolume]);
      volumeId = found.id;
      note = 'OSC 6.0 printed its known restore error; the volume was found by name';
    } else {
      throw new StepFailure(
        `openstack volume backup restore failed (exit ${result.exitCode ?? 'killed'}): ${lastLine(result.stderr)}`,
      );
    }
    state.track('restored', 'volume', volumeId);
    const v = await waitForStatus(
      () => state.show(volumeId),
      'available',
      `restored volume ${volumeId}`,
      DATA_COPY_WAIT,
    );
    expect(v.size === 1, `size is ${v.size}`);
    expect(v.name === names.restoredVolume, `name is ${v.name}`);
    const file = await sameAsSource(volumeId);
    return [file, note].filter(Boolean).join('; ') || undefined;
  });
}

/**
 * python3-openstackclient 6.0.0 (Debian 12) sends `volume backup restore` and then fails to
 * print the answer: its take_action returns the cinderclient object instead of (columns,
 * data), so every restore ends with this message and exit 1 although the server accepted
 * it (fixed in later OSC releases). Only this exact message is excused.
 */
export function isOsc60RestoreOutputBug(stderr: string): boolean {
  return lastLine(stderr) === 'cannot unpack non-iterable VolumeBackupsRestore object';
}
