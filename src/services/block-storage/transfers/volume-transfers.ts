import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota } from '../quotas.ts';
import { snapshotsOfVolume } from '../store/snapshots.ts';
import {
  deleteTransferRow,
  expiredTransfers,
  getTransfer,
  insertTransfer,
  moveSnapshotsToProject,
  moveVolumeToProject,
  type TransferRow,
} from '../store/transfers.ts';
import { volumeTypeName } from '../store/volume-type-names.ts';
import { getVolume, transitionVolume, type VolumeRow } from '../store/volumes.ts';
import { authKeyMatches, newTransferSecret } from './transfer-keys.ts';

/** A transfer as created: the row, and the auth key that is shown this once and never stored. */
export interface CreatedTransfer {
  readonly transfer: TransferRow;
  readonly authKey: string;
}

const invalidVolume = (reason: string) => blockStorageErrors.invalid(`Invalid volume: ${reason}`);

/**
 * Offers a volume to whoever gets the transfer id and key: the volume must be available
 * (it becomes awaiting-transfer) and, unless the transfer leaves them behind, so must its
 * snapshots (they go with it).
 */
export async function createTransfer(
  env: BlockStorageEnv,
  volume: VolumeRow,
  opts: { name: string | null; noSnapshots: boolean },
): Promise<CreatedTransfer> {
  if (volume.status !== 'available') throw invalidVolume('status must be available');
  const secret = newTransferSecret();
  const now = env.now();
  const expiry = env.settings.transfer_expiry_seconds;
  const transfer: TransferRow = {
    id: randomUUID(),
    volume_id: volume.id,
    name: opts.name,
    salt: secret.salt,
    crypt_hash: secret.cryptHash,
    source_project_id: volume.project_id,
    destination_project_id: null,
    accepted: 0,
    no_snapshots: opts.noSnapshots ? 1 : 0,
    created_at: toDbTime(now),
    expires_at: expiry > 0 ? toDbTime(new Date(now.getTime() + expiry * 1000)) : null,
  };
  await env.db.transaction().execute(async (trx) => {
    if (!opts.noSnapshots) {
      for (const s of await snapshotsOfVolume(trx, volume.id)) {
        if (s.status !== 'available') {
          throw blockStorageErrors.invalid(
            `Invalid snapshot: snapshot: ${s.id} status must be available`,
          );
        }
      }
    }
    const moved = await transitionVolume(
      trx,
      volume.id,
      { status: 'awaiting-transfer', updated_at: transfer.created_at },
      ['available'],
    );
    if (!moved) {
      throw invalidVolume(
        `Transfer ${transfer.id}: Volume id ${volume.id} expected in available state.`,
      );
    }
    await insertTransfer(trx, transfer);
  });
  return { transfer, authKey: secret.authKey };
}

/** Withdraws a transfer; the volume, if still waiting, is available to its owner again. */
export async function deleteTransfer(env: BlockStorageEnv, transfer: TransferRow): Promise<void> {
  await env.db.transaction().execute(async (trx) => {
    await transitionVolume(
      trx,
      transfer.volume_id,
      { status: 'available', updated_at: toDbTime(env.now()) },
      ['awaiting-transfer'],
    );
    await deleteTransferRow(trx, transfer.id);
  });
}

/**
 * A transfer past its expiry is withdrawn on sight, so it can neither be listed nor
 * accepted; returns whether `transfer` was expired.
 */
export async function withdrawIfExpired(
  env: BlockStorageEnv,
  transfer: TransferRow,
): Promise<boolean> {
  if (transfer.expires_at === null || transfer.expires_at > toDbTime(env.now())) return false;
  await deleteTransfer(env, transfer);
  return true;
}

/** Withdraws every expired transfer (also run before lists, so none is shown). */
export async function sweepExpiredTransfers(env: BlockStorageEnv): Promise<number> {
  const expired = await expiredTransfers(env.db, toDbTime(env.now()));
  for (const t of expired) await deleteTransfer(env, t);
  return expired.length;
}

/**
 * Takes the volume (and, unless the transfer says no_snapshots, its snapshots) into the
 * accepting project: the key must match; the new project's quotas must hold the volume and
 * the snapshots (checked in the transaction that moves them); then the transfer is gone.
 */
export async function acceptTransfer(
  env: BlockStorageEnv,
  transferId: string,
  authKey: string,
  to: { projectId: string; userId: string },
): Promise<TransferRow> {
  const transfer = await getTransfer(env.db, transferId);
  if (!transfer || (await withdrawIfExpired(env, transfer)))
    throw blockStorageErrors.transferNotFound(transferId);
  if (!authKeyMatches(transfer.salt, transfer.crypt_hash, authKey)) {
    throw blockStorageErrors.invalid(
      `Invalid auth key: Attempt to transfer ${transferId} with invalid auth key.`,
    );
  }
  const now = toDbTime(env.now());
  await env.db.transaction().execute(async (trx) => {
    const volume = await getVolume(trx, transfer.volume_id);
    if (!volume) throw blockStorageErrors.volumeNotFound(transfer.volume_id);
    if (volume.status === 'maintenance') {
      throw invalidVolume('The volume cannot accept transfer in maintenance mode.');
    }
    const typeName = await volumeTypeName(trx, volume.volume_type_id);
    await assertWithinQuota(
      trx,
      env.settings,
      to.projectId,
      { volumes: 1, gigabytes: volume.size },
      typeName,
    );
    if (!(await moveVolumeToProject(trx, volume.id, to, now))) {
      throw invalidVolume(
        `Transfer ${transferId}: Volume id ${volume.id} expected in awaiting-transfer state.`,
      );
    }
    if (transfer.no_snapshots === 0) {
      const snapshots = await snapshotsOfVolume(trx, volume.id);
      const notReady = snapshots.find((s) => s.status !== 'available');
      if (notReady) {
        throw blockStorageErrors.invalid(
          `Invalid snapshot: Transfer ${transferId}: Snapshot ${notReady.id} is not in the expected available state.`,
        );
      }
      // One at a time, each counted in the new project once moved, so every check sees
      // the volume and the snapshots before it (and the per-volume limit sees one size).
      for (const s of snapshots) {
        await assertWithinQuota(
          trx,
          env.settings,
          to.projectId,
          { snapshots: 1, gigabytes: s.size },
          typeName,
        );
        await moveSnapshotsToProject(trx, [s.id], to, now);
      }
    }
    await deleteTransferRow(trx, transfer.id);
  });
  return transfer;
}
