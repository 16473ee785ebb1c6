import { Type, type TSchema } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import { toDbTime } from '../../../core/db/index.ts';
import { badRequest } from '../../../core/errors/index.ts';
import {
  compileValidator,
  type ApiCall,
  type RouteSpec,
  type Validator,
} from '../../../core/http/index.ts';
import {
  assertBackupService,
  BACKUP_RESET_STATUSES,
  createBackup,
  deleteBackup,
  resetBackupStatus,
  restoreBackup,
} from '../backups/backup-lifecycle.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  backupsWithDependents,
  countBackups,
  getBackup,
  listBackups,
  updateBackup,
  type BackupFilters,
  type BackupRow,
} from '../store/backups.ts';
import { metadataOf, replaceMetadata, type Metadata } from '../store/owned-metadata.ts';
import { exportBackupRecord, importBackupRecord } from './backup-records.ts';
import { backupDetailView, backupSummaryView, restoreView } from './backup-views.ts';
import {
  CinderBool,
  cinderBool,
  Description,
  NullableName,
  specsObject,
  Uuid,
} from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { callProject, projectScoped } from './project-paths.ts';
import { visibleSnapshot } from './snapshot-access.ts';
import { callerOf } from './volume-call.ts';
import { isAdminCall, visibleVolume, volumeTarget } from './volume-access.ts';

const ProjectParams = Type.Object({ project_id: Type.Optional(Type.String()) });
const BackupParams = Type.Object({
  project_id: Type.Optional(Type.String()),
  backup_id: Type.String(),
});
const BackupMetadata = specsObject('^[a-zA-Z0-9-_:. /]{1,255}$');
const NullableString = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);

const createFields = {
  volume_id: Uuid,
  container: Type.Optional(NullableString),
  description: Type.Optional(Description),
  incremental: Type.Optional(CinderBool),
  force: Type.Optional(CinderBool),
  name: Type.Optional(NullableName),
  snapshot_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
};
const createBody = (extra: Record<string, TSchema>) =>
  Type.Object(
    { backup: Type.Object({ ...createFields, ...extra }, { additionalProperties: false }) },
    { additionalProperties: false },
  );
