import { isUniqueViolation } from '../../../core/db/index.ts';
import { badRequest } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import { TAGGED_COLLECTIONS } from '../policies.ts';
import { getNetworkRow, getPortRow, getSubnetRow, reviseRow } from '../store/rows.ts';
import { addTag, removeTag, replaceTags, tagsOf } from '../store/tags.ts';
import { networkTarget } from './network-routes.ts';
import { portTarget } from './port-routes.ts';
import { subnetTarget } from './subnet-routes.ts';
import { securityGroupTarget } from './security-group-routes.ts';
import { securityGroupErrors } from '../security-groups/errors.ts';
import { getSecurityGroupRow } from '../security-groups/store.ts';
import { l3Errors } from '../routers/errors.ts';
import { routerTarget } from './router-routes.ts';

type Collection = (typeof TAGGED_COLLECTIONS)[number];

interface Tagged {
  readonly table: 'network_network' | 'network_subnet' | 'network_port' | 'network_security_group' | 'network_router' | 'network_floatingip';
  readonly getRule: string;
  readonly notFound: (id: string) => Error;
  /** The resource's policy target, or undefined when it does not exist. */
  readonly target: (env: NetworkEnv, id: string) => Promise<Record<string, unknown> | undefined>;
}

const TAGGED: Record<Collection, Tagged> = {
  networks: {
    table: 'network_network',
    getRule: 'get_network',
    notFound: networkErrors.networkNotFound,
    target: async (env, id) => {
      const n = await getNetworkRow(env.db, id);
      return n && networkTarget(n);
    },
  },
  subnets: {
    table: 'network_subnet',
    getRule: 'get_subnet',
    notFound: networkErrors.subnetNotFound,
    target: async (env, id) => {
      const s = await getSubnetRow(env.db, id);
      return s && subnetTarget(s, await getNetworkRow(env.db, s.network_id));
    },
  },
  ports: {
    table: 'network_port',
    getRule: 'get_port',
    notFound: networkErrors.portNotFound,
    target: async (env, id) => {
      const p = await getPortRow(env.db, id);
      return p && portTarget(p, await getNetworkRow(env.db, p.network_id));
    },
  },
  security_groups: {
    table: 'network_security_group',
    getRule: 'get_security_group',
    notFound: securityGroupErrors.notFound,
    target: async (env, id) => {
      const g = await getSecurityGroupRow(env.db, id);
      return g && securityGroupTarget(g);
    },
  },
  routers: {
    table: 'network_router',
    getRule: 'get_router',
    notFound: l3Errors.routerNotFound,
    target: async (env, id) => {
      const r = await env.db.selectFrom('network_router').selectAll().where('id', '=', id).executeTakeFirst();
      return r && routerTarget(r);
    },
  },
  floatingips: {
    table: 'network_floatingip',
    getRule: 'get_floatingip',
    notFound: l3Errors.floatingIpNotFound,
    target: async (env, id) => {
      const f = await env.db.selectFrom('network_floatingip').select(['id', 'project_id']).where('id', '=', id).executeTakeFirst();
      return f && { id: f.id, project_id: f.project_id, tenant_id: f.project_id };
    },
  },
};

/** The resource's policy target when the caller may see it; the resource's 404 otherwise. */
async function parentTarget(env: NetworkEnv, call: ApiCall, collection: Collection, id: string): Promise<Record<string, unknown>> {
  const t = TAGGED[collection];
  const target = await t.target(env, id);
  if (!target || !call.can(t.getRule, target)) throw t.notFound(id);
  return target;
}

/** Neutron's tag limits: a tag is 1-255 characters without commas, at most 50 per resource. */
function checkTag(tag: string): string {
  if (tag.length === 0 || tag.length > 255 || tag.includes(',')) {
    throw badRequest(`Invalid input for tag. Reason: '${tag}' is not a valid tag: it must be 1 to 255 characters without commas.`);
  }
  return tag;
}

const MAX_TAGS = 50;

/** /v2.0/<collection>/{id}/tags[/{tag}] (standard-attr-tag) for every taggable collection. */
export function tagRoutes(env: NetworkEnv): RouteSpec[] {
  return TAGGED_COLLECTIONS.flatMap((collection) => {
    const base = `/v2.0/${collection.replace('_', '-')}/:resource_id/tags`;
    const params = (call: ApiCall) => call.params as { resource_id: string; tag?: string };
    const target = (call: ApiCall) => parentTarget(env, call, collection, params(call).resource_id);
    const current = async (id: string) => (await tagsOf(env.db, collection, [id])).get(id) ?? [];
    const touch = (id: string) => reviseRow(env.db, TAGGED[collection].table, id, {}, env.now());
    return [
      defineRoute({
        method: 'GET',
        url: base,
        policy: `get_${collection}_tags`,
        target,
        handler: async (call) => ({ tags: await current(params(call).resource_id) }),
      }),
      defineRoute({
        method: 'GET',
        url: `${base}/:tag`,
        policy: `get_${collection}_tag`,
        target,
        status: 204,
        async handler(call) {
          const { resource_id: id, tag } = params(call);
          if (!(await current(id)).includes(tag!)) throw networkErrors.tagNotFound(id, tag!);
          return undefined;
        },
      }),
      defineRoute({
        method: 'PUT',
        url: base,
        policy: `update_${collection}_tags`,
        target,
        async handler(call) {
          const id = params(call).resource_id;
          const body = call.body as { tags?: unknown } | undefined;
          if (!body || !Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string')) {
            throw badRequest("Invalid input for tags. Reason: the body must be {\"tags\": [strings]}.");
          }
          const tags = [...new Set((body.tags as string[]).map(checkTag))];
          if (tags.length > MAX_TAGS) throw badRequest(`Invalid input for tags. Reason: at most ${MAX_TAGS} tags are allowed.`);
          await env.db.transaction().execute((tx) => replaceTags(tx, collection, id, tags));
          await touch(id);
          return { tags: [...tags].sort() };
        },
      }),
      defineRoute({
        method: 'PUT',
        url: `${base}/:tag`,
        policy: `update_${collection}_tag`,
        target,
        status: 201,
        async handler(call) {
          const { resource_id: id, tag } = params(call);
          checkTag(tag!);
          if ((await current(id)).length >= MAX_TAGS && !(await current(id)).includes(tag!)) {
            throw badRequest(`Invalid input for tags. Reason: at most ${MAX_TAGS} tags are allowed.`);
          }
          try {
            if (await addTag(env.db, collection, id, tag!)) await touch(id);
          } catch (err) {
            if (!isUniqueViolation(err)) throw err;
          }
          return undefined;
        },
      }),
      defineRoute({
        method: 'DELETE',
        url: base,
        policy: `delete_${collection}_tags`,
        target,
        status: 204,
        async handler(call) {
          const id = params(call).resource_id;
          await env.db.transaction().execute((tx) => replaceTags(tx, collection, id, []));
          await touch(id);
          return undefined;
        },
      }),
      defineRoute({
        method: 'DELETE',
        url: `${base}/:tag`,
        policy: `delete_${collection}_tag`,
        target,
        status: 204,
        async handler(call) {
          const { resource_id: id, tag } = params(call);
          if (!(await removeTag(env.db, collection, id, tag!))) throw networkErrors.tagNotFound(id, tag!);
          await touch(id);
          return undefined;
        },
      }),
    ];
  });
}
