import type { AssignmentNames } from '../store/assignment-names.ts';
import type { RoleAssignment } from '../store/effective-roles.ts';

type Json = Record<string, unknown>;

function named(id: string, names: AssignmentNames | undefined, kind: 'users' | 'groups'): Json {
  if (!names) return { id };
  const entity = names[kind].get(id);
  // Keystone shows empty names for an actor that is gone but still has assignments.
  if (!entity) return { id, name: '', domain: { id: '', name: '' } };
  return {
    id,
    name: entity.name,
    domain: { id: entity.domainId, name: names.projects.get(entity.domainId)?.name ?? '' },
  };
}

function scopeView(a: RoleAssignment, names: AssignmentNames | undefined): Json {
  const s = a.scope;
  if (s.kind === 'system') return { system: { all: true } };
  if (s.kind === 'domain') {
    return {
      domain: names ? { id: s.id, name: names.projects.get(s.id)?.name ?? '' } : { id: s.id },
    };
  }
  if (!names) return { project: { id: s.id } };
  const p = names.projects.get(s.id);
  const domainId = p?.domainId ?? '';
  return {
    project: {
      id: s.id,
      name: p?.name ?? '',
      domain: { id: domainId, name: names.projects.get(domainId)?.name ?? '' },
    },
  };
}

function roleRef(roleId: string, names: AssignmentNames | undefined): Json {
  if (!names) return { id: roleId };
  const r = names.roles.get(roleId);
  const out: Json = { id: roleId, name: r?.name ?? '' };
  if (r?.domainId)
    out.domain = { id: r.domainId, name: names.projects.get(r.domainId)?.name ?? '' };
  return out;
}

/**
 * One entry of GET /v3/role_assignments, shaped as Keystone formats it: `links.assignment`
 * names the grant the assignment comes from (the group's, the parent's or domain's
 * inherited one, the prior role's), `links.membership` the group membership that brought
 * it to the user.
 */
export function roleAssignmentView(
  a: RoleAssignment,
  baseUrl: string,
  names?: AssignmentNames,
): Json {
  const links: Json = {};
  const out: Json = { scope: scopeView(a, names) };
  let path: string;
  let inherited = a.inherited;
  const s = a.scope;
  if (s.kind === 'project') {
    if (a.indirect.domainId !== undefined) {
      inherited = true;
      path = `/domains/${a.indirect.domainId}`;
    } else if (a.indirect.projectId !== undefined) {
      inherited = true;
      path = `/projects/${a.indirect.projectId}`;
    } else {
      path = `/projects/${s.id}`;
    }
  } else if (s.kind === 'domain') {
    path = `/domains/${s.id}`;
  } else {
    path = '/system';
  }
  if (a.actor.kind === 'user') {
    out.user = named(a.actor.id, names, 'users');
    if (a.indirect.groupId !== undefined) {
      links.membership = `${baseUrl}/v3/groups/${a.indirect.groupId}/users/${a.actor.id}`;
      path += `/groups/${a.indirect.groupId}`;
    } else {
      path += `/users/${a.actor.id}`;
    }
  } else {
    out.group = named(a.actor.id, names, 'groups');
    path += `/groups/${a.actor.id}`;
  }
  out.role = roleRef(a.roleId, names);
  path += `/roles/${a.indirect.roleId ?? a.roleId}`;
  if (inherited) {
    (out.scope as Json)['OS-INHERIT:inherited_to'] = 'projects';
    path = `/OS-INHERIT${path}/inherited_to_projects`;
  }
  links.assignment = `${baseUrl}/v3${path}`;
  if (a.indirect.roleId !== undefined) {
    // Keystone's link reads implied-then-prior; clients compare it verbatim, so it stays.
    links.prior_role = `${baseUrl}/v3/prior_role/${a.roleId}/implies/${a.indirect.roleId}`;
  }
  out.links = links;
  return out;
}
