import { Type } from 'typebox';
import {
  compareMicroversions,
  parseMicroversion,
  type ApiCall,
  type RouteSpec,
} from '../../../core/http/index.ts';
import { catalogErrors } from '../catalog-errors.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  createGroup,
  createGroupFromSource,
  deleteGroup,
  updateGroupMembers,
  visibleGroup,
} from '../groups/group-operations.ts';
import {
  getGroup,
  groupVolumeIds,
  groupVolumeTypeIds,
  listGroups,
  updateGroup,
  type GroupRow,
} from '../store/groups.ts';
import { getGroupType } from '../store/group-types.ts';
import { CinderBool, cinderBool, Description, NullableName, Uuid } from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { groupDetail, groupSummary, listsVolumes } from './group-views.ts';
import { groupSnapshotRoutes } from './group-snapshot-routes.ts';
import { groupTypeRoutes } from './group-type-routes.ts';
import { projectScoped } from './project-paths.ts';
import { callerOf } from './volume-call.ts';

/** Generic volume groups arrived in 3.13; create-from-src in 3.14; reset_status in 3.20. */
const VERSIONS = { min: '3.13' };
const GROUP_STATUSES = [
  'error',
  'available',
  'creating',
  'deleting',
  'deleted',
  'updating',
  'in-use',
  'error_deleting',
];

