import { Type } from 'typebox';
import { badRequest } from '../../../core/errors/index.ts';
import type { Connector } from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import {
  attachVolume,
  beginDetaching,
  detachVolume,
  forceDetach,
  initializeConnection,
  reserveVolume,
  rollDetaching,
  terminateConnection,
  unreserveVolume,
} from '../attachments/legacy-attach.ts';
import { Uuid } from './catalog-schemas.ts';
import { volumeAction, type VolumeAction } from './volume-actions-dispatch.ts';

/** Actions whose body Cinder ignores: `{"os-reserve": {}}` or even `null`. */
const AnyBody = Type.Unknown();
const NullableUuid = Type.Union([Uuid, Type.Null()]);
const ConnectorValue = Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()]);

const AttachBody = Type.Object(
  {
    instance_uuid: Type.Optional(Uuid),
    mountpoint: Type.String({ minLength: 1, maxLength: 255 }),
    host_name: Type.Optional(Type.String({ maxLength: 255 })),
    mode: Type.Optional(Type.Union([Type.Literal('rw'), Type.Literal('ro')])),
  },
  {
    additionalProperties: false,
    anyOf: [{ required: ['instance_uuid'] }, { required: ['host_name'] }],
  },
);
const DetachBody = Type.Union([
  Type.Object({ attachment_id: Type.Optional(NullableUuid) }, { additionalProperties: false }),
  Type.Null(),
]);
const InitializeBody = Type.Object({ connector: ConnectorValue }, { additionalProperties: false });
const TerminateBody = Type.Object(
  { connector: Type.Union([ConnectorValue, Type.Null()]) },
  { additionalProperties: false },
);
const ForceDetachBody = Type.Object(
  {
    connector: Type.Optional(Type.Union([ConnectorValue, Type.Null()])),
    attachment_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);

/** A connector as sent: an object, or (Cinder accepts it) the same object as JSON text. */
function connectorOf(value: Record<string, unknown> | string | null | undefined): Connector | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return value as Connector;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Connector;
  } catch {
    // Reported below.
  }
  throw badRequest(
    'Invalid input received: connector must be an object.',
    'block_storage.invalid_connector',
  );
}

/**
 * The legacy attach actions on POST /volumes/{id}/action, registered with the volume
 * action dispatcher: the status steps of Cinder's pre-3.27 attach flow, each under its
 * upstream policy rule with the volume as target.
 */
export function attachActionRoutes(env: BlockStorageEnv): VolumeAction[] {
  return [
    volumeAction('os-reserve', {
      policy: 'volume_extension:volume_actions:reserve',
      schema: AnyBody,
      handler: ({ volume }) => reserveVolume(env, volume),
    }),
    volumeAction('os-unreserve', {
      policy: 'volume_extension:volume_actions:unreserve',
      schema: AnyBody,
      handler: ({ volume }) => unreserveVolume(env, volume),
    }),
    volumeAction('os-begin_detaching', {
      policy: 'volume_extension:volume_actions:begin_detaching',
      schema: AnyBody,
      handler: ({ volume }) => beginDetaching(env, volume),
    }),
    volumeAction('os-roll_detaching', {
      policy: 'volume_extension:volume_actions:roll_detaching',
      schema: AnyBody,
      handler: ({ volume }) => rollDetaching(env, volume),
    }),
    volumeAction('os-attach', {
      policy: 'volume_extension:volume_actions:attach',
      schema: AttachBody,
      async handler({ volume, body }) {
        await attachVolume(env, volume, {
          instanceUuid: body.instance_uuid ?? null,
          hostName: body.host_name ?? null,
          mountpoint: body.mountpoint,
          mode: body.mode ?? 'rw',
        });
      },
    }),
    volumeAction('os-detach', {
      policy: 'volume_extension:volume_actions:detach',
      schema: DetachBody,
      handler: ({ volume, body }) => detachVolume(env, volume, body?.attachment_id ?? null),
    }),
    volumeAction('os-initialize_connection', {
      policy: 'volume_extension:volume_actions:initialize_connection',
      schema: InitializeBody,
      status: 200,
      async handler({ volume, body }) {
        const connector = connectorOf(body.connector as Record<string, unknown> | string);
        return { connection_info: await initializeConnection(env, volume, connector ?? {}) };
      },
    }),
    volumeAction('os-terminate_connection', {
      policy: 'volume_extension:volume_actions:terminate_connection',
      schema: TerminateBody,
      handler: ({ volume, body }) =>
        terminateConnection(
          env,
          volume,
          connectorOf(body.connector as Record<string, unknown> | string | null),
        ),
    }),
    volumeAction('os-force_detach', {
      policy: 'volume_extension:volume_admin_actions:force_detach',
      schema: ForceDetachBody,
      handler: ({ volume, body }) =>
        forceDetach(env, volume, {
          connector: connectorOf(
            body.connector as Record<string, unknown> | string | null | undefined,
          ),
          attachmentId: body.attachment_id ?? null,
        }),
    }),
  ];
}
