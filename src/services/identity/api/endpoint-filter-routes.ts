import { Type } from 'typebox';
import { notFound } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import { getEndpoint, type Endpoint } from '../store/endpoints.ts';
import {
  addProjectEndpoint,
  addProjectEndpointGroup,
  ENDPOINT_GROUP_FILTER_KEYS,
  deleteEndpointGroup,
  endpointGroupsOfProject,
  endpointsInGroup,
  endpointsOfProject,
  getEndpointGroup,
  hasProjectEndpoint,
  hasProjectEndpointGroup,
  insertEndpointGroup,
  listEndpointGroups,
  projectsOfEndpoint,
  projectsOfEndpointGroup,
  removeProjectEndpoint,
  removeProjectEndpointGroup,
  updateEndpointGroupRow,
  type EndpointGroup,
  type EndpointGroupFilters,
} from '../store/endpoint-filter.ts';
import { tagsOfProjects } from '../store/project-tags.ts';
import { getProjectRow, type Project } from '../store/projects.ts';
import { linkBase } from './base-url.ts';
import { endpointGroupView, endpointView } from './endpoint-views.ts';
import { projectView } from './project-views.ts';
import { projectAssociationRoutes } from './project-association-routes.ts';
import { listCollection } from './service-catalog-collection.ts';
import { requireMatchingId } from './service-catalog-input.ts';
import { collection, queryOf } from './views.ts';

const PREFIX = '/v3/OS-EP-FILTER';
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
const Filters = Type.Record(Type.String(), Type.Unknown());
const CreateBody = Type.Object({
  endpoint_group: Type.Object({
    name: Name,
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    filters: Filters,
  }),
});
const UpdateBody = Type.Object({
  endpoint_group: Type.Object(
    {
      name: Type.Optional(Name),
      description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      filters: Type.Optional(Filters),
    },
    { minProperties: 1 },
  ),
});
const GroupParams = Type.Object({ endpoint_group_id: Type.String() });
const ProjectParams = Type.Object({ project_id: Type.String() });
const EndpointParams = Type.Object({ endpoint_id: Type.String() });
const GroupProjectParams = Type.Object({
  endpoint_group_id: Type.String(),
  project_id: Type.String(),
});
const ProjectEndpointParams = Type.Object({
  project_id: Type.String(),
  endpoint_id: Type.String(),
});

/**
 * Keystone accepts only these filter keys; values must be what an endpoint can hold (a
 * string; an interface one of the three), or the group could never match anything.
 */
