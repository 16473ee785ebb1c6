import { Type } from 'typebox';
import { badRequest } from '../../../core/errors/index.ts';
import { inRange, type RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { getVolumeMetadata } from '../store/volumes.ts';
import { deleteVolume } from '../volumes/delete-volume.ts';
import { uploadToImage } from '../volumes/image-upload.ts';
import { extendVolume, retypeVolume } from '../volumes/resize-volume.ts';
import { revertToSnapshot } from '../volumes/revert-volume.ts';
import { deleteMetadataItem, resetStatus, setBootable, setMetadata, setReadonly } from '../volumes/volume-changes.ts';
import { volumeTarget } from './volume-access.ts';
import { VolumeActionDispatcher, volumeAction, type VolumeAction } from './volume-actions-dispatch.ts';
import { attachActionRoutes } from './volume-attach-actions.ts';
import { callerOf } from './volume-call.ts';
import { CinderBoolean, ImageMetadata, VolumeSize, cinderBool } from './volume-schemas.ts';

/** Cinder's volume statuses (objects.fields.VolumeStatus.ALL), for os-reset_status. */
const VOLUME_STATUSES = [
  'creating', 'available', 'deleting', 'error', 'error_deleting', 'error_managing', 'managing', 'attaching', 'in-use',
  'detaching', 'maintenance', 'restoring-backup', 'error_restoring', 'reserved', 'awaiting-transfer', 'backing-up',
  'error_backing-up', 'error_extending', 'downloading', 'uploading', 'retyping', 'extending',
];
const ATTACH_STATUSES = ['attached', 'detached'];
const MIGRATION_STATUSES = ['migrating', 'error', 'success', 'completing', 'none', 'starting'];

const python = (list: readonly string[]) => `(${list.map((s) => `'${s}'`).join(', ')})`;
const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });
const DISK_FORMATS = ['raw', 'vmdk', 'vdi', 'qcow2', 'vhd', 'vhdx', 'ploop'];
const CONTAINER_FORMATS = ['bare', 'ovf', 'ova', 'aki', 'ari', 'ami', 'docker', 'compressed'];

const uploadFields = {
  image_name: Type.String({ minLength: 1, maxLength: 255 }),
  force: Type.Optional(CinderBoolean),
  disk_format: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: DISK_FORMATS })),
  container_format: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: CONTAINER_FORMATS })),
};
const UploadBase = Type.Object(uploadFields, { additionalProperties: false });
const UploadV31 = Type.Object(
  {
    ...uploadFields,
    visibility: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['community', 'public', 'private', 'shared'] })),
    protected: Type.Optional(CinderBoolean),
  },
  { additionalProperties: false },
);

