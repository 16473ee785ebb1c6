import type { RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { imageRoutes } from './image-routes.ts';
import { memberRoutes } from './member-routes.ts';
import { tagAndActionRoutes } from './tag-and-action-routes.ts';

/** Every route of the image API, one module per resource family. */
export function imageServiceRoutes(env: ImageEnv): RouteSpec[] {
  return [
    ...discoveryRoutes(),
    ...imageRoutes(env),
    ...memberRoutes(env),
    ...tagAndActionRoutes(env),
    // Interoperable import (/stage, /import, /v2/images/{id}/tasks) comes from
    // import-routes.ts, owned with the import runner; add `importRoutes(env)` here once it exists.
  ];
}
