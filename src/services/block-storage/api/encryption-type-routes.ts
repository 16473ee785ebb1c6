import { Type } from 'typebox';
import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  deleteEncryption,
  getEncryption,
  insertEncryption,
  updateEncryption,
  type EncryptionRow,
} from '../store/volume-type-encryption.ts';
import { volumeTypeInUse } from '../store/volume-types.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { cinderTime } from './volume-views.ts';
import { projectScoped } from './project-paths.ts';
import { visibleVolumeType } from './volume-type-lookup.ts';

const TypeParams = Type.Object({ type_id: Type.String({ minLength: 1, maxLength: 255 }) });
// One name for the last segment: GET reads a spec key, PUT and DELETE take Cinder's
// encryption id (which it ignores: a type has at most one encryption).
const ItemParams = Type.Object({
  type_id: Type.String({ minLength: 1, maxLength: 255 }),
  item: Type.String({ minLength: 1, maxLength: 255 }),
});

const KeySize = Type.Union([
  Type.Integer({ minimum: 0, maximum: 2147483647 }),
  Type.String({ pattern: '^[0-9]+$' }),
  Type.Null(),
]);
const encryptionFields = {
  key_size: Type.Optional(KeySize),
  provider: Type.String({ maxLength: 255 }),
  control_location: Type.Union([Type.Literal('front-end'), Type.Literal('back-end')]),
  cipher: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
};
const CreateBody = Type.Object(
  { encryption: Type.Object(encryptionFields) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    encryption: Type.Object({
      key_size: encryptionFields.key_size,
      provider: Type.Optional(encryptionFields.provider),
      control_location: Type.Optional(encryptionFields.control_location),
      cipher: encryptionFields.cipher,
    }),
  },
  { additionalProperties: false },
);

function keySize(v: number | string | null | undefined): number | null | undefined {
  if (v === undefined || v === null) return v;
  return typeof v === 'number' ? v : Number(v);
}

/** Every column of the encryption, as Cinder's GET /types/{id}/encryption prints its row. */
function encryptionView(e: EncryptionRow): Record<string, unknown> {
  return {
    volume_type_id: e.volume_type_id,
    encryption_id: e.encryption_id,
    key_size: e.key_size,
    provider: e.provider,
    control_location: e.control_location,
    cipher: e.cipher,
    deleted: false,
    created_at: cinderTime(e.created_at),
    updated_at: cinderTime(e.updated_at),
    deleted_at: null,
  };
}

async function assertNoVolumes(
  env: BlockStorageEnv,
  typeId: string,
  what: 'create' | 'update' | 'delete',
): Promise<void> {
  if (await volumeTypeInUse(env.db, typeId)) {
    throw blockStorageErrors.invalid(`Cannot ${what} encryption specs. Volume type in use.`);
  }
}

/** Encryption of volume types (the `encryption` extension): what front-end or back-end encryption a type's volumes get. */
export function encryptionTypeRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/types/:type_id/encryption', {
      method: 'GET',
      policy: 'volume_extension:volume_type_encryption:get',
      schema: { params: TypeParams },
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        const e = await getEncryption(env.db, t.id);
        return e ? encryptionView(e) : {};
      },
    }),
    ...projectScoped('/types/:type_id/encryption/:item', {
      method: 'GET',
      policy: 'volume_extension:volume_type_encryption:get',
      schema: { params: ItemParams },
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        const e = await getEncryption(env.db, t.id);
        const view = e ? encryptionView(e) : {};
        if (!(call.params.item in view)) throw catalogErrors.encryptionNotFound(t.id);
        return { [call.params.item]: view[call.params.item] };
      },
    }),
    ...projectScoped('/types/:type_id/encryption', {
      method: 'POST',
      policy: 'volume_extension:volume_type_encryption:create',
      schema: { params: TypeParams, body: CreateBody },
      async handler(call) {
        await assertNoVolumes(env, call.params.type_id, 'create');
        const t = await visibleVolumeType(env, call, call.params.type_id);
        const input = call.body.encryption;
        const row = await insertEncryption(
          env.db,
          t.id,
          {
            provider: input.provider,
            cipher: input.cipher ?? null,
            keySize: keySize(input.key_size) ?? null,
            controlLocation: input.control_location,
          },
          env.now(),
        );
        if (!row) throw catalogErrors.encryptionExists(t.id);
        return {
          encryption: {
            ...input,
            key_size: row.key_size,
            volume_type_id: row.volume_type_id,
            encryption_id: row.encryption_id,
          },
        };
      },
    }),
    ...projectScoped('/types/:type_id/encryption/:item', {
      method: 'PUT',
      policy: 'volume_extension:volume_type_encryption:update',
      schema: { params: ItemParams, body: UpdateBody },
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        await assertNoVolumes(env, t.id, 'update');
        if (!(await getEncryption(env.db, t.id))) throw catalogErrors.encryptionNotFound(t.id);
        const input = call.body.encryption;
        await updateEncryption(
          env.db,
          t.id,
          {
            ...(input.provider !== undefined ? { provider: input.provider } : {}),
            ...(input.cipher !== undefined ? { cipher: input.cipher } : {}),
            ...(input.key_size !== undefined ? { keySize: keySize(input.key_size) ?? null } : {}),
            ...(input.control_location !== undefined
              ? { controlLocation: input.control_location }
              : {}),
          },
          env.now(),
        );
        const out: Record<string, unknown> = { ...input };
        if (input.key_size !== undefined) out.key_size = keySize(input.key_size);
        return { encryption: out };
      },
    }),
    ...projectScoped('/types/:type_id/encryption/:item', {
      method: 'DELETE',
      policy: 'volume_extension:volume_type_encryption:delete',
      schema: { params: ItemParams },
      status: 202,
      async handler(call) {
        await assertNoVolumes(env, call.params.type_id, 'delete');
        const t = await visibleVolumeType(env, call, call.params.type_id);
        if (!(await deleteEncryption(env.db, t.id))) throw catalogErrors.encryptionNotFound(t.id);
        return undefined;
      },
    }),
  ];
}
