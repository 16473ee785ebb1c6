import { Type, type TSchema } from 'typebox';
import { badRequest, notImplemented } from '../../../core/errors/index.ts';
import {
  compileValidator,
  type ApiCall,
  type RouteSpec,
  type Validator,
} from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import type { SnapshotRow } from '../store/snapshots.ts';
import {
  deleteSnapshot,
  resetSnapshotStatus,
  SNAPSHOT_STATUSES,
  updateSnapshotStatus,
} from '../snapshots/snapshot-lifecycle.ts';
import { Description, NullableName, specsObject, Uuid } from './catalog-schemas.ts';
import { projectScoped } from './project-paths.ts';
import { snapshotTarget, visibleSnapshot } from './snapshot-access.ts';
import { callerOf } from './volume-call.ts';

interface SnapshotAction {
  readonly policy: string;
  readonly schema: TSchema;
  readonly handler: (call: ApiCall, snapshot: SnapshotRow, body: never) => Promise<void>;
}

const ManageBody = Type.Object(
  {
    snapshot: Type.Object(
      {
        name: Type.Optional(NullableName),
        description: Type.Optional(Description),
        metadata: Type.Optional(Type.Union([specsObject('^[a-zA-Z0-9-_:. /]{1,255}$'), Type.Null()])),
        volume_id: Uuid,
        ref: Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()]),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const StatusEnum = Type.Union(SNAPSHOT_STATUSES.map((s) => Type.Literal(s)));

/** POST /snapshots/{id}/action, one action per body as Cinder's snapshot actions take them. */
function snapshotActions(env: BlockStorageEnv): Record<string, SnapshotAction> {
  return {
    'os-reset_status': {
      policy: 'volume_extension:snapshot_admin_actions:reset_status',
      schema: Type.Object({ status: StatusEnum }, { additionalProperties: false }),
      handler: (_call, s, body: { status: string }) => resetSnapshotStatus(env, s, body.status),
    },
    'os-force_delete': {
      policy: 'volume_extension:snapshot_admin_actions:force_delete',
      schema: Type.Unknown(),
      handler: (call, s) => deleteSnapshot(env, callerOf(call), s, { force: true }),
    },
    'os-update_snapshot_status': {
      policy: 'snapshot_extension:snapshot_actions:update_snapshot_status',
      schema: Type.Object(
        { status: Type.String(), progress: Type.Optional(Type.String({ maxLength: 8 })) },
        { additionalProperties: false },
      ),
      handler: (_call, s, body: { status: string; progress?: string }) =>
        updateSnapshotStatus(env, s, body.status, body.progress),
    },
    'os-unmanage': {
      policy: 'snapshot_extension:snapshot_unmanage',
      schema: Type.Unknown(),
      handler: () =>
        Promise.reject(notImplemented('Unmanaging snapshots is not supported by this cloud.')),
    },
  };
}

const ProjectParams = Type.Object({ project_id: Type.Optional(Type.String()) });
const Params = Type.Object({
  project_id: Type.Optional(Type.String()),
  snapshot_id: Type.String(),
});

/** Snapshot actions, and the manage API, whose answer is that snapshots cannot be adopted. */
export function snapshotActionRoutes(env: BlockStorageEnv): RouteSpec[] {
  const actions = snapshotActions(env);
  const validators = new Map<string, Validator>(
    Object.entries(actions).map(([name, a]) => [
      name,
      compileValidator(
        Type.Object({ [name]: a.schema }, { required: [name], additionalProperties: false }),
        'body',
      ),
    ]),
  );
  const actionOf = (call: ApiCall): [string, SnapshotAction] => {
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
  return [
    ...projectScoped('/snapshots/:snapshot_id/action', {
      method: 'POST',
      status: 202,
      schema: { body: Type.Unknown(), params: Params },
      policy: {
        rules: Object.values(actions).map((a) => a.policy),
        choose: (call) => actionOf(call as unknown as ApiCall)[1].policy,
      },
      async target(call) {
        const c = call as unknown as ApiCall;
        actionOf(c);
        return snapshotTarget(await visibleSnapshot(env, c, call.params.snapshot_id));
      },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const [name, action] = actionOf(c);
        const snapshot = await visibleSnapshot(env, c, call.params.snapshot_id);
        await action.handler(c, snapshot, (call.body as Record<string, never>)[name]!);
      },
    }),
    ...projectScoped('/manageable_snapshots', {
      method: 'POST',
      policy: 'snapshot_extension:snapshot_manage',
      // Cinder's snapshot_manage.create schema: a bad body is 400 before the feature is refused.
      schema: { body: ManageBody, params: ProjectParams },
      handler: () => {
        throw notImplemented('Managing existing backend snapshots is not supported by this cloud.');
      },
    }),
    ...(['/manageable_snapshots', '/manageable_snapshots/detail'] as const).flatMap((path) =>
      projectScoped(path, {
        method: 'GET',
        policy: 'snapshot_extension:list_manageable',
        versions: { min: '3.8' },
        schema: { params: ProjectParams },
        // Nothing on the backends exists outside block storage's own records.
        handler: () => ({ 'manageable-snapshots': [] }),
      }),
    ),
  ];
}
