import { Type } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import {
  deleteAssociation,
  deleteChildren,
  findChild,
  insertAssociation,
  insertChild,
  listAssociations,
  listChildren,
  listResourceTypes,
  updateChild,
  type ChildKind,
  type MetadefChild,
} from '../store/metadefs.ts';
import { NS_URL, childNotFound, duplicate, namespaceInReach, namespaceTarget, objectBody, stringField, times } from './metadef-access.ts';

const NsParams = Type.Object({ namespace_name: Type.String() });
const ChildParams = Type.Object({ namespace_name: Type.String(), name: Type.String() });

interface ChildSpec {
  readonly kind: ChildKind;
  /** URL segment and the key of the list response. */
  readonly plural: 'objects' | 'properties' | 'tags';
  readonly rules: { list: string; show: string; add: string; modify: string; remove: string };
  view(child: MetadefChild, namespace: string): Record<string, unknown>;
}

const OBJECTS: ChildSpec = {
  kind: 'object',
  plural: 'objects',
  rules: { list: 'get_metadef_objects', show: 'get_metadef_object', add: 'add_metadef_object', modify: 'modify_metadef_object', remove: 'delete_metadef_object' },
  view: (o, ns) => ({
    name: o.name,
    ...o.body,
    ...times(o),
    schema: '/v2/schemas/metadefs/object',
    self: `/v2/metadefs/namespaces/${ns}/objects/${o.name}`,
  }),
};
const PROPERTIES: ChildSpec = {
  kind: 'property',
  plural: 'properties',
  rules: { list: 'get_metadef_properties', show: 'get_metadef_property', add: 'add_metadef_property', modify: 'modify_metadef_property', remove: 'remove_metadef_property' },
  view: (p) => ({ name: p.name, ...p.body }),
};
const TAGS: ChildSpec = {
  kind: 'tag',
  plural: 'tags',
  rules: { list: 'get_metadef_tags', show: 'get_metadef_tag', add: 'add_metadef_tag', modify: 'modify_metadef_tag', remove: 'delete_metadef_tag' },
  view: (t) => ({ name: t.name, ...times(t) }),
};

/** What a create or update body holds besides the name (objects and properties keep their JSON). */
function childBody(spec: ChildSpec, body: Record<string, unknown>): { name: string; rest: Record<string, unknown> } {
  const name = stringField(body, 'name', spec.kind, { required: true, max: 80 })!;
  const { name: _name, schema: _schema, self: _self, created_at: _c, updated_at: _u, ...rest } = body;
  if (spec.kind === 'property') {
    stringField(body, 'title', 'property', { required: true });
    stringField(body, 'type', 'property', { required: true });
  }
  return { name, rest: spec.kind === 'tag' ? {} : rest };
}

function childRoutes(env: ImageEnv, spec: ChildSpec): RouteSpec[] {
  const target = namespaceTarget(env);
  const url = `${NS_URL}/${spec.plural}`;
  const add = async (namespaceId: string, namespace: string, name: string, rest: Record<string, unknown>) => {
    if (await findChild(env.db, spec.kind, namespaceId, name)) throw duplicate(spec.kind, name, namespace);
    try {
      await insertChild(env.db, spec.kind, namespaceId, name, rest, env.now());
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(spec.kind, name, namespace);
      throw err;
    }
    return spec.view((await findChild(env.db, spec.kind, namespaceId, name))!, namespace);
  };
  const routes: RouteSpec[] = [
    defineRoute({
      method: 'GET',
      url,
      policy: spec.rules.list,
      target,
      schema: { params: NsParams },
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        const children = await listChildren(env.db, spec.kind, ns.id);
        if (spec.kind === 'property') return { properties: Object.fromEntries(children.map((c) => [c.name, spec.view(c, ns.namespace)])) };
        return { [spec.plural]: children.map((c) => spec.view(c, ns.namespace)), schema: `/v2/schemas/metadefs/${spec.plural}` };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${url}/:name`,
      policy: spec.rules.show,
      target,
      schema: { params: ChildParams },
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        const child = await findChild(env.db, spec.kind, ns.id, call.params.name);
        if (!child) throw childNotFound(spec.kind, call.params.name, ns.namespace);
        return spec.view(child, ns.namespace);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: `${url}/:name`,
      policy: spec.rules.modify,
      target,
      schema: { params: ChildParams, body: Type.Unknown() },
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        const child = await findChild(env.db, spec.kind, ns.id, call.params.name);
        if (!child) throw childNotFound(spec.kind, call.params.name, ns.namespace);
        const { name, rest } = childBody(spec, objectBody(call.body, spec.kind));
        if (name !== child.name && (await findChild(env.db, spec.kind, ns.id, name))) throw duplicate(spec.kind, name, ns.namespace);
        await updateChild(env.db, spec.kind, ns.id, child.name, name, rest, env.now());
        return spec.view((await findChild(env.db, spec.kind, ns.id, name))!, ns.namespace);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${url}/:name`,
      policy: spec.rules.remove,
      target,
      schema: { params: ChildParams },
      status: 204,
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        if ((await deleteChildren(env.db, spec.kind, ns.id, call.params.name)) === 0) throw childNotFound(spec.kind, call.params.name, ns.namespace);
      },
    }),
  ];
  if (spec.kind !== 'tag') {
    routes.push(
      defineRoute({
        method: 'POST',
        url,
        policy: spec.rules.add,
        target,
        schema: { params: NsParams, body: Type.Unknown() },
        status: 201,
        async handler(call) {
          const ns = await namespaceInReach(env, call);
          const { name, rest } = childBody(spec, objectBody(call.body, spec.kind));
          return add(ns.id, ns.namespace, name, rest);
        },
      }),
    );
  } else {
    routes.push(
      defineRoute({
        method: 'POST',
        url: `${url}/:name`,
        policy: 'add_metadef_tag',
        target,
        schema: { params: ChildParams },
        status: 201,
        async handler(call) {
          const ns = await namespaceInReach(env, call);
          if (call.params.name.length > 80) throw imageErrors.schemaMismatch('tag', `'${call.params.name}' is too long`);
          return add(ns.id, ns.namespace, call.params.name, {});
        },
      }),
      defineRoute({
        // Glance replaces the namespace's tags unless X-Openstack-Append says to add to them.
        method: 'POST',
        url,
        policy: 'add_metadef_tags',
        target,
        schema: { params: NsParams, body: Type.Unknown() },
        status: 201,
        async handler(call) {
          const ns = await namespaceInReach(env, call);
          const body = objectBody(call.body, 'tags');
          if (!Array.isArray(body.tags)) throw imageErrors.schemaMismatch('tags', "'tags' is a required property");
          const names = (body.tags as unknown[]).map((t) => stringField(objectBody(t, 'tag'), 'name', 'tag', { required: true, max: 80 })!);
          if (new Set(names).size !== names.length) throw imageErrors.conflict(`Duplicate tag names in the request for namespace=${ns.namespace}.`);
          const append = String(call.headers['x-openstack-append'] ?? '').toLowerCase() === 'true';
          if (!append) await deleteChildren(env.db, 'tag', ns.id);
          for (const name of names) {
            if (await findChild(env.db, 'tag', ns.id, name)) throw duplicate('tag', name, ns.namespace);
            await insertChild(env.db, 'tag', ns.id, name, {}, env.now());
          }
          return { tags: names.map((name) => ({ name })) };
        },
      }),
      defineRoute({
        method: 'DELETE',
        url,
        policy: 'delete_metadef_tags',
        target,
        schema: { params: NsParams },
        status: 204,
        async handler(call) {
          const ns = await namespaceInReach(env, call);
          await deleteChildren(env.db, 'tag', ns.id);
        },
      }),
    );
  }
  return routes;
}

