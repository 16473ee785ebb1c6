import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import { PLACEMENT_MAX } from './common.ts';

/** Placement's version document: one version, v1.0, whose microversions run 1.0 to the max. */
export function rootRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      auth: 'none',
      policy: null,
      handler: () => ({
        versions: [{ id: 'v1.0', max_version: PLACEMENT_MAX, min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
      }),
    }),
  ];
}
