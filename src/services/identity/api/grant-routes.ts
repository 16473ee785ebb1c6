import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import {
  addGrant,
  grantedRoleIds,
  hasGrant,
  removeGrant,
  type ActorKind,
} from '../store/assignments.ts';
import { rolesByIds } from '../store/roles.ts';
import { linkBase } from './base-url.ts';
import {
  grantOf,
  grantParties,
  grantPolicyTarget,
  scopeOf,
  targetIdOf,
  type GrantParties,
  type GrantTargetKind,
  type GrantUrl,
} from './grant-parties.ts';
import { roleErrors } from './role-errors.ts';
import { deleteApplicationCredentialsOfUser } from '../store/application-credentials.ts';
import { effectiveRoles } from '../store/effective-roles.ts';
import { roleView } from './role-views.ts';
import { collection } from './views.ts';

/** The URL of one family of grants: /v3[/OS-INHERIT]/{projects|domains}/{id}/{users|groups}/{id}/roles. */
/**
 * Keystone deletes a user's application credentials for a project once the user holds no
 * role there any more: they could never authenticate again, and should not linger.
 */
async function dropOrphanedApplicationCredentials(env: IdentityEnv, p: GrantParties): Promise<void> {
  if (p.actor.kind !== 'user' || p.target.kind !== 'project') return;
  const project = p.target.project;
  if ((await effectiveRoles(env.db, p.actor.id, { kind: 'project', project })).length === 0) {
    await deleteApplicationCredentialsOfUser(env.db, p.actor.id, project.id);
  }
}

function rolesUrl(target: 'project' | 'domain', actor: ActorKind, inherited: boolean): string {
  const t = target === 'project' ? 'projects/:project_id' : 'domains/:domain_id';
  const a = actor === 'user' ? 'users/:user_id' : 'groups/:group_id';
  return `/v3${inherited ? '/OS-INHERIT' : ''}/${t}/${a}/roles`;
}

function paramsSchema(target: GrantTargetKind, actor: ActorKind, withRole: boolean) {
  return Type.Object({
    ...(target === 'project'
      ? { project_id: Type.String() }
      : target === 'domain'
        ? { domain_id: Type.String() }
        : {}),
    ...(actor === 'user' ? { user_id: Type.String() } : { group_id: Type.String() }),
    ...(withRole ? { role_id: Type.String() } : {}),
  });
}