const GroupParams = Type.Object({ group_id: Type.String({ minLength: 1, maxLength: 255 }) });
const CreateBody = Type.Object(
  {
    group: Type.Object(
      {
        description: Type.Optional(Description),
        group_type: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
        name: Type.Optional(NullableName),
        volume_types: Type.Array(Type.String({ maxLength: 255 }), {
          minItems: 1,
          uniqueItems: true,
        }),
        availability_zone: Type.Optional(
          Type.Union([Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }), Type.Null()]),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const FromSourceBody = Type.Object(
  {
    'create-from-src': Type.Union([
      Type.Object(
        {
          description: Type.Optional(Description),
          name: Type.Optional(NullableName),
          group_snapshot_id: Uuid,
          source_group_id: Type.Optional(Type.Null()),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          description: Type.Optional(Description),
          name: Type.Optional(NullableName),
          source_group_id: Uuid,
          group_snapshot_id: Type.Optional(Type.Null()),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    group: Type.Object(
      {
        description: Type.Optional(Description),
        name: Type.Optional(NullableName),
        add_volumes: Type.Optional(Description),
        remove_volumes: Type.Optional(Description),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);
const ActionBody = Type.Union([
  Type.Object(
    {
      delete: Type.Object(
        { 'delete-volumes': Type.Optional(CinderBool) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      reset_status: Type.Object(
        { status: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object({ enable_replication: Type.Object({}) }, { additionalProperties: false }),
  Type.Object({ disable_replication: Type.Object({}) }, { additionalProperties: false }),
  Type.Object({ failover_replication: Type.Object({}) }, { additionalProperties: false }),
  Type.Object({ list_replication_targets: Type.Object({}) }, { additionalProperties: false }),
]);

const ACTION_RULES: Record<string, string> = {
  delete: 'group:delete',
  reset_status: 'group:reset_status',
  enable_replication: 'group:enable_replication',
  disable_replication: 'group:disable_replication',
  failover_replication: 'group:failover_replication',
  list_replication_targets: 'group:list_replication_targets',
};
/** The microversion each group action arrived in. */
const ACTION_SINCE: Record<string, string> = {
  delete: '3.13',
  reset_status: '3.20',
  enable_replication: '3.38',
  disable_replication: '3.38',
  failover_replication: '3.38',
  list_replication_targets: '3.38',
};

const SORT_COLUMNS = {
  created_at: { column: 'created_at' },
  id: { column: 'id' },
  name: { column: 'name', nullable: true },
  status: { column: 'status' },
  availability_zone: { column: 'availability_zone' },
  group_type_id: { column: 'group_type_id' },
};

function actionOf(body: unknown): string {
  return Object.keys((body && typeof body === 'object' ? body : {}) as object)[0] ?? '';
}

function versionAtLeast(call: ApiCall, version: string): boolean {
  return (
    call.microversion !== undefined &&
    compareMicroversions(call.microversion, parseMicroversion(version)!) >= 0
  );
}

async function listGroupsCall(env: BlockStorageEnv, call: ApiCall, detail: boolean) {
  const caller = callerOf(call);
  const params = parseCinderList(call, {
    sortColumns: SORT_COLUMNS,
    maxLimit: env.settings.osapi_max_limit,
  });
  let marker: GroupRow | undefined;
  if (params.markerId !== undefined) {
    marker = await getGroup(env.db, params.markerId);
    if (!marker) throw blockStorageErrors.groupNotFound(params.markerId);
  }
  const rows = await listGroups(
    env.db,
    {
      projectId: caller.isAdmin && params.allTenants ? undefined : caller.projectId,
      name: singleFilter(call.query, 'name'),
      status: singleFilter(call.query, 'status'),
      groupTypeId:
        singleFilter(call.query, 'group_type') ?? singleFilter(call.query, 'group_type_id'),
      availabilityZone: singleFilter(call.query, 'availability_zone'),
    },
    listWindow(params, marker),
  );
  let groups: Array<Record<string, unknown>>;
  if (detail) {
    const ids = rows.map((g) => g.id);
    const types = await groupVolumeTypeIds(env.db, ids);
    const volumes = listsVolumes(call) ? await groupVolumeIds(env.db, ids) : undefined;
    groups = rows.map((g) => groupDetail(call, g, types.get(g.id)!, volumes?.get(g.id)));
  } else {
    groups = rows.map(groupSummary);
  }
  const body: Record<string, unknown> = { groups };
  const links = call.query.limit !== undefined ? collectionLinks(call, params, rows) : undefined;
  if (links) body.group_links = links;
  return body;
}

/** Generic volume groups (3.13+) with their types (3.11+) and snapshots (3.14+). */
export function groupRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...groupTypeRoutes(env),
    ...groupSnapshotRoutes(env),
    ...projectScoped('/groups', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:get_all',
      handler: (call) => listGroupsCall(env, call, false),
    }),
    ...projectScoped('/groups/detail', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:get_all',
      handler: (call) => listGroupsCall(env, call, true),
    }),
    ...projectScoped('/groups/:group_id', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:get',
      schema: { params: GroupParams },
      async handler(call) {
        const g = await visibleGroup(env, callerOf(call), call.params.group_id);
        const types = (await groupVolumeTypeIds(env.db, [g.id])).get(g.id)!;
        const volumes = listsVolumes(call)
          ? (await groupVolumeIds(env.db, [g.id])).get(g.id)
          : undefined;
        return { group: groupDetail(call, g, types, volumes) };
      },
    }),
    ...projectScoped('/groups', {
      method: 'POST',
      versions: VERSIONS,
      policy: 'group:create',
      schema: { body: CreateBody },
      status: 202,
      async handler(call) {
        const input = call.body.group;
        const g = await createGroup(env, callerOf(call), {
          name: input.name?.trim() ?? null,
          description: input.description?.trim() ?? null,
          groupType: input.group_type.trim(),
          volumeTypes: input.volume_types,
          availabilityZone: input.availability_zone?.trim() ?? null,
        });
        return { group: groupSummary(g) };
      },
    }),
    ...projectScoped('/groups/action', {
      method: 'POST',
      versions: { min: '3.14' },
      policy: 'group:create',
      schema: { body: FromSourceBody },
      status: 202,
      async handler(call) {
        const input = call.body['create-from-src'];
        const g = await createGroupFromSource(env, callerOf(call), {
          name: input.name?.trim() ?? null,
          description: input.description?.trim() ?? null,
          groupSnapshotId: input.group_snapshot_id ?? undefined,
          sourceGroupId: input.source_group_id ?? undefined,
        });
        return { group: groupSummary(g) };
      },
    }),
    ...projectScoped('/groups/:group_id', {
      method: 'PUT',
      versions: VERSIONS,
      policy: 'group:update',
      schema: { params: GroupParams, body: UpdateBody },
      status: 202,
      async handler(call) {
        const input = call.body.group;
        const g = await visibleGroup(env, callerOf(call), call.params.group_id, 'group:update');
        await updateGroupMembers(env, g, {
          name: input.name?.trim(),
          description: input.description?.trim(),
          addVolumes: input.add_volumes,
          removeVolumes: input.remove_volumes,
        });
        return undefined;
      },
    }),
    ...projectScoped('/groups/:group_id/action', {
      method: 'POST',
      versions: VERSIONS,
      policy: {
        rules: Object.values(ACTION_RULES),
        choose: (call) => ACTION_RULES[actionOf(call.body)] ?? 'group:delete',
      },
      schema: { params: GroupParams, body: ActionBody },
      status: 202,
      async handler(call) {
        const action = actionOf(call.body);
        if (!versionAtLeast(call, ACTION_SINCE[action] ?? '3.13'))
          throw blockStorageErrors.invalid(`There is no such action: ${action}`);
        const caller = callerOf(call);
        const body = call.body as Record<string, Record<string, unknown>>;
        const g = await visibleGroup(env, caller, call.params.group_id, ACTION_RULES[action]);
        if (!(await getGroupType(env.db, g.group_type_id)))
          throw blockStorageErrors.groupTypeNotFound(g.group_type_id);
        switch (action) {
          case 'delete':
            await deleteGroup(
              env,
              caller,
              g,
              cinderBool((body.delete!['delete-volumes'] as boolean | string | undefined) ?? false),
            );
            return undefined;
          case 'reset_status': {
            const status = String(body.reset_status!.status).trim().toLowerCase();
            if (!GROUP_STATUSES.includes(status)) {
              throw blockStorageErrors.invalid(
                `Invalid group status: Group status: ${status} is invalid, valid statuses are: ${GROUP_STATUSES.join(', ')}.`,
              );
            }
            await updateGroup(env.db, g.id, { status });
            return undefined;
          }
          default:
            // No backend replicates groups: every group type is a non-replication one.
            throw catalogErrors.invalidInput(`Group ${g.id} is not a replication group type.`);
        }
      },
    }),
  ];
}
