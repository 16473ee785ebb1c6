import type { ResourceScenarioContext } from './scenario-context.ts';
import { expect, need } from './scenario-runner.ts';
import type { VolumeKey, VolumeScenarioState } from './volume-scenario-state.ts';
import { waitUntilGone } from './wait-for.ts';

/**
 * Deletes what the volume steps made, dependents first (copies, then the backup and the
 * snapshot, then the volumes they came from, then the type), and sees each gone: from the
 * API, and with `ctx.volumeFiles` from the backend directory too (no orphan files).
 */
export async function deleteSteps(
  ctx: ResourceScenarioContext,
  state: VolumeScenarioState,
): Promise<void> {
  const { runner, admin, volumeFiles: files } = ctx;
  const { made } = state;
  const gone = async (kind: string[], key: VolumeKey): Promise<void> => {
    const t = made[key];
    if (!t) return;
    await waitUntilGone(() => admin.run([...kind, 'show', t.id]), `${kind.join(' ')} ${t.id}`);
    t.cleanup.done();
    // the backend directory holds volume-<id>.* and snapshot-<id>.* (backups live elsewhere)
    if (files && (key === 'snapshot' || kind.join(' ') === 'volume')) {
      const left = files.filesOf(t.id);
      expect(
        left.length === 0,
        `${kind.join(' ')} ${t.id} is gone, its files are not: ${left.join(', ')}`,
      );
    }
  };
  const deleteVolumes = async (keys: VolumeKey[], what: string): Promise<void> => {
    const present = keys.filter((k) => made[k]);
    if (present.length === 0) return;
    await runner.step(`volume delete (${what}: ${present.join(', ')}), all gone`, async () => {
      await admin.ok(['volume', 'delete', ...present.map((k) => need(made[k], k).id)]);
      for (const k of present) await gone(['volume'], k);
    });
  };

  await deleteVolumes(['fromSnapshot', 'clone', 'restored', 'transfer'], 'the copies');
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
  await deleteVolumes(['fromImage', 'volume'], 'the originals');
  if (made.type) {
    await runner.step('volume type delete, gone', async () => {
      await admin.ok(['volume', 'type', 'delete', need(made.type, 'the type').id]);
      await gone(['volume', 'type'], 'type');
    });
  }
}
