import { Type } from 'typebox';
import { inRange, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { getTransfer, listTransfers, type TransferRow } from '../store/transfers.ts';
import { getVolume } from '../store/volumes.ts';
import {
  acceptTransfer,
  createTransfer,
  deleteTransfer,
  sweepExpiredTransfers,
  withdrawIfExpired,
} from '../transfers/volume-transfers.ts';
import { CinderBool, cinderBool, NullableName, Uuid } from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { callProject, projectScoped } from './project-paths.ts';
import { transferCreatedView, transferDetailView, transferSummaryView } from './transfer-views.ts';
import { isAdminCall, visibleVolume, volumeTarget } from './volume-access.ts';

const TransferParams = Type.Object({
  project_id: Type.Optional(Type.String()),
  transfer_id: Type.String(),
});
const ProjectParams = Type.Object({ project_id: Type.Optional(Type.String()) });

const createFields = { volume_id: Uuid, name: Type.Optional(NullableName) };
const CreateBody = Type.Object(
  { transfer: Type.Object(createFields, { additionalProperties: false }) },
  { additionalProperties: false },
);
const CreateBodyV355 = Type.Object(
  {
    transfer: Type.Object(
      { ...createFields, no_snapshots: Type.Optional(CinderBool) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const AcceptBody = Type.Object(
  {
    accept: Type.Object(
      { auth_key: Type.Union([Type.String(), Type.Integer()]) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const SORT_COLUMNS = {
  id: { column: 'id' },
  created_at: { column: 'created_at' },
  name: { column: 'name', nullable: true },
  display_name: { column: 'name', nullable: true },
  volume_id: { column: 'volume_id' },
} as const;

/**
 * A transfer the caller may see: its volume's project is the caller's, or the caller is an
 * admin; an expired one is withdrawn and, like any other, 404.
 */
async function visibleTransfer(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<TransferRow> {
  const t = await getTransfer(env.db, id);
  if (!t || (t.source_project_id !== projectIdOf(call.ctx.auth) && !isAdminCall(call))) {
    throw blockStorageErrors.transferNotFound(id);
  }
  if (await withdrawIfExpired(env, t)) throw blockStorageErrors.transferNotFound(id);
  return t;
}

/** The transfer's volume as the policy target (Cinder's target_obj=volume). */
async function transferVolumeTarget(
  env: BlockStorageEnv,
  t: TransferRow,
): Promise<Record<string, unknown>> {
  const volume = await getVolume(env.db, t.volume_id);
  return volume ? volumeTarget(volume) : { project_id: t.source_project_id };
}

function transferRoutesAt(
  env: BlockStorageEnv,
  base: '/os-volume-transfer' | '/volume-transfers',
): RouteSpec[] {
  const paginated = base === '/volume-transfers';
  const list = (detail: boolean) =>
    projectScoped(detail ? `${base}/detail` : base, {
      method: 'GET',
      policy: 'volume:get_all_transfers',
      schema: { params: ProjectParams },
      async handler(call) {
        await sweepExpiredTransfers(env);
        const c = call as unknown as ApiCall;
        const params = parseCinderList(c, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        // Before 3.59 (and always on os-volume-transfer) Cinder lists oldest first and
        // honours only limit and offset.
        const pages =
          paginated && call.microversion !== undefined && inRange(call.microversion, '3.59');
        const window = pages
          ? params
          : {
              ...params,
              markerId: undefined,
              sort: [
                { column: 'created_at', dir: 'asc' as const },
                { column: 'id', dir: 'asc' as const },
              ],
            };
        let marker: TransferRow | undefined;
        if (window.markerId !== undefined) {
          marker = await getTransfer(env.db, window.markerId);
          if (!marker) throw blockStorageErrors.transferNotFound(window.markerId);
        }
        const rows = await listTransfers(
          env.db,
          {
            projectId: params.allTenants && isAdminCall(c) ? undefined : callProject(c),
            name: singleFilter(call.query, 'name'),
            volumeId: singleFilter(call.query, 'volume_id'),
          },
          listWindow(window, marker),
        );
        const body: Record<string, unknown> = {
          transfers: rows.map((t) =>
            detail ? transferDetailView(c, t) : transferSummaryView(c, t),
          ),
        };
        const links = collectionLinks(c, params, rows);
        if (links) body.transfers_links = links;
        return body;
      },
    });
  const create = (
    versions: { min?: string; max?: string },
    body: typeof CreateBody | typeof CreateBodyV355,
  ) =>
    projectScoped(base, {
      method: 'POST',
      policy: 'volume:create_transfer',
      status: 202,
      versions,
      schema: { body, params: ProjectParams },
      async target(call) {
        const input = (call.body as { transfer: { volume_id: string } }).transfer;
        return volumeTarget(await visibleVolume(env, call as unknown as ApiCall, input.volume_id));
      },
      async handler(call) {
        const input = call.body.transfer as {
          volume_id: string;
          name?: string | null;
          no_snapshots?: boolean | string;
        };
        const volume = await visibleVolume(env, call as unknown as ApiCall, input.volume_id);
        const created = await createTransfer(env, volume, {
          name: typeof input.name === 'string' ? input.name.trim() : null,
          noSnapshots: input.no_snapshots === undefined ? false : cinderBool(input.no_snapshots),
        });
        return {
          transfer: transferCreatedView(
            call as unknown as ApiCall,
            created.transfer,
            created.authKey,
          ),
        };
      },
    });
  return [
    ...list(false),
    ...list(true),
    ...create({ max: '3.54' }, CreateBody),
    ...create({ min: '3.55' }, CreateBodyV355),
    ...projectScoped(`${base}/:transfer_id`, {
      method: 'GET',
      policy: 'volume:get_transfer',
      schema: { params: TransferParams },
      async handler(call) {
        const t = await visibleTransfer(env, call as unknown as ApiCall, call.params.transfer_id);
        return { transfer: transferDetailView(call as unknown as ApiCall, t) };
      },
    }),
    ...projectScoped(`${base}/:transfer_id`, {
      method: 'DELETE',
      policy: 'volume:delete_transfer',
      status: 202,
      schema: { params: TransferParams },
      async target(call) {
        return transferVolumeTarget(
          env,
          await visibleTransfer(env, call as unknown as ApiCall, call.params.transfer_id),
        );
      },
      async handler(call) {
        await deleteTransfer(
          env,
          await visibleTransfer(env, call as unknown as ApiCall, call.params.transfer_id),
        );
      },
    }),
    ...projectScoped(`${base}/:transfer_id/accept`, {
      method: 'POST',
      policy: 'volume:accept_transfer',
      status: 202,
      schema: { body: AcceptBody, params: TransferParams },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const t = await acceptTransfer(
          env,
          call.params.transfer_id,
          String(call.body.accept.auth_key),
          {
            projectId: callProject(c),
            userId: c.ctx.auth.userId,
          },
        );
        return { transfer: transferSummaryView(c, t) };
      },
    }),
  ];
}

/** Volume transfers at Cinder's two paths: os-volume-transfer and volume-transfers (3.55's). */
export function transferRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...transferRoutesAt(env, '/os-volume-transfer'),
    ...transferRoutesAt(env, '/volume-transfers'),
  ];
}
