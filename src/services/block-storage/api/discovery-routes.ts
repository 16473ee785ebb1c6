import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';

/** The block storage API version we serve: Cinder v3 up to Zed's 3.70. */
export const VOLUME_API_VERSION = { id: 'v3.0', min: '3.0', max: '3.70', updated: '2022-08-31T00:00:00Z' };

/** Cinder's version document (api/versions.py): one entry, v3.0, CURRENT. */
function versionDocument(call: ApiCall) {
  return {
    id: VOLUME_API_VERSION.id,
    status: 'CURRENT',
    version: VOLUME_API_VERSION.max,
    min_version: VOLUME_API_VERSION.min,
    updated: VOLUME_API_VERSION.updated,
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${call.baseUrl}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

export function discoveryRoutes(_env: BlockStorageEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      auth: 'none',
      policy: null,
      // Cinder answers the unversioned root with 300 Multiple Choices.
      status: 300,
      handler: (call) => ({ versions: [versionDocument(call)] }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v3',
      auth: 'none',
      policy: null,
      handler: (call) => ({ versions: [versionDocument(call)] }),
    }),
  ];
}