/** The request path below /v3/, for collection self links. */
export function pathBelowV3(call: ApiCall): string {
  return (call.request.url.split('?')[0] ?? '').replace(/^\/v3\//, '');
}

interface GrantFamily extends GrantUrl {
  readonly inherited: boolean;
  /** The roles collection URL; one grant is `${url}/:role_id` (+ /inherited_to_projects). */
  readonly url: string;
  readonly listUrl?: string | undefined;
  readonly rules: {
    readonly check: string;
    readonly create: string;
    readonly revoke: string;
    readonly list: string;
  };
}

const PROJECT_DOMAIN_RULES = {
  check: 'identity:check_grant',
  create: 'identity:create_grant',
  revoke: 'identity:revoke_grant',
  list: 'identity:list_grants',
};

/** GET/HEAD, PUT and DELETE of one grant, and the list of an actor's grants, for one URL family. */
function grantFamily(env: IdentityEnv, spec: GrantFamily): RouteSpec[] {
  const parties = grantParties(spec);
  const partiesForDelete = grantParties({ ...spec, allowMissingActor: true });
  const suffix = spec.inherited ? '/inherited_to_projects' : '';
  const one = `${spec.url}/:role_id${suffix}`;
  const params = paramsSchema(spec.target, spec.actor, true);
  const target = async (call: ApiCall) => grantPolicyTarget(await parties(env, call));

  const check = async (call: ApiCall) => {
    const p = await parties(env, call);
    if (!(await hasGrant(env.db, grantOf(p, spec.inherited)))) {
      throw roleErrors.assignmentNotFound(p.role!.id, p.actor.id, targetIdOf(p));
    }
    return undefined;
  };
  const routes: RouteSpec[] = [
    defineRoute({
      method: ['HEAD', 'GET'],
      url: one,
      policy: spec.rules.check,
      schema: { params },
      target,
      status: 204,
      handler: check,
    }),
    defineRoute({
      method: 'PUT',
      url: one,
      policy: spec.rules.create,
      schema: { params },
      target,
      status: 204,
      async handler(call) {
        const p = await parties(env, call);
        assertRoleFitsTarget(p);
        await addGrant(env.db, grantOf(p, spec.inherited));
        return undefined;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: one,
      policy: spec.rules.revoke,
      schema: { params },
      target: async (call) => grantPolicyTarget(await partiesForDelete(env, call)),
      status: 204,
      async handler(call) {
        const p = await partiesForDelete(env, call);
        if (!(await removeGrant(env.db, grantOf(p, spec.inherited)))) {
          throw roleErrors.assignmentNotFound(p.role!.id, p.actor.id, targetIdOf(p));
        }
        await dropOrphanedApplicationCredentials(env, p);
        return undefined;
      },
    }),
  ];
  if (spec.listUrl !== undefined) {
    routes.push(
      defineRoute({
        method: 'GET',
        url: spec.listUrl,
        policy: spec.rules.list,
        schema: { params: paramsSchema(spec.target, spec.actor, false) },
        target,
        async handler(call) {
          const p = await parties(env, call);
          const ids = await grantedRoleIds(
            env.db,
            { kind: p.actor.kind, id: p.actor.id },
            scopeOf(p),
            spec.inherited,
          );
          const base = linkBase(env, call);
          const roles = await rolesByIds(env.db, ids);
          return collection(
            'roles',
            roles.map((r) => roleView(r, base)),
            { baseUrl: base, path: pathBelowV3(call) },
          );
        },
      }),
    );
  }
  return routes;
}

/** A domain-specific role is assignable only on projects of its own domain, never on the system. */
function assertRoleFitsTarget(p: GrantParties): void {
  const role = p.role!;
  if (role.domainId !== null && p.target.kind === 'system')
    throw roleErrors.domainRoleOnSystem(role.id);
  if (
    role.domainId !== null &&
    p.target.kind === 'project' &&
    p.target.project.domainId !== role.domainId
  ) {
    throw roleErrors.domainRoleMismatch(p.target.project.id, role.id);
  }
}

export function grantRoutes(env: IdentityEnv): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const target of ['project', 'domain'] as const) {
    for (const actor of ['user', 'group'] as const) {
      const url = rolesUrl(target, actor, false);
      routes.push(
        ...grantFamily(env, {
          target,
          actor,
          inherited: false,
          url,
          listUrl: url,
          rules: PROJECT_DOMAIN_RULES,
        }),
      );
      // OS-INHERIT: grants a domain or project passes down to the projects below it. Only
      // domains have the list form, as in Keystone.
      const inheritedUrl = rolesUrl(target, actor, true);
      routes.push(
        ...grantFamily(env, {
          target,
          actor,
          inherited: true,
          url: inheritedUrl,
          listUrl: target === 'domain' ? `${inheritedUrl}/inherited_to_projects` : undefined,
          rules: PROJECT_DOMAIN_RULES,
        }),
      );
    }
  }
  for (const actor of ['user', 'group'] as const) {
    const url = `/v3/system/${actor === 'user' ? 'users/:user_id' : 'groups/:group_id'}/roles`;
    const r = (verb: string) =>
      `identity:${verb}_system_grant${verb === 'list' ? 's' : ''}_for_${actor}`;
    routes.push(
      ...grantFamily(env, {
        target: 'system',
        actor,
        inherited: false,
        url,
        listUrl: url,
        rules: { check: r('check'), create: r('create'), revoke: r('revoke'), list: r('list') },
      }),
    );
  }
  return routes;
}
