import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { collectionSchema, imageSchema, memberSchema, membersSchema, taskSchema } from '../schemas/image-schemas.ts';
import { METADEF_SCHEMAS } from '../schemas/metadef-schemas.ts';

/**
 * Glance guards these documents with authentication only, no policy rule: the route reads
 * the caller so a request without a valid token still gets 401.
 */
function authenticated(call: ApiCall): void {
  void call.ctx;
}

/** /v2/schemas/* and /v2/info/*: what clients read to learn the API and the deployment. */
export function schemaAndInfoRoutes(env: ImageEnv): RouteSpec[] {
  const image = imageSchema({ container: env.settings.container_formats, disk: env.settings.disk_formats });
  const schemas: Record<string, unknown> = {
    image,
    images: collectionSchema('images', image),
    member: memberSchema,
    members: membersSchema,
    task: taskSchema,
    tasks: collectionSchema('tasks', taskSchema),
  };
  const open = <S extends object>(url: string, handler: (call: ApiCall) => unknown, schema?: S) =>
    defineRoute({ method: 'GET', url, auth: 'optional', policy: null, ...(schema ? { schema } : {}), handler: (call) => (authenticated(call), handler(call)) });
  const storeList = (detail: boolean) =>
    [...env.stores.values()].map((s, i) => ({
      id: s.id,
      description: s.description,
      ...(i === 0 ? { default: true } : {}),
      ...(detail ? { type: s.type, weight: 0, properties: s.properties() } : {}),
    }));

  return [
    open('/v2/schemas/:name', (call) => {
      const name = (call.params as { name: string }).name;
      const schema = schemas[name];
      if (!schema) throw imageErrors.notFound('The resource could not be found.');
      return schema;
    }, { params: Type.Object({ name: Type.String() }) }),
    open('/v2/schemas/metadefs/:name', (call) => {
      const name = (call.params as { name: string }).name;
      const schema = Object.hasOwn(METADEF_SCHEMAS, name) ? METADEF_SCHEMAS[name] : undefined;
      if (!schema) throw imageErrors.notFound('The resource could not be found.');
      return schema;
    }, { params: Type.Object({ name: Type.String() }) }),
    open('/v2/info/import', () => ({
      'import-methods': { description: 'Import methods available.', type: 'array', value: [...env.settings.enabled_import_methods] },
    })),
    open('/v2/info/stores', () => ({ stores: storeList(false) })),
    defineRoute({
      method: 'GET',
      url: '/v2/info/stores/detail',
      policy: 'stores_info_detail',
      handler: () => ({ stores: storeList(true) }),
    }),
    open('/v2/info/usage', async (call) => {
      const project = projectIdOf(call.ctx.auth);
      if (!project) throw imageErrors.forbidden('Usage is reported for a project: use a project-scoped token.');
      return { usage: await env.quotas.usage(project) };
    }),
  ];
}
