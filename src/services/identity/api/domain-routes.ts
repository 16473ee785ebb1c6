import { defineRoute, parseBoolParam, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { tagsOf, tagsOfProjects } from '../store/project-tags.ts';
import { listProjects, type Project } from '../store/projects.ts';
import { linkBase } from './base-url.ts';
import { domainView } from './domain-views.ts';
import { domainTargetOf, extraAttributes, listLimit, requireDomain } from './project-common.ts';
import { createProject, deleteDomain, updateProject } from './project-lifecycle.ts';
import {
  DomainCreateBody,
  DomainListQuery,
  DomainParams,
  DomainUpdateBody,
} from './project-schemas.ts';
import { collection, queryOf } from './views.ts';

/** Keystone accepts an explicit domain id only in its own id format: a UUID4 as 32 hex digits. */
const EXPLICIT_ID = /^[0-9a-f]{32}$/;

async function showDomain(env: IdentityEnv, base: string, d: Project) {
  return { domain: domainView(d, base, await tagsOf(env.db, d.id)) };
}

export function domainRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/domains',
      policy: 'identity:list_domains',
      schema: { querystring: DomainListQuery },
      async handler(call) {
        const q = call.query;
        const limit = listLimit(env);
        const rows = await listProjects(env.db, {
          isDomain: true,
          ...(q.name !== undefined ? { name: q.name } : {}),
          ...(q.enabled !== undefined ? { enabled: parseBoolParam('enabled', q.enabled)! } : {}),
          ...(limit.fetch !== undefined ? { limit: limit.fetch } : {}),
        });
        const { items, truncated } = limit.cut(rows);
        const base = linkBase(env, call);
        const tags = await tagsOfProjects(
          env.db,
          items.map((d) => d.id),
        );
        return collection(
          'domains',
          items.map((d) => domainView(d, base, tags.get(d.id) ?? [])),
          { baseUrl: base, path: 'domains', query: queryOf(call.request.url), truncated },
        );
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/domains',
      policy: 'identity:create_domain',
      schema: { body: DomainCreateBody },
      status: 201,
      async handler(call) {
        const body = call.body.domain;
        const explicitId = body.explicit_domain_id;
        if (explicitId !== undefined && !EXPLICIT_ID.test(explicitId)) {
          throw identityErrors.validation('Domain ID does not conform to required UUID format.');
        }
        const created = await createProject(env, {
          id: explicitId,
          name: body.name,
          description: body.description,
          enabled: body.enabled,
          isDomain: true,
          tags: body.tags,
          options: body.options,
          extra: extraAttributes(body),
        });
        return showDomain(env, linkBase(env, call), created);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/domains/:domain_id',
      policy: 'identity:get_domain',
      schema: { params: DomainParams },
      target: (call) => domainTargetOf(env, call.params.domain_id),
      async handler(call) {
        return showDomain(
          env,
          linkBase(env, call),
          await requireDomain(env, call.params.domain_id),
        );
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/domains/:domain_id',
      policy: 'identity:update_domain',
      schema: { params: DomainParams, body: DomainUpdateBody },
      target: (call) => domainTargetOf(env, call.params.domain_id),
      async handler(call) {
        const domain = await requireDomain(env, call.params.domain_id);
        const body = call.body.domain;
        const updated = await updateProject(
          env,
          domain,
          {
            name: body.name,
            description: body.description,
            enabled: body.enabled,
            tags: body.tags,
            options: body.options,
            extra: extraAttributes(body),
          },
          Object.keys(body),
        );
        return showDomain(env, linkBase(env, call), updated);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/domains/:domain_id',
      policy: 'identity:delete_domain',
      schema: { params: DomainParams },
      status: 204,
      target: (call) => domainTargetOf(env, call.params.domain_id),
      async handler(call) {
        await deleteDomain(env, await requireDomain(env, call.params.domain_id));
        return undefined;
      },
    }),
  ];
}
