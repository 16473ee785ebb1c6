import { randomUUID } from 'node:crypto';
import { Type, type TSchema } from 'typebox';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { CHANGES, versionRange } from '../microversions.ts';
import { effectiveLimits } from '../quotas.ts';
import {
  deleteServerGroup,
  getServerGroup,
  insertServerGroup,
  listServerGroups,
  type ServerGroupRules,
} from '../store/server-groups.ts';
import { serverGroupView } from './server-group-views.ts';
import { callerProject, callerTarget, Name, novaRoute, queryBool, queryValue } from './params.ts';

const HARD = ['anti-affinity', 'affinity'];
const ALL_POLICIES = [...HARD, 'soft-anti-affinity', 'soft-affinity'];

const policiesBody = (allowed: readonly string[]): TSchema =>
  Type.Object(
    {
      server_group: Type.Object(
        {
          name: Name,
          policies: Type.Array(Type.String({ enum: [...allowed] }), {
            minItems: 1,
            maxItems: 1,
            uniqueItems: true,
          }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
const PositiveInteger = Type.Union([
  Type.Integer({ minimum: 1 }),
  Type.String({ pattern: '^[0-9]+$', minLength: 1 }),
]);
const policyBody = Type.Object(
  {
    server_group: Type.Object(
      {
        name: Name,
        policy: Type.String({ enum: ALL_POLICIES }),
        rules: Type.Optional(
          Type.Object(
            { max_server_per_host: Type.Optional(PositiveInteger) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const GroupParams = Type.Object({ group_id: Type.String({ minLength: 1 }) });

interface CreateInput {
  name: string;
  policies?: string[];
  policy?: string;
  rules?: { max_server_per_host?: number | string };
}

/** A non-negative integer query parameter (limit, offset), or a 400. */
function countParam(call: ApiCall, name: string): number | undefined {
  const raw = queryValue(call, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()))
    throw computeErrors.invalid(`Invalid input for query parameters ${name}. Value: ${raw}.`);
  return Number(raw);
}

async function create(env: ComputeEnv, call: ApiCall, input: CreateInput) {
  const policy = input.policy ?? input.policies![0]!;
  const rules: ServerGroupRules = {};
  if (input.rules !== undefined && Object.keys(input.rules).length > 0) {
    if (policy !== 'anti-affinity')
      throw computeErrors.invalid('Only anti-affinity policy supports rules.');
    if (input.rules.max_server_per_host !== undefined) {
      const n = Number(input.rules.max_server_per_host);
      if (!Number.isSafeInteger(n) || n < 1)
        throw computeErrors.invalid('Invalid input for field/attribute max_server_per_host.');
      rules.max_server_per_host = n;
    }
  }
  const projectId = callerProject(call);
  const limits = await effectiveLimits(env, projectId, call.ctx.auth.userId);
  const group = await insertServerGroup(
    env.db,
    { id: randomUUID(), name: input.name, projectId, userId: call.ctx.auth.userId, policy, rules },
    limits.server_groups ?? -1,
    env.now(),
  );
  if (!group) throw computeErrors.serverGroupQuota();
  return { server_group: serverGroupView(call, group) };
}

function createRoute(
  env: ComputeEnv,
  versions: { min?: string; max?: string },
  schema: TSchema,
): RouteSpec[] {
  return novaRoute('/os-server-groups', {
    method: 'POST',
    versions,
    policy: 'os_compute_api:os-server-groups:create',
    schema: { body: schema },
    handler: (call) => create(env, call, (call.body as { server_group: CreateInput }).server_group),
  });
}

/** The group a path names, for its policy target; 404 when there is none. */
async function groupTarget(env: ComputeEnv, call: ApiCall) {
  const id = (call.params as { group_id: string }).group_id;
  const group = await getServerGroup(env.db, id);
  if (!group) throw computeErrors.serverGroupNotFound(id);
  return { project_id: group.projectId, user_id: group.userId };
}

/** os-server-groups: create (policies list before 2.64, policy and rules from it), list, show, delete. */
export function serverGroupRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...createRoute(
      env,
      versionRange(undefined, CHANGES.softServerGroupPolicies),
      policiesBody(HARD),
    ),
    ...createRoute(
      env,
      versionRange(CHANGES.softServerGroupPolicies, CHANGES.serverGroupPolicyRules),
      policiesBody(ALL_POLICIES),
    ),
    ...createRoute(env, versionRange(CHANGES.serverGroupPolicyRules, undefined), policyBody),
    ...novaRoute('/os-server-groups', {
      method: 'GET',
      policy: 'os_compute_api:os-server-groups:index',
      async handler(call) {
        // all_projects from a caller the rule refuses is ignored, as Nova does.
        const all =
          queryBool(call, 'all_projects') === true &&
          call.can('os_compute_api:os-server-groups:index:all_projects', callerTarget(call));
        const limit = Math.min(
          countParam(call, 'limit') ?? env.settings.max_limit,
          env.settings.max_limit,
        );
        const groups = await listServerGroups(env.db, {
          projectId: all ? undefined : callerProject(call),
          limit,
          offset: countParam(call, 'offset'),
        });
        return { server_groups: groups.map((g) => serverGroupView(call, g)) };
      },
    }),
    ...novaRoute('/os-server-groups/:group_id', {
      method: 'GET',
      policy: 'os_compute_api:os-server-groups:show',
      target: (call) => groupTarget(env, call as unknown as ApiCall),
      schema: { params: GroupParams },
      async handler(call) {
        const group = await getServerGroup(env.db, call.params.group_id);
        if (!group) throw computeErrors.serverGroupNotFound(call.params.group_id);
        return { server_group: serverGroupView(call, group) };
      },
    }),
    ...novaRoute('/os-server-groups/:group_id', {
      method: 'DELETE',
      status: 204,
      policy: 'os_compute_api:os-server-groups:delete',
      target: (call) => groupTarget(env, call as unknown as ApiCall),
      schema: { params: GroupParams },
      async handler(call) {
        if (!(await deleteServerGroup(env.db, call.params.group_id)))
          throw computeErrors.serverGroupNotFound(call.params.group_id);
        return undefined;
      },
    }),
  ];
}