const CreateBody = createBody({});
const CreateBodyV343 = createBody({
  metadata: Type.Optional(Type.Union([BackupMetadata, Type.Null()])),
});
const CreateBodyV351 = createBody({
  metadata: Type.Optional(Type.Union([BackupMetadata, Type.Null()])),
  availability_zone: Type.Optional(NullableString),
});
const updateBody = (extra: Record<string, TSchema>) =>
  Type.Object(
    {
      backup: Type.Union([
        Type.Object(
          { name: Type.Optional(NullableName), description: Type.Optional(Description), ...extra },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    },
    { additionalProperties: false },
  );
const UpdateBody = updateBody({});
const UpdateBodyV343 = updateBody({ metadata: Type.Optional(BackupMetadata) });
const RestoreBody = Type.Object(
  {
    restore: Type.Union([
      Type.Object(
        {
          name: Type.Optional(NullableName),
          volume_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
const ImportBody = Type.Object(
  {
    'backup-record': Type.Object(
      {
        backup_service: Type.String({ maxLength: 255 }),
        backup_url: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const SORT_COLUMNS = {
  id: { column: 'id' },
  created_at: { column: 'created_at' },
  updated_at: { column: 'updated_at', nullable: true },
  name: { column: 'name', nullable: true },
  display_name: { column: 'name', nullable: true },
  status: { column: 'status' },
  size: { column: 'size' },
  volume_id: { column: 'volume_id' },
  data_timestamp: { column: 'data_timestamp' },
} as const;

/** A backup the caller may see: its project's, any for admins; else 404. */
async function visibleBackup(env: BlockStorageEnv, call: ApiCall, id: string): Promise<BackupRow> {
  const b = await getBackup(env.db, id);
  if (!b || (b.project_id !== projectIdOf(call.ctx.auth) && !isAdminCall(call)))
    throw blockStorageErrors.backupNotFound(id);
  return b;
}

function backupTarget(b: BackupRow): Record<string, unknown> {
  return { project_id: b.project_id, user_id: b.user_id, id: b.id };
}

async function detailViews(env: BlockStorageEnv, call: ApiCall, rows: readonly BackupRow[]) {
  const ids = rows.map((r) => r.id);
  const [metadata, dependents] = await Promise.all([
    metadataOf(env.db, 'block_storage_backup_metadata', ids),
    backupsWithDependents(env.db, ids),
  ]);
  const showOwner = call.can('backup:backup_project_attribute', { project_id: callProject(call) });
  return rows.map((b) =>
    backupDetailView(call, b, {
      metadata: metadata.get(b.id) ?? {},
      hasDependents: dependents.has(b.id),
      showOwner,
    }),
  );
}

interface BackupAction {
  readonly policy: string;
  readonly schema: TSchema;
  readonly handler: (call: ApiCall, backup: BackupRow, body: never) => Promise<void>;
}

function backupActionRoutes(env: BlockStorageEnv): RouteSpec[] {
  const actions: Record<string, BackupAction> = {
    'os-reset_status': {
      policy: 'volume_extension:backup_admin_actions:reset_status',
      schema: Type.Object(
        { status: Type.Union(BACKUP_RESET_STATUSES.map((s) => Type.Literal(s))) },
        { additionalProperties: false },
      ),
      handler: (_call, b, body: { status: string }) => resetBackupStatus(env, b, body.status),
    },
    'os-force_delete': {
      policy: 'volume_extension:backup_admin_actions:force_delete',
      schema: Type.Unknown(),
      handler: (call, b) => deleteBackup(env, callerOf(call), b, { force: true }),
    },
  };
  const validators = new Map<string, Validator>(
    Object.entries(actions).map(([name, a]) => [
      name,
      compileValidator(
        Type.Object({ [name]: a.schema }, { required: [name], additionalProperties: false }),
        'body',
      ),
    ]),
  );
  const actionOf = (call: ApiCall): [string, BackupAction] => {
    const body = call.body;
    if (
      body === null ||
      typeof body !== 'object' ||
      Array.isArray(body) ||
      Object.keys(body).length !== 1
    ) {
      throw badRequest('Malformed request body', 'block_storage.malformed_action');
    }
    const name = Object.keys(body)[0]!;
    const action = actions[name];
    if (!action) {
      throw badRequest(
        `There is no such action: ${name}. Verify the request body and Content-Type header and try again.`,
        'block_storage.no_such_action',
      );
    }
    validators.get(name)!(body, 'body');
    return [name, action];
  };
  return projectScoped('/backups/:backup_id/action', {
    method: 'POST',
    status: 202,
    schema: { body: Type.Unknown(), params: BackupParams },
    policy: {
      rules: Object.values(actions).map((a) => a.policy),
      choose: (call) => actionOf(call as unknown as ApiCall)[1].policy,
    },
    async target(call) {
      const c = call as unknown as ApiCall;
      actionOf(c);
      return backupTarget(await visibleBackup(env, c, call.params.backup_id));
    },
    async handler(call) {
      const c = call as unknown as ApiCall;
      const [name, action] = actionOf(c);
      await action.handler(
        c,
        await visibleBackup(env, c, call.params.backup_id),
        (call.body as Record<string, never>)[name]!,
      );
    },
  });
}

/** Backups: create (full, incremental, from a snapshot), lists, show, update, delete, restore, actions, records. */
export function backupRoutes(env: BlockStorageEnv): RouteSpec[] {
  const list = (detail: boolean) =>
    projectScoped(detail ? '/backups/detail' : '/backups', {
      method: 'GET',
      policy: 'backup:get_all',
      schema: { params: ProjectParams },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const params = parseCinderList(c, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        const filters: BackupFilters = {
          projectId: params.allTenants && isAdminCall(c) ? undefined : callProject(c),
          status: singleFilter(call.query, 'status'),
          volumeId: singleFilter(call.query, 'volume_id'),
          name: singleFilter(call.query, 'name'),
        };
        let marker: BackupRow | undefined;
        if (params.markerId !== undefined) {
          marker = await getBackup(env.db, params.markerId);
          if (
            !marker ||
            (filters.projectId !== undefined && marker.project_id !== filters.projectId)
          ) {
            throw blockStorageErrors.backupNotFound(params.markerId);
          }
        }
        const rows = await listBackups(env.db, filters, listWindow(params, marker));
        const body: Record<string, unknown> = {
          backups: detail
            ? await detailViews(env, c, rows)
            : rows.map((b) => backupSummaryView(c, b)),
        };
        const links = collectionLinks(c, params, rows);
        if (links) body.backups_links = links;
        if (params.withCount) body.count = await countBackups(env.db, filters);
        return body;
      },
    });
  const create = (versions: { min?: string; max?: string }, body: TSchema) =>
    projectScoped('/backups', {
      method: 'POST',
      policy: 'backup:create',
      status: 202,
      versions,
      schema: { body, params: ProjectParams },
      async target(call) {
        const input = (call.body as { backup: { volume_id: string } }).backup;
        return volumeTarget(await visibleVolume(env, call as unknown as ApiCall, input.volume_id));
      },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const input = (call.body as { backup: Record<string, unknown> }).backup as {
          volume_id: string;
          container?: string | null;
          description?: string | null;
          incremental?: boolean | string;
          force?: boolean | string;
          name?: string | null;
          snapshot_id?: string | null;
          metadata?: Metadata | null;
          availability_zone?: string | null;
        };
        const volume = await visibleVolume(env, c, input.volume_id);
        const snapshot = input.snapshot_id
          ? await visibleSnapshot(env, c, input.snapshot_id)
          : undefined;
        const backup = await createBackup(env, callerOf(c), volume, {
          name: input.name ?? null,
          description: input.description ?? null,
          container: input.container ?? null,
          incremental: input.incremental === undefined ? false : cinderBool(input.incremental),
          force: input.force === undefined ? false : cinderBool(input.force),
          snapshot,
          metadata: input.metadata ?? {},
          availabilityZone: input.availability_zone ?? null,
        });
        return { backup: backupSummaryView(c, backup) };
      },
    });
  const update = (versions: { min?: string; max?: string }, body: TSchema) =>
    projectScoped('/backups/:backup_id', {
      method: 'PUT',
      policy: 'backup:update',
      versions,
      schema: { body, params: BackupParams },
      target: async (call) =>
        backupTarget(await visibleBackup(env, call as unknown as ApiCall, call.params.backup_id)),
      async handler(call) {
        const c = call as unknown as ApiCall;
        const b = await visibleBackup(env, c, call.params.backup_id);
        const input = ((call.body as { backup: Record<string, unknown> | null }).backup ?? {}) as {
          name?: string | null;
          description?: string | null;
          metadata?: Metadata;
        };
        const patch: Partial<BackupRow> = { updated_at: toDbTime(env.now()) };
        if (input.name !== undefined) patch.name = input.name;
        if (input.description !== undefined) patch.description = input.description;
        await env.db.transaction().execute(async (trx) => {
          await updateBackup(trx, b.id, patch);
          if (input.metadata !== undefined)
            await replaceMetadata(trx, 'block_storage_backup_metadata', b.id, input.metadata);
        });
        const view: Record<string, unknown> = backupSummaryView(c, { ...b, ...patch });
        if (input.metadata !== undefined) view.metadata = input.metadata;
        return { backup: view };
      },
    });
  return [
    ...list(false),
    ...list(true),
    ...create({ max: '3.42' }, CreateBody),
    ...create({ min: '3.43', max: '3.50' }, CreateBodyV343),
    ...create({ min: '3.51' }, CreateBodyV351),
    ...projectScoped('/backups/:backup_id', {
      method: 'GET',
      policy: 'backup:get',
      schema: { params: BackupParams },
      target: async (call) =>
        backupTarget(await visibleBackup(env, call as unknown as ApiCall, call.params.backup_id)),
      async handler(call) {
        const c = call as unknown as ApiCall;
        const [view] = await detailViews(env, c, [
          await visibleBackup(env, c, call.params.backup_id),
        ]);
        return { backup: view };
      },
    }),
    ...update({ min: '3.9', max: '3.42' }, UpdateBody),
    ...update({ min: '3.43' }, UpdateBodyV343),
    ...projectScoped('/backups/:backup_id', {
      method: 'DELETE',
      policy: 'backup:delete',
      status: 202,
      schema: { params: BackupParams },
      target: async (call) =>
        backupTarget(await visibleBackup(env, call as unknown as ApiCall, call.params.backup_id)),
      async handler(call) {
        const c = call as unknown as ApiCall;
        await deleteBackup(env, callerOf(c), await visibleBackup(env, c, call.params.backup_id), {
          force: false,
        });
      },
    }),
    ...projectScoped('/backups/:backup_id/restore', {
      method: 'POST',
      policy: 'backup:restore',
      status: 202,
      schema: { body: RestoreBody, params: BackupParams },
      target: async (call) =>
        backupTarget(await visibleBackup(env, call as unknown as ApiCall, call.params.backup_id)),
      async handler(call) {
        const c = call as unknown as ApiCall;
        const backup = await visibleBackup(env, c, call.params.backup_id);
        const input = call.body.restore ?? {};
        const volume = input.volume_id ? await visibleVolume(env, c, input.volume_id) : undefined;
        return restoreView(
          await restoreBackup(env, callerOf(c), backup, { volume, name: input.name ?? null }),
        );
      },
    }),
    ...backupActionRoutes(env),
    ...projectScoped('/backups/:backup_id/export_record', {
      method: 'GET',
      policy: 'backup:export-import',
      schema: { params: BackupParams },
      target: async (call) =>
        backupTarget(await visibleBackup(env, call as unknown as ApiCall, call.params.backup_id)),
      async handler(call) {
        const c = call as unknown as ApiCall;
        const b = await visibleBackup(env, c, call.params.backup_id);
        assertBackupService(env);
        const metadata =
          (await metadataOf(env.db, 'block_storage_backup_metadata', [b.id])).get(b.id) ?? {};
        return { 'backup-record': exportBackupRecord(env.backup!, b, metadata) };
      },
    }),
    ...projectScoped('/backups/import_record', {
      method: 'POST',
      policy: 'backup:backup-import',
      status: 201,
      schema: { body: ImportBody, params: ProjectParams },
      async handler(call) {
        const c = call as unknown as ApiCall;
        assertBackupService(env);
        const record = call.body['backup-record'];
        const row = await importBackupRecord(
          env,
          env.backup!,
          callerOf(c),
          record.backup_service,
          record.backup_url,
        );
        return { backup: backupSummaryView(c, row) };
      },
    }),
  ];
}
