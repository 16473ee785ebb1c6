import { Type } from 'typebox';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import { notFound } from '../../../core/errors/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  deleteMetadataItem,
  mergeMetadata,
  metadataItem,
  metadataOf,
  replaceMetadata,
  type Metadata,
} from '../store/owned-metadata.ts';
import { specsObject } from './catalog-schemas.ts';
import { projectScoped } from './project-paths.ts';
import { snapshotTarget, visibleSnapshot } from './snapshot-access.ts';

const TABLE = 'block_storage_snapshot_metadata';
const MetadataValue = specsObject('^[a-zA-Z0-9-_:. /]{1,255}$');
const Params = Type.Object({
  project_id: Type.Optional(Type.String()),
  snapshot_id: Type.String(),
});
const ItemParams = Type.Object({
  project_id: Type.Optional(Type.String()),
  snapshot_id: Type.String(),
  key: Type.String(),
});
const MetadataBody = Type.Object({ metadata: MetadataValue }, { additionalProperties: false });
const ItemBody = Type.Object({ meta: MetadataValue }, { additionalProperties: false });

const itemNotFound = (snapshotId: string, key: string) =>
  notFound(
    `Snapshot ${snapshotId} has no metadata with key ${key}.`,
    'block_storage.snapshot_metadata_not_found',
  );

async function all(env: BlockStorageEnv, snapshotId: string): Promise<Metadata> {
  return (await metadataOf(env.db, TABLE, [snapshotId])).get(snapshotId) ?? {};
}

/** /snapshots/{id}/metadata[/{key}] under Cinder's snapshot metadata rules. */
export function snapshotMetadataRoutes(env: BlockStorageEnv): RouteSpec[] {
  const target = async (call: ApiCall) =>
    snapshotTarget(
      await visibleSnapshot(env, call, (call.params as { snapshot_id: string }).snapshot_id),
    );
  const snapshotOf = (call: ApiCall) =>
    visibleSnapshot(env, call, (call.params as { snapshot_id: string }).snapshot_id);
  return [
    ...projectScoped('/snapshots/:snapshot_id/metadata', {
      method: 'GET',
      policy: 'volume:get_snapshot_metadata',
      schema: { params: Params },
      target: (call) => target(call as unknown as ApiCall),
      async handler(call) {
        const s = await snapshotOf(call as unknown as ApiCall);
        return { metadata: await all(env, s.id) };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id/metadata', {
      method: 'POST',
      policy: 'volume:update_snapshot_metadata',
      schema: { body: MetadataBody, params: Params },
      target: (call) => target(call as unknown as ApiCall),
      async handler(call) {
        const s = await snapshotOf(call as unknown as ApiCall);
        await env.db
          .transaction()
          .execute((trx) => mergeMetadata(trx, TABLE, s.id, call.body.metadata as Metadata));
        return { metadata: await all(env, s.id) };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id/metadata', {
      method: 'PUT',
      policy: 'volume:update_snapshot_metadata',
      schema: { body: MetadataBody, params: Params },
      target: (call) => target(call as unknown as ApiCall),
      async handler(call) {
        const s = await snapshotOf(call as unknown as ApiCall);
        await env.db
          .transaction()
          .execute((trx) => replaceMetadata(trx, TABLE, s.id, call.body.metadata as Metadata));
        return { metadata: await all(env, s.id) };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id/metadata/:key', {
      method: 'GET',
      policy: 'volume:get_snapshot_metadata',
      schema: { params: ItemParams },
      target: (call) => target(call as unknown as ApiCall),
      async handler(call) {
        const s = await snapshotOf(call as unknown as ApiCall);
        const value = await metadataItem(env.db, TABLE, s.id, call.params.key);
        if (value === undefined) throw itemNotFound(s.id, call.params.key);
        return { meta: { [call.params.key]: value } };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id/metadata/:key', {
      method: 'PUT',
      policy: 'volume:update_snapshot_metadata',
      schema: { body: ItemBody, params: ItemParams },
      target: (call) => target(call as unknown as ApiCall),
      async handler(call) {
        const s = await snapshotOf(call as unknown as ApiCall);
        const meta = call.body.meta as Metadata;
        const keys = Object.keys(meta);
        if (keys.length > 1)
          throw blockStorageErrors.invalid('Request body contains too many items');
        if (keys[0] !== call.params.key)
          throw blockStorageErrors.invalid('Request body and URI mismatch');
        await env.db.transaction().execute((trx) => mergeMetadata(trx, TABLE, s.id, meta));
        return { meta };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id/metadata/:key', {
      method: 'DELETE',
      policy: 'volume:delete_snapshot_metadata',
      schema: { params: ItemParams },
      target: (call) => target(call as unknown as ApiCall),
      async handler(call) {
        const s = await snapshotOf(call as unknown as ApiCall);
        if (!(await deleteMetadataItem(env.db, TABLE, s.id, call.params.key)))
          throw itemNotFound(s.id, call.params.key);
      },
    }),
  ];
}
