import type { ApiCall } from '../../../core/http/index.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityEnv } from '../env.ts';
import type { ActorKind, Grant, ScopeRef } from '../store/assignments.ts';
import { getGroup, type Group } from '../store/groups.ts';
import { getDomain, getProject, type Project } from '../store/projects.ts';
import { getRole, type Role } from '../store/roles.ts';
import { getUser, type User } from '../store/users.ts';
import { memoPerRequest } from './role-memo.ts';

/** The kinds of target a grant URL names. */
export type GrantTargetKind = 'project' | 'domain' | 'system';

/** Everything a grant URL names, loaded; an entity is undefined only where allowed to be missing. */
export interface GrantParties {
  readonly role?: Role;
  readonly actor: { readonly kind: ActorKind; readonly id: string; readonly entity?: User | Group };
  readonly target:
    | { readonly kind: 'project'; readonly project: Project }
    | { readonly kind: 'domain'; readonly domain: Project }
    | { readonly kind: 'system' };
}

export interface GrantUrl {
  readonly target: GrantTargetKind;
  readonly actor: ActorKind;
  /** DELETE may name a user or group that is gone, to clean its grants up (Keystone allows it). */
  readonly allowMissingActor?: boolean;
}

type GrantParams = {
  role_id?: string;
  user_id?: string;
  group_id?: string;
  project_id?: string;
  domain_id?: string;
};

/**
 * Loads role, actor and target in Keystone's order, each missing one a 404 named after it.
 * Shared by the policy target and the handler of one request.
 */
export function grantParties(
  spec: GrantUrl,
): (env: IdentityEnv, call: ApiCall) => Promise<GrantParties> {
  return memoPerRequest(async (env, call) => {
    const p = call.params as GrantParams;
    let role: Role | undefined;
    if (p.role_id !== undefined) {
      role = await getRole(env.db, p.role_id);
      if (!role) throw identityErrors.roleNotFound(p.role_id);
    }
    const actorId = (spec.actor === 'user' ? p.user_id : p.group_id) ?? '';
    const entity =
      spec.actor === 'user' ? await getUser(env.db, actorId) : await getGroup(env.db, actorId);
    if (!entity && !spec.allowMissingActor) {
      throw spec.actor === 'user'
        ? identityErrors.userNotFound(actorId)
        : identityErrors.groupNotFound(actorId);
    }
    let target: GrantParties['target'];
    if (spec.target === 'project') {
      const project = await getProject(env.db, p.project_id ?? '');
      if (!project) throw identityErrors.projectNotFound(p.project_id ?? '');
      target = { kind: 'project', project };
    } else if (spec.target === 'domain') {
      const domain = await getDomain(env.db, p.domain_id ?? '');
      if (!domain) throw identityErrors.domainNotFound(p.domain_id ?? '');
      target = { kind: 'domain', domain };
    } else {
      target = { kind: 'system' };
    }
    return { role, actor: { kind: spec.actor, id: actorId, entity }, target };
  });
}

/** The flat policy target Keystone builds for grant rules (`target.user.domain_id`, ...). */
export function grantPolicyTarget(parties: GrantParties): Record<string, unknown> {
  const t: Record<string, unknown> = {};
  if (parties.role) {
    Object.assign(t, {
      'target.role.id': parties.role.id,
      'target.role.name': parties.role.name,
      'target.role.domain_id': parties.role.domainId,
    });
  }
  const a = parties.actor;
  if (a.entity)
    Object.assign(t, {
      [`target.${a.kind}.id`]: a.entity.id,
      [`target.${a.kind}.domain_id`]: a.entity.domainId,
    });
  if (a.kind === 'user') t.user_id = a.id;
  else t.group_id = a.id;
  const target = parties.target;
  if (target.kind === 'project') {
    Object.assign(t, {
      'target.project.id': target.project.id,
      'target.project.domain_id': target.project.domainId,
    });
  } else if (target.kind === 'domain') {
    Object.assign(t, { 'target.domain.id': target.domain.id, domain_id: target.domain.id });
  }
  return t;
}

export function scopeOf(parties: GrantParties): ScopeRef {
  const t = parties.target;
  if (t.kind === 'project') return { kind: 'project', id: t.project.id };
  if (t.kind === 'domain') return { kind: 'domain', id: t.domain.id };
  return { kind: 'system' };
}

export function grantOf(parties: GrantParties, inherited: boolean): Grant {
  return {
    actor: { kind: parties.actor.kind, id: parties.actor.id },
    scope: scopeOf(parties),
    roleId: parties.role!.id,
    inherited,
  };
}

/** The id a RoleAssignmentNotFound message names for the target. */
export function targetIdOf(parties: GrantParties): string {
  const s = scopeOf(parties);
  return s.kind === 'system' ? 'system' : s.id;
}
