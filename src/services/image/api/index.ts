import type { RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { dataRoutes } from './data-routes.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { imageRoutes } from './image-routes.ts';
import { importRoutes } from './import-routes.ts';
import { memberRoutes } from './member-routes.ts';
import { metadefChildRoutes } from './metadef-child-routes.ts';
import { metadefNamespaceRoutes } from './metadef-namespace-routes.ts';
import { schemaAndInfoRoutes } from './schema-and-info-routes.ts';
import { tagAndActionRoutes } from './tag-and-action-routes.ts';

/** Every route of the image API, one module per resource family. */
export function imageServiceRoutes(env: ImageEnv): RouteSpec[] {
  return [
    ...discoveryRoutes(),
    ...imageRoutes(env),
    ...memberRoutes(env),
    ...tagAndActionRoutes(env),
    ...dataRoutes(env),
    ...schemaAndInfoRoutes(env),
    ...metadefNamespaceRoutes(env),
    ...metadefChildRoutes(env),
    ...importRoutes(env),
  ];
}
