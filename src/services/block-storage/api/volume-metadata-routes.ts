import { badRequest } from '../../../core/errors/index.ts';
import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { getVolumeMetadata } from '../store/volumes.ts';
import { deleteMetadataItem, setMetadata } from '../volumes/volume-changes.ts';
import { volumeErrors } from '../volumes/volume-errors.ts';
import { projectScoped } from './project-paths.ts';
import { visibleVolume, volumeTarget } from './volume-access.ts';
import { MetaItemBody, MetadataBody, MetaKeyParams, VolumeParams } from './volume-schemas.ts';

/** /volumes/{id}/metadata[/{key}]: a volume's user metadata, under Cinder's rules and codes. */
export function volumeMetadataRoutes(env: BlockStorageEnv): RouteSpec[] {
  const target = async (call: { params: { volume_id: string } } & Parameters<typeof visibleVolume>[1]) =>
    volumeTarget(await visibleVolume(env, call, call.params.volume_id));
  return [
    ...projectScoped('/volumes/:volume_id/metadata', {
      method: 'GET',
      policy: 'volume:get_volume_metadata',
      schema: { params: VolumeParams },
      target: (call) => target(call),
      handler: async (call) => ({ metadata: await getVolumeMetadata(env.db, 'user', call.params.volume_id) }),
    }),
    ...projectScoped('/volumes/:volume_id/metadata', {
      method: 'POST',
      policy: 'volume:create_volume_metadata',
      schema: { params: VolumeParams, body: MetadataBody },
      target: (call) => target(call),
      async handler(call) {
        const volume = await visibleVolume(env, call, call.params.volume_id);
        return { metadata: await setMetadata(env, volume, 'user', call.body.metadata, false) };
      },
    }),
    ...projectScoped('/volumes/:volume_id/metadata', {
      method: 'PUT',
      policy: 'volume:update_volume_metadata',
      schema: { params: VolumeParams, body: MetadataBody },
      target: (call) => target(call),
      async handler(call) {
        const volume = await visibleVolume(env, call, call.params.volume_id);
        return { metadata: await setMetadata(env, volume, 'user', call.body.metadata, true) };
      },
    }),
    ...projectScoped('/volumes/:volume_id/metadata/:key', {
      method: 'GET',
      policy: 'volume:get_volume_metadata',
      schema: { params: MetaKeyParams },
      target: (call) => target(call),
      async handler(call) {
        const metadata = await getVolumeMetadata(env.db, 'user', call.params.volume_id);
        const value = metadata[call.params.key];
        if (value === undefined) throw volumeErrors.metadataNotFound(call.params.volume_id, call.params.key);
        return { meta: { [call.params.key]: value } };
      },
    }),
    ...projectScoped('/volumes/:volume_id/metadata/:key', {
      method: 'PUT',
      policy: 'volume:update_volume_metadata',
      schema: { params: MetaKeyParams, body: MetaItemBody },
      target: (call) => target(call),
      async handler(call) {
        const item = call.body.meta;
        if (!(call.params.key in item)) throw badRequest('Request body and URI mismatch');
        if (Object.keys(item).length > 1) throw badRequest('Request body contains too many items');
        const volume = await visibleVolume(env, call, call.params.volume_id);
        await setMetadata(env, volume, 'user', item, false);
        return { meta: item };
      },
    }),
    ...projectScoped('/volumes/:volume_id/metadata/:key', {
      method: 'DELETE',
      policy: 'volume:delete_volume_metadata',
      schema: { params: MetaKeyParams },
      target: (call) => target(call),
      async handler(call) {
        const volume = await visibleVolume(env, call, call.params.volume_id);
        await deleteMetadataItem(env, volume, 'user', call.params.key);
        return undefined;
      },
    }),
  ];
}
