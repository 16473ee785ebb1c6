import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import {
  completeAttachment,
  connectAttachment,
  createAttachment,
  deleteAttachment,
} from '../attachments/volume-attachments.ts';
import type { Connector } from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { getAttachment, listAttachments, type AttachmentRow } from '../store/attachments.ts';
import { getVolume } from '../store/volumes.ts';
import { attachmentDetailView, attachmentSummaryView } from './attachment-views.ts';
import { Uuid } from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { callProject, projectScoped } from './project-paths.ts';
import { isAdminCall, visibleVolume, volumeTarget } from './volume-access.ts';

const NEW_ATTACH = '3.27';
const ProjectParams = Type.Object({ project_id: Type.Optional(Type.String()) });
const AttachmentParams = Type.Object({
  project_id: Type.Optional(Type.String()),
  attachment_id: Type.String(),
});

const createFields = {
  volume_uuid: Uuid,
  instance_uuid: Type.Optional(Uuid),
  connector: Type.Optional(
    Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  ),
};
const CreateBody = Type.Object(
  { attachment: Type.Object(createFields, { additionalProperties: false }) },
  { additionalProperties: false },
);
const CreateBodyV354 = Type.Object(
  {
    attachment: Type.Object(
      {
        ...createFields,
        mode: Type.Optional(Type.Union([Type.Literal('rw'), Type.Literal('ro')])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    attachment: Type.Object(
      { connector: Type.Object({}, { additionalProperties: true, minProperties: 1 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const CompleteBody = Type.Object(
  { 'os-complete': Type.Unknown() },
  { additionalProperties: false },
);

const SORT_COLUMNS = {
  id: { column: 'a.id' },
  created_at: { column: 'a.created_at' },
  updated_at: { column: 'a.updated_at', nullable: true },
  volume_id: { column: 'a.volume_id' },
  attach_status: { column: 'a.attach_status' },
  status: { column: 'a.attach_status' },
  instance_uuid: { column: 'a.instance_uuid', nullable: true },
  attach_mode: { column: 'a.attach_mode' },
} as const;

/** An attachment of a volume the caller may see (its project, or any for admins); else 404. */
async function visibleAttachment(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<AttachmentRow> {
  const a = await getAttachment(env.db, id);
  const volume = a ? await getVolume(env.db, a.volume_id) : undefined;
  if (!a || !volume || (volume.project_id !== projectIdOf(call.ctx.auth) && !isAdminCall(call))) {
    throw blockStorageErrors.attachmentNotFound(id);
  }
  return a;
}

async function attachmentTarget(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<Record<string, unknown>> {
  const a = await visibleAttachment(env, call, id);
  const volume = await getVolume(env.db, a.volume_id);
  return volume ? volumeTarget(volume) : {};
}

/** The attachments API (3.27+; os-complete 3.44+): how Nova attaches volumes today. */
export function attachmentRoutes(env: BlockStorageEnv): RouteSpec[] {
  const list = (detail: boolean) =>
    projectScoped(detail ? '/attachments/detail' : '/attachments', {
      method: 'GET',
      // Cinder checks no rule of its own here; seeing attachments is seeing volumes.
      policy: 'volume:get_all',
      versions: { min: NEW_ATTACH },
      schema: { params: ProjectParams },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const params = parseCinderList(c, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        let marker: AttachmentRow | undefined;
        if (params.markerId !== undefined) {
          marker = await getAttachment(env.db, params.markerId);
          if (!marker) throw blockStorageErrors.attachmentNotFound(params.markerId);
        }
        const rows = await listAttachments(
          env.db,
          {
            projectId: params.allTenants && isAdminCall(c) ? undefined : callProject(c),
            volumeId: singleFilter(call.query, 'volume_id'),
            attachStatus:
              singleFilter(call.query, 'attach_status') ?? singleFilter(call.query, 'status'),
            instanceUuid: singleFilter(call.query, 'instance_id'),
          },
          listWindow(params, marker),
        );
        const body: Record<string, unknown> = {
          attachments: rows.map((a) =>
            detail ? attachmentDetailView(a) : attachmentSummaryView(a),
          ),
        };
        const links = collectionLinks(c, params, rows);
        if (links) body.attachments_links = links;
        return body;
      },
    });
  const create = (
    versions: { min?: string; max?: string },
    body: typeof CreateBody | typeof CreateBodyV354,
  ) =>
    projectScoped('/attachments', {
      method: 'POST',
      policy: 'volume:attachment_create',
      versions,
      schema: { body, params: ProjectParams },
      async target(call) {
        const input = (call.body as { attachment: { volume_uuid: string } }).attachment;
        return volumeTarget(
          await visibleVolume(env, call as unknown as ApiCall, input.volume_uuid),
        );
      },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const input = call.body.attachment as {
          volume_uuid: string;
          instance_uuid?: string;
          connector?: Record<string, unknown> | null;
          mode?: 'rw' | 'ro';
        };
        const volume = await visibleVolume(env, c, input.volume_uuid);
        // Cinder's extra rule for a second attachment of a bootable multiattach volume.
        if (
          Number(volume.multiattach) === 1 &&
          volume.status === 'in-use' &&
          Number(volume.bootable) === 1
        ) {
          c.authorize('volume:multiattach_bootable_volume', volumeTarget(volume));
        }
        const attachment = await createAttachment(env, volume, {
          instanceUuid: input.instance_uuid ?? null,
          connector: (input.connector ?? null) as Connector | null,
          mode: input.mode,
        });
        return { attachment: attachmentDetailView(attachment) };
      },
    });
  return [
    ...list(false),
    ...list(true),
    ...create({ min: NEW_ATTACH, max: '3.53' }, CreateBody),
    ...create({ min: '3.54' }, CreateBodyV354),
    ...projectScoped('/attachments/:attachment_id', {
      method: 'GET',
      policy: 'volume:get',
      versions: { min: NEW_ATTACH },
      schema: { params: AttachmentParams },
      target: (call) =>
        attachmentTarget(env, call as unknown as ApiCall, call.params.attachment_id),
      async handler(call) {
        return {
          attachment: attachmentDetailView(
            await visibleAttachment(env, call as unknown as ApiCall, call.params.attachment_id),
          ),
        };
      },
    }),
    ...projectScoped('/attachments/:attachment_id', {
      method: 'PUT',
      policy: 'volume:attachment_update',
      versions: { min: NEW_ATTACH },
      schema: { body: UpdateBody, params: AttachmentParams },
      target: (call) =>
        attachmentTarget(env, call as unknown as ApiCall, call.params.attachment_id),
      async handler(call) {
        const a = await visibleAttachment(
          env,
          call as unknown as ApiCall,
          call.params.attachment_id,
        );
        const updated = await connectAttachment(
          env,
          a,
          call.body.attachment.connector as Connector,
        );
        return { attachment: attachmentDetailView(updated) };
      },
    }),
    ...projectScoped('/attachments/:attachment_id', {
      method: 'DELETE',
      policy: 'volume:attachment_delete',
      versions: { min: NEW_ATTACH },
      schema: { params: AttachmentParams },
      target: (call) =>
        attachmentTarget(env, call as unknown as ApiCall, call.params.attachment_id),
      async handler(call) {
        const a = await visibleAttachment(
          env,
          call as unknown as ApiCall,
          call.params.attachment_id,
        );
        const remaining = await deleteAttachment(env, a);
        return { attachments: remaining.map(attachmentSummaryView) };
      },
    }),
    ...projectScoped('/attachments/:attachment_id/action', {
      method: 'POST',
      policy: 'volume:attachment_complete',
      versions: { min: '3.44' },
      status: 204,
      schema: { body: CompleteBody, params: AttachmentParams },
      target: (call) =>
        attachmentTarget(env, call as unknown as ApiCall, call.params.attachment_id),
      async handler(call) {
        await completeAttachment(
          env,
          await visibleAttachment(env, call as unknown as ApiCall, call.params.attachment_id),
        );
      },
    }),
  ];
}