function resourceTypeRoutes(env: ImageEnv): RouteSpec[] {
  const target = namespaceTarget(env);
  const view = (a: { name: string; prefix: string | null; propertiesTarget: string | null; createdAt: Date; updatedAt: Date }) => ({
    name: a.name,
    ...(a.prefix !== null ? { prefix: a.prefix } : {}),
    ...(a.propertiesTarget !== null ? { properties_target: a.propertiesTarget } : {}),
    ...times(a),
  });
  return [
    defineRoute({
      method: 'GET',
      url: '/v2/metadefs/resource_types',
      policy: 'list_metadef_resource_types',
      async handler() {
        return { resource_types: (await listResourceTypes(env.db)).map((t) => ({ name: t.name, ...times(t) })) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${NS_URL}/resource_types`,
      policy: 'get_metadef_resource_type',
      target,
      schema: { params: NsParams },
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        return { resource_type_associations: (await listAssociations(env.db, ns.id)).map(view) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${NS_URL}/resource_types`,
      policy: 'add_metadef_resource_type_association',
      target,
      schema: { params: NsParams, body: Type.Unknown() },
      status: 201,
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        const body = objectBody(call.body, 'resource_type_association');
        const name = stringField(body, 'name', 'resource_type_association', { required: true, max: 80 })!;
        const assoc = {
          name,
          prefix: stringField(body, 'prefix', 'resource_type_association', { max: 80 }) ?? null,
          propertiesTarget: stringField(body, 'properties_target', 'resource_type_association', { max: 80 }) ?? null,
        };
        const exists = () => imageErrors.conflict(`The metadata definition resource-type association of resource-type=${name} to namespace=${ns.namespace}, already exists.`);
        if ((await listAssociations(env.db, ns.id)).some((a) => a.name === name)) throw exists();
        try {
          await insertAssociation(env.db, ns.id, assoc, env.now());
        } catch (err) {
          if (isUniqueViolation(err)) throw exists();
          throw err;
        }
        return view((await listAssociations(env.db, ns.id)).find((a) => a.name === name)!);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${NS_URL}/resource_types/:name`,
      policy: 'remove_metadef_resource_type_association',
      target,
      schema: { params: ChildParams },
      status: 204,
      async handler(call) {
        const ns = await namespaceInReach(env, call);
        if (!(await deleteAssociation(env.db, ns.id, call.params.name))) {
          throw imageErrors.notFound(`The metadata definition resource-type association of resource-type=${call.params.name} to namespace=${ns.namespace}, was not found.`);
        }
      },
    }),
  ];
}

/** Objects, properties, tags and resource type associations of metadef namespaces. */
export function metadefChildRoutes(env: ImageEnv): RouteSpec[] {
  return [...childRoutes(env, OBJECTS), ...childRoutes(env, PROPERTIES), ...childRoutes(env, TAGS), ...resourceTypeRoutes(env)];
}
