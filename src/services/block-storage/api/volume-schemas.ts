import { Type, type TSchema } from 'typebox';

/**
 * Request schemas of the volume API, with Cinder's rules (cinder/api/schemas/volumes.py,
 * volume_metadata.py, volume_actions.py): sizes are integers or digit strings of at least 1,
 * names and descriptions strings of at most 255 characters once trimmed, metadata keys of
 * `[a-zA-Z0-9-_:. /]` and values of at most 255 characters.
 */

const raw = <T>(schema: Record<string, unknown>) => Type.Unsafe<T>(schema);

const DB_MAX_INT = 2147483647;
const METADATA_KEY = '^[a-zA-Z0-9-_:. /]{1,255}$';

export const VolumeSize = raw<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: DB_MAX_INT });
export const VolumeSizeOrNull = raw<number | string | null>({ type: ['integer', 'string', 'null'], pattern: '^[0-9]+$', minimum: 1, maximum: DB_MAX_INT });
export const NullableName = raw<string | null>({ type: ['string', 'null'], maxLength: 255 });
const NullableText255 = raw<string | null>({ type: ['string', 'null'], minLength: 0, maxLength: 255 });
const OptionalUuid = raw<string | null>({ type: ['string', 'null'], format: 'uuid' });

/** Cinder's parameter_types.boolean: JSON booleans and the usual spellings. */
export const CinderBoolean = raw<boolean | string>({
  type: ['boolean', 'string'],
  enum: [
    true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'y', 't',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'n', 'f',
  ],
});

export function cinderBool(v: boolean | string | undefined | null, fallback = false): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  return ['true', '1', 'on', 'yes', 'y', 't'].includes(v.toLowerCase());
}

export const Metadata = raw<Record<string, string>>({
  type: 'object',
  patternProperties: { [METADATA_KEY]: { type: 'string', maxLength: 255 } },
  additionalProperties: false,
});
const MetadataOrNull = raw<Record<string, string> | null>({
  type: ['object', 'null'],
  patternProperties: { [METADATA_KEY]: { type: 'string', maxLength: 255 } },
  additionalProperties: false,
});
/** Image metadata values are TEXT in Cinder (no 255 limit). */
export const ImageMetadata = raw<Record<string, string>>({
  type: 'object',
  patternProperties: { [METADATA_KEY]: { type: 'string', maxLength: 65535 } },
  additionalProperties: false,
});

const createFields = {
  name: Type.Optional(NullableName),
  description: Type.Optional(NullableName),
  display_name: Type.Optional(NullableName),
  display_description: Type.Optional(NullableName),
  volume_type: Type.Optional(NullableText255),
  metadata: Type.Optional(MetadataOrNull),
  snapshot_id: Type.Optional(OptionalUuid),
  source_volid: Type.Optional(OptionalUuid),
  consistencygroup_id: Type.Optional(OptionalUuid),
  size: Type.Optional(VolumeSizeOrNull),
  availability_zone: Type.Optional(raw<string | null>({ type: ['string', 'null'], minLength: 1, maxLength: 255 })),
  multiattach: Type.Optional(CinderBoolean),
  image_id: Type.Optional(NullableText255),
  imageRef: Type.Optional(NullableText255),
};

function createBody(extra: Record<string, TSchema>, closed: boolean) {
  return Type.Object(
    {
      volume: Type.Object({ ...createFields, ...extra }, { additionalProperties: !closed }),
      'OS-SCH-HNT:scheduler_hints': Type.Optional(raw<Record<string, unknown> | null>({ type: ['object', 'null'] })),
    },
    { additionalProperties: false },
  );
}

/** POST /volumes by microversion: group_id from 3.13, backup_id from 3.47, closed from 3.53. */
export const CreateVolumeBody = {
  base: createBody({}, false),
  v313: createBody({ group_id: Type.Optional(NullableText255) }, false),
  v347: createBody({ group_id: Type.Optional(NullableText255), backup_id: Type.Optional(OptionalUuid) }, false),
  v353: createBody({ group_id: Type.Optional(NullableText255), backup_id: Type.Optional(OptionalUuid) }, true),
};

const updateFields = {
  name: Type.Optional(NullableName),
  description: Type.Optional(NullableName),
  display_name: Type.Optional(NullableName),
  display_description: Type.Optional(NullableName),
  metadata: Type.Optional(Metadata),
};

/** PUT /volumes/{id}: before 3.53 an empty update is accepted; from 3.53 one field is required. */
export const UpdateVolumeBody = {
  base: Type.Object({ volume: Type.Object(updateFields, { additionalProperties: false }) }, { additionalProperties: false }),
  v353: Type.Object(
    {
      volume: Type.Object(updateFields, {
        additionalProperties: false,
        anyOf: ['name', 'description', 'display_name', 'display_description', 'metadata'].map((k) => ({ required: [k] })),
      }),
    },
    { additionalProperties: false },
  ),
};

export const MetadataBody = Type.Object({ metadata: Metadata }, { additionalProperties: false });
export const MetaItemBody = Type.Object(
  {
    meta: raw<Record<string, string>>({
      type: 'object',
      patternProperties: { [METADATA_KEY]: { type: 'string', maxLength: 255 } },
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    }),
  },
  { additionalProperties: false },
);

export const VolumeParams = Type.Object({ project_id: Type.Optional(Type.String()), volume_id: Type.String() });
export const MetaKeyParams = Type.Object({ project_id: Type.Optional(Type.String()), volume_id: Type.String(), key: Type.String() });
export const ProjectParams = Type.Object({ project_id: Type.Optional(Type.String()) });
