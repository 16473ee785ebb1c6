import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import {
  deleteNamespace,
  findNamespace,
  insertAssociation,
  insertChild,
  insertNamespace,
  listAssociations,
  listChildren,
  listNamespaces,
  updateNamespace,
  type MetadefNamespace,
  type NamespaceFields,
} from '../store/metadefs.ts';
import { callerOf } from './image-access.ts';
import { withQuery } from './image-views.ts';
import { parseNamespaceListQuery, sortNamespaces } from './metadef-list-query.ts';
import { NS_URL, namespaceInReach, namespaceTarget, objectBody, stringField, times } from './metadef-access.ts';

const SCHEMA = 'namespace';
const Params = Type.Object({ namespace_name: Type.String() });

function namespaceView(ns: MetadefNamespace): Record<string, unknown> {
  return {
    namespace: ns.namespace,
    ...(ns.displayName !== null ? { display_name: ns.displayName } : {}),
    ...(ns.description !== null ? { description: ns.description } : {}),
    visibility: ns.visibility,
    protected: ns.protected,
    owner: ns.owner,
    ...times(ns),
    schema: '/v2/schemas/metadefs/namespace',
    self: `/v2/metadefs/namespaces/${ns.namespace}`,
  };
}

/** The namespace with what it holds, as GET /v2/metadefs/namespaces/{ns} shows it. */
async function fullView(env: ImageEnv, ns: MetadefNamespace): Promise<Record<string, unknown>> {
  const [assocs, objects, properties, tags] = await Promise.all([
    listAssociations(env.db, ns.id),
    listChildren(env.db, 'object', ns.id),
    listChildren(env.db, 'property', ns.id),
    listChildren(env.db, 'tag', ns.id),
  ]);
  const view = namespaceView(ns);
  if (assocs.length) {
    view.resource_type_associations = assocs.map((a) => ({
      name: a.name,
      ...(a.prefix !== null ? { prefix: a.prefix } : {}),
      ...(a.propertiesTarget !== null ? { properties_target: a.propertiesTarget } : {}),
      ...times(a),
    }));
  }
  if (properties.length) view.properties = Object.fromEntries(properties.map((p) => [p.name, p.body]));
  if (objects.length) view.objects = objects.map((o) => ({ name: o.name, ...o.body, ...times(o) }));
  if (tags.length) view.tags = tags.map((t) => ({ name: t.name }));
  return view;
}

/** Reads the namespace attributes of a create or update body; `current` supplies what an update leaves out. */
function namespaceFields(body: Record<string, unknown>, owner: string, current?: MetadefNamespace): NamespaceFields {
  const namespace = stringField(body, 'namespace', SCHEMA, { required: true, max: 80 })!;
  const visibility = body.visibility ?? current?.visibility ?? 'private';
  if (visibility !== 'public' && visibility !== 'private') throw imageErrors.schemaMismatch(SCHEMA, `'${String(visibility)}' is not one of ['public', 'private']`);
  const prot = body.protected ?? current?.protected ?? false;
  if (typeof prot !== 'boolean') throw imageErrors.schemaMismatch(SCHEMA, `${JSON.stringify(prot)} is not of type 'boolean'`);
  const known = new Set(['namespace', 'display_name', 'description', 'visibility', 'protected', 'owner', 'resource_type_associations', 'properties', 'objects', 'tags', 'schema', 'self', 'created_at', 'updated_at']);
  const extra = Object.keys(body).find((k) => !known.has(k));
  if (extra) throw imageErrors.schemaMismatch(SCHEMA, `Additional properties are not allowed ('${extra}' was unexpected)`);
  return {
    namespace,
    displayName: stringField(body, 'display_name', SCHEMA, { max: 80 }) ?? (current && !Object.hasOwn(body, 'display_name') ? current.displayName : null),
    description: stringField(body, 'description', SCHEMA, { max: 500 }) ?? (current && !Object.hasOwn(body, 'description') ? current.description : null),
    visibility,
    protected: prot,
    owner: stringField(body, 'owner', SCHEMA, { max: 255 }) ?? owner,
  };
}