function checkFilters(filters: Readonly<Record<string, unknown>>): EndpointGroupFilters {
  if (Object.keys(filters).length === 0) {
    throw identityErrors.validation('filters field is required and cannot be empty');
  }
  for (const [key, value] of Object.entries(filters)) {
    if (!(ENDPOINT_GROUP_FILTER_KEYS as readonly string[]).includes(key)) {
      throw identityErrors.validation(
        `Expecting to find ${ENDPOINT_GROUP_FILTER_KEYS.join(' or ')} in endpoint_group. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
      );
    }
    if (
      typeof value !== 'string' ||
      (key === 'interface' && !['public', 'internal', 'admin'].includes(value))
    ) {
      throw identityErrors.validation(
        `Invalid input for field 'filters.${key}': ${JSON.stringify(value)} is not valid.`,
      );
    }
  }
  return filters as EndpointGroupFilters;
}

async function requireGroup(env: IdentityEnv, id: string): Promise<EndpointGroup> {
  const g = await getEndpointGroup(env.db, id);
  if (!g) throw identityErrors.endpointGroupNotFound(id);
  return g;
}

async function requireEndpoint(env: IdentityEnv, id: string): Promise<Endpoint> {
  const e = await getEndpoint(env.db, id);
  if (!e) throw identityErrors.endpointNotFound(id);
  return e;
}

/** Keystone looks associations' projects up with get_project, which finds domains too. */
async function requireProject(env: IdentityEnv, id: string): Promise<Project> {
  const p = await getProjectRow(env.db, id);
  if (!p) throw identityErrors.projectNotFound(id);
  return p;
}

/** The projects with these ids that still exist, as a `projects` collection. */
async function projectsCollection(
  env: IdentityEnv,
  call: ApiCall,
  path: string,
  ids: readonly string[],
) {
  const projects: Project[] = [];
  for (const id of ids) {
    const p = await getProjectRow(env.db, id);
    if (p) projects.push(p);
  }
  const tags = await tagsOfProjects(
    env.db,
    projects.map((p) => p.id),
  );
  const base = linkBase(env, call);
  return collection(
    'projects',
    projects.map((p) => projectView(p, base, tags.get(p.id) ?? [])),
    { baseUrl: base, path, query: queryOf(call.request.url) },
  );
}

function endpointGroupRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/endpoint_groups`,
      policy: 'identity:list_endpoint_groups',
      schema: { querystring: Type.Object({ name: Type.Optional(Type.String()) }) },
      async handler(call) {
        const groups = await listEndpointGroups(
          env.db,
          call.query.name === undefined ? {} : { name: call.query.name },
        );
        return listCollection(
          env,
          call,
          'endpoint_groups',
          'OS-EP-FILTER/endpoint_groups',
          groups,
          endpointGroupView,
        );
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${PREFIX}/endpoint_groups`,
      policy: 'identity:create_endpoint_group',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const input = call.body.endpoint_group;
        const group: EndpointGroup = {
          id: newId(),
          name: input.name,
          description: input.description ?? '',
          filters: checkFilters(input.filters),
        };
        await insertEndpointGroup(env.db, group);
        return { endpoint_group: endpointGroupView(group, linkBase(env, call)) };
      },
    }),
    // GET also answers HEAD (tempest's check_endpoint_group).
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/endpoint_groups/:endpoint_group_id`,
      policy: 'identity:get_endpoint_group',
      schema: { params: GroupParams },
      async handler(call) {
        const group = await requireGroup(env, call.params.endpoint_group_id);
        return { endpoint_group: endpointGroupView(group, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: `${PREFIX}/endpoint_groups/:endpoint_group_id`,
      policy: 'identity:update_endpoint_group',
      schema: { body: UpdateBody, params: GroupParams },
      async handler(call) {
        const input = call.body.endpoint_group;
        const filters = input.filters === undefined ? undefined : checkFilters(input.filters);
        requireMatchingId(input as Record<string, unknown>, call.params.endpoint_group_id);
        const current = await requireGroup(env, call.params.endpoint_group_id);
        const updated: EndpointGroup = {
          id: current.id,
          name: input.name ?? current.name,
          description:
            input.description === undefined ? current.description : (input.description ?? ''),
          filters: filters ?? current.filters,
        };
        await updateEndpointGroupRow(env.db, updated);
        return { endpoint_group: endpointGroupView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${PREFIX}/endpoint_groups/:endpoint_group_id`,
      policy: 'identity:delete_endpoint_group',
      schema: { params: GroupParams },
      status: 204,
      async handler(call) {
        await requireGroup(env, call.params.endpoint_group_id);
        await deleteEndpointGroup(env.db, call.params.endpoint_group_id);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/endpoint_groups/:endpoint_group_id/endpoints`,
      policy: 'identity:list_endpoints_associated_with_endpoint_group',
      schema: { params: GroupParams },
      async handler(call) {
        const group = await requireGroup(env, call.params.endpoint_group_id);
        const endpoints = await endpointsInGroup(env.db, group);
        return listCollection(
          env,
          call,
          'endpoints',
          `OS-EP-FILTER/endpoint_groups/${group.id}/endpoints`,
          endpoints,
          endpointView,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/endpoint_groups/:endpoint_group_id/projects`,
      policy: 'identity:list_projects_associated_with_endpoint_group',
      schema: { params: GroupParams },
      async handler(call) {
        const group = await requireGroup(env, call.params.endpoint_group_id);
        const ids = await projectsOfEndpointGroup(env.db, group.id);
        return projectsCollection(
          env,
          call,
          `OS-EP-FILTER/endpoint_groups/${group.id}/projects`,
          ids,
        );
      },
    }),
    ...projectAssociationRoutes(env, {
      url: `${PREFIX}/endpoint_groups/:endpoint_group_id/projects/:project_id`,
      params: GroupProjectParams,
      otherParam: 'endpoint_group_id',
      policies: {
        check: 'identity:get_endpoint_group_in_project',
        add: 'identity:add_endpoint_group_to_project',
        remove: 'identity:remove_endpoint_group_from_project',
      },
      kind: 'project_endpoint_group',
      async requireEnds(env, projectId, groupId) {
        await requireProject(env, projectId);
        await requireGroup(env, groupId);
      },
      removeChecksEnds: true,
      has: (db, projectId, groupId) => hasProjectEndpointGroup(db, groupId, projectId),
      add: (db, projectId, groupId) => addProjectEndpointGroup(db, groupId, projectId),
      remove: (db, projectId, groupId) => removeProjectEndpointGroup(db, groupId, projectId),
      missing: () => notFound('Endpoint Group Project Association not found'),
      checkBody: (base, projectId, groupId) => ({
        project_endpoint_group: {
          endpoint_group_id: groupId,
          project_id: projectId,
          links: {
            self: `${base}/v3/OS-EP-FILTER/endpoint_groups/${groupId}/projects/${projectId}`,
          },
        },
      }),
    }),
  ];
}

function projectEndpointRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/projects/:project_id/endpoint_groups`,
      policy: 'identity:list_endpoint_groups_for_project',
      schema: { params: ProjectParams },
      async handler(call) {
        const project = await requireProject(env, call.params.project_id);
        const groups = await endpointGroupsOfProject(env.db, project.id);
        return listCollection(
          env,
          call,
          'endpoint_groups',
          `OS-EP-FILTER/projects/${project.id}/endpoint_groups`,
          groups,
          endpointGroupView,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/projects/:project_id/endpoints`,
      policy: 'identity:list_endpoints_for_project',
      schema: { params: ProjectParams },
      async handler(call) {
        const project = await requireProject(env, call.params.project_id);
        const endpoints = await endpointsOfProject(env.db, project.id);
        return listCollection(
          env,
          call,
          'endpoints',
          `OS-EP-FILTER/projects/${project.id}/endpoints`,
          endpoints,
          endpointView,
        );
      },
    }),
    // GET also answers HEAD (tempest's check_endpoint_in_project); both say 204. Keystone
    // removes an association without looking the endpoint and project up.
    ...projectAssociationRoutes(env, {
      url: `${PREFIX}/projects/:project_id/endpoints/:endpoint_id`,
      params: ProjectEndpointParams,
      otherParam: 'endpoint_id',
      policies: {
        check: 'identity:check_endpoint_in_project',
        add: 'identity:add_endpoint_to_project',
        remove: 'identity:remove_endpoint_from_project',
      },
      kind: 'project_endpoint',
      async requireEnds(env, projectId, endpointId) {
        await requireEndpoint(env, endpointId);
        await requireProject(env, projectId);
      },
      removeChecksEnds: false,
      has: hasProjectEndpoint,
      add: addProjectEndpoint,
      remove: removeProjectEndpoint,
      missing: (projectId, endpointId) =>
        notFound(`Endpoint ${endpointId} not found in project ${projectId}`),
    }),
    defineRoute({
      method: 'GET',
      url: `${PREFIX}/endpoints/:endpoint_id/projects`,
      policy: 'identity:list_projects_for_endpoint',
      schema: { params: EndpointParams },
      async handler(call) {
        const endpoint = await requireEndpoint(env, call.params.endpoint_id);
        const ids = await projectsOfEndpoint(env.db, endpoint.id);
        return projectsCollection(env, call, `OS-EP-FILTER/endpoints/${endpoint.id}/projects`, ids);
      },
    }),
  ];
}

/** OS-EP-FILTER: endpoint groups and the project associations that filter a token's catalog. */
export function endpointFilterRoutes(env: IdentityEnv): RouteSpec[] {
  return [...endpointGroupRoutes(env), ...projectEndpointRoutes(env)];
}