/** The non-attach volume actions (the attach ones come from volume-attach-actions.ts). */
export function volumeActions(env: BlockStorageEnv): VolumeAction[] {
  const upload = (schema: typeof UploadV31, versions: { min?: string; max?: string }) =>
    volumeAction('os-volume_upload_image', {
      policy: 'volume_extension:volume_actions:upload_image',
      schema,
      versions,
      async handler({ call, body, volume }) {
        const visibility = inRange(call.microversion ?? { major: 3, minor: 0 }, '3.1') ? (body.visibility ?? 'private') : undefined;
        if (visibility === 'public') call.authorize('volume_extension:volume_actions:upload_public', volumeTarget(volume));
        const response = await uploadToImage(env, callerOf(call), volume, {
          imageName: body.image_name,
          diskFormat: body.disk_format ?? 'raw',
          containerFormat: body.container_format ?? 'bare',
          visibility,
          protected: visibility === undefined ? undefined : cinderBool(body.protected),
        });
        return { 'os-volume_upload_image': response };
      },
    });
  return [
    volumeAction('os-extend', {
      policy: 'volume:extend',
      schema: Type.Object({ new_size: VolumeSize }, { additionalProperties: false }),
      async handler({ call, body, volume }) {
        const attached = volume.status === 'in-use' && call.microversion !== undefined && inRange(call.microversion, '3.42');
        if (attached) call.authorize('volume:extend_attached_volume', volumeTarget(volume));
        await extendVolume(env, callerOf(call), volume, Number(body.new_size), attached);
      },
    }),
    volumeAction('os-retype', {
      policy: 'volume:retype',
      schema: Type.Object(
        {
          new_type: Type.String(),
          migration_policy: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], enum: ['on-demand', 'never', null] })),
        },
        { additionalProperties: false },
      ),
      async handler({ call, body, volume }) {
        await retypeVolume(env, callerOf(call), volume, body.new_type, body.migration_policy === 'on-demand' ? 'on-demand' : 'never');
      },
    }),
    volumeAction('os-set_bootable', {
      policy: 'volume:update',
      schema: Type.Object({ bootable: CinderBoolean }, { additionalProperties: false }),
      status: 200,
      async handler({ body, volume }) {
        await setBootable(env, volume, cinderBool(body.bootable));
      },
    }),
    volumeAction('os-update_readonly_flag', {
      policy: 'volume:update_readonly_flag',
      schema: Type.Object({ readonly: CinderBoolean }, { additionalProperties: false }),
      async handler({ body, volume }) {
        await setReadonly(env, volume, cinderBool(body.readonly));
      },
    }),
    volumeAction('os-reset_status', {
      policy: 'volume_extension:volume_admin_actions:reset_status',
      schema: Type.Object(
        { status: Type.Optional(NullableString), attach_status: Type.Optional(NullableString), migration_status: Type.Optional(NullableString) },
        { additionalProperties: false },
      ),
      async handler({ body, volume }) {
        const { status, attach_status: attach, migration_status: migration } = body;
        if (!status && !attach && !migration) {
          throw badRequest("Invalid input received: Must specify 'status', 'attach_status' or 'migration_status' for update.");
        }
        if (status && !VOLUME_STATUSES.includes(status.toLowerCase())) {
          throw badRequest(`Volume status: ${status} is invalid, valid statuses are: ${python(VOLUME_STATUSES)}.`);
        }
        if (attach && !ATTACH_STATUSES.includes(attach.toLowerCase())) {
          throw badRequest(`Volume attach status: ${attach} is invalid, valid statuses are: ['attached', 'detached'].`);
        }
        if (migration && !MIGRATION_STATUSES.includes(migration.toLowerCase())) {
          throw badRequest(`Volume migration status: ${migration} is invalid, valid statuses are: ${python(MIGRATION_STATUSES)}.`);
        }
        await resetStatus(env, volume, { status: status ?? undefined, attachStatus: attach ?? undefined, migrationStatus: migration ?? undefined });
      },
    }),
    volumeAction('os-force_delete', {
      policy: 'volume_extension:volume_admin_actions:force_delete',
      schema: Type.Unknown(),
      async handler({ call, volume }) {
        await deleteVolume(env, callerOf(call), volume, { cascade: false, force: true });
      },
    }),
    upload(UploadBase as unknown as typeof UploadV31, { max: '3.0' }),
    upload(UploadV31, { min: '3.1' }),
    volumeAction('os-set_image_metadata', {
      policy: 'volume_extension:volume_image_metadata:set',
      schema: Type.Object({ metadata: ImageMetadata }, { additionalProperties: false }),
      status: 200,
      async handler({ body, volume }) {
        return { metadata: await setMetadata(env, volume, 'image', body.metadata, false) };
      },
    }),
    volumeAction('os-unset_image_metadata', {
      policy: 'volume_extension:volume_image_metadata:remove',
      schema: Type.Object({ key: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
      status: 200,
      async handler({ body, volume }) {
        await deleteMetadataItem(env, volume, 'image', body.key);
      },
    }),
    volumeAction('os-show_image_metadata', {
      policy: 'volume:get',
      schema: Type.Unknown(),
      status: 200,
      handler: async ({ volume }) => ({ metadata: await getVolumeMetadata(env.db, 'image', volume.id) }),
    }),
    volumeAction('revert', {
      policy: 'volume:revert_to_snapshot',
      schema: Type.Object({ snapshot_id: Type.Optional(NullableString) }, { additionalProperties: true }),
      versions: { min: '3.40' },
      async handler({ call, body, volume }) {
        await revertToSnapshot(env, callerOf(call), volume, body.snapshot_id);
      },
    }),
  ];
}

/** POST /volumes/{id}/action: every family's actions behind one dispatcher. */
export function volumeActionRoutes(env: BlockStorageEnv): RouteSpec[] {
  const dispatcher = new VolumeActionDispatcher(env);
  dispatcher.register(volumeActions(env));
  dispatcher.register(attachActionRoutes(env));
  return dispatcher.routes();
}