export function metadefNamespaceRoutes(env: ImageEnv): RouteSpec[] {
  const target = namespaceTarget(env);
  const conflict = (name: string) => imageErrors.conflict(`Namespace ${name} already exists`);
  return [
    defineRoute({
      method: 'GET',
      url: '/v2/metadefs/namespaces',
      policy: 'get_metadef_namespaces',
      target: (call) => ({ project_id: projectIdOf(call.ctx.auth) }),
      schema: {
        querystring: Type.Object(
          {
            visibility: Type.Optional(Type.String()),
            resource_types: Type.Optional(Type.String()),
            limit: Type.Optional(Type.String()),
            marker: Type.Optional(Type.String()),
            sort_key: Type.Optional(Type.String()),
            sort_dir: Type.Optional(Type.String()),
          },
          { additionalProperties: true },
        ),
      },
      async handler(call) {
        const q = parseNamespaceListQuery(call.query, env.settings);
        // Few namespaces exist (Glance ships a few dozen): sort, filter and page them in memory.
        let rows = sortNamespaces(
          await Promise.all(
            (await listNamespaces(env.db, callerOf(call), q.visibility)).map(async (ns) => ({ ns, assocs: await listAssociations(env.db, ns.id) })),
          ),
          q.sortKey,
          q.sortDir,
        );
        if (q.marker !== undefined) {
          // the marker is any namespace the caller sees; the page starts after it in this order
          const at = rows.findIndex((r) => r.ns.namespace === q.marker);
          if (at < 0) {
            const marker = await findNamespace(env.db, q.marker);
            const caller = callerOf(call);
            if (!marker || !(caller.isAdmin || marker.visibility === 'public' || marker.owner === caller.projectId)) throw imageErrors.namespaceNotFound(q.marker);
            rows = sortNamespaces([...rows, { ns: marker, assocs: [] }], q.sortKey, q.sortDir);
          }
          rows = rows.slice(rows.findIndex((r) => r.ns.namespace === q.marker) + 1);
        }
        if (q.resourceTypes.length) rows = rows.filter((r) => r.assocs.some((a) => q.resourceTypes.includes(a.name)));
        const page = rows.slice(0, q.limit);
        const qs = new URLSearchParams(call.request.url.split('?')[1] ?? '');
        const body: Record<string, unknown> = {
          namespaces: page.map(({ ns, assocs }) => {
            const v = namespaceView(ns);
            if (assocs.length) v.resource_type_associations = assocs.map((a) => ({ name: a.name, ...times(a) }));
            return v;
          }),
          first: withQuery('/v2/metadefs/namespaces', qs, { marker: undefined }),
          schema: '/v2/schemas/metadefs/namespaces',
        };
        // as Glance: a full page links to the next one, which may be empty
        if (page.length && page.length === q.limit) {
          body.next = withQuery('/v2/metadefs/namespaces', qs, { marker: page[page.length - 1]!.ns.namespace });
        }
        return body;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v2/metadefs/namespaces',
      policy: 'add_metadef_namespace',
      target: (call) => ({ project_id: projectIdOf(call.ctx.auth) }),
      schema: { body: Type.Unknown() },
      status: 201,
      async handler(call) {
        const body = objectBody(call.body, SCHEMA);
        const fields = namespaceFields(body, projectIdOf(call.ctx.auth) ?? '');
        if (await findNamespace(env.db, fields.namespace)) throw conflict(fields.namespace);
        const now = env.now();
        let id: string;
        try {
          id = await insertNamespace(env.db, fields, now);
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict(fields.namespace);
          throw err;
        }
        for (const a of (Array.isArray(body.resource_type_associations) ? body.resource_type_associations : []) as Array<Record<string, unknown>>) {
          const name = stringField(a, 'name', 'resource_type_association', { required: true, max: 80 })!;
          await insertAssociation(env.db, id, { name, prefix: stringField(a, 'prefix', 'resource_type_association') ?? null, propertiesTarget: stringField(a, 'properties_target', 'resource_type_association') ?? null }, now);
        }
        const props = body.properties && typeof body.properties === 'object' ? (body.properties as Record<string, Record<string, unknown>>) : {};
        for (const [name, p] of Object.entries(props)) await insertChild(env.db, 'property', id, name, p, now);
        for (const o of (Array.isArray(body.objects) ? body.objects : []) as Array<Record<string, unknown>>) {
          const { name, ...rest } = o;
          await insertChild(env.db, 'object', id, String(name), rest, now);
        }
        for (const t of (Array.isArray(body.tags) ? body.tags : []) as Array<Record<string, unknown>>) await insertChild(env.db, 'tag', id, String(t.name), {}, now);
        return fullView(env, (await findNamespace(env.db, fields.namespace))!);
      },
    }),
    defineRoute({
      method: 'GET',
      url: NS_URL,
      policy: 'get_metadef_namespace',
      target,
      schema: { params: Params },
      async handler(call) {
        return fullView(env, await namespaceInReach(env, call));
      },
    }),
    defineRoute({
      method: 'PUT',
      url: NS_URL,
      policy: 'modify_metadef_namespace',
      target,
      schema: { params: Params, body: Type.Unknown() },
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        const fields = namespaceFields(objectBody(call.body, SCHEMA), ns.owner, ns);
        if (fields.namespace !== ns.namespace && (await findNamespace(env.db, fields.namespace))) throw conflict(fields.namespace);
        await updateNamespace(env.db, ns.id, fields, env.now());
        return namespaceView((await findNamespace(env.db, fields.namespace))!);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: NS_URL,
      policy: 'delete_metadef_namespace',
      target,
      schema: { params: Params },
      status: 204,
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        if (ns.protected) throw imageErrors.forbidden(`Namespace ${ns.namespace} is protected and cannot be deleted.`);
        await deleteNamespace(env.db, ns.id);
      },
    }),
  ];
}
