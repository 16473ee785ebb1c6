import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { MAX_MICROVERSION, MIN_MICROVERSION } from '../microversions.ts';

const V21_UPDATED = '2013-07-23T11:33:21Z';
const V20_UPDATED = '2011-01-21T11:33:21Z';

function v21(call: ApiCall, detail: boolean) {
  const doc: Record<string, unknown> = {
    id: 'v2.1',
    status: 'CURRENT',
    version: MAX_MICROVERSION,
    min_version: MIN_MICROVERSION,
    updated: V21_UPDATED,
    links: [{ rel: 'self', href: `${call.baseUrl}/v2.1/` }],
  };
  if (detail) {
    doc.links = [
      ...(doc.links as object[]),
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ];
    doc['media-types'] = [
      { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' },
    ];
  }
  return doc;
}

// The legacy v2.0 API Nova still lists (served by the v2.1 code without microversions);
// only its version document is served here.
function v20(call: ApiCall, detail: boolean) {
  const doc: Record<string, unknown> = {
    id: 'v2.0',
    status: 'SUPPORTED',
    version: '',
    min_version: '',
    updated: V20_UPDATED,
    links: [{ rel: 'self', href: `${call.baseUrl}/v2/` }],
  };
  if (detail) {
    doc.links = [
      ...(doc.links as object[]),
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ];
    doc['media-types'] = [
      { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' },
    ];
  }
  return doc;
}

/** Nova's version documents: the list at / (200, not 300) and each version's own. */
export function versionRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      auth: 'none',
      policy: null,
      handler: (call) => ({ versions: [v20(call, false), v21(call, false)] }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v2.1',
      auth: 'none',
      policy: null,
      handler: (call) => ({ version: v21(call, true) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v2',
      auth: 'none',
      policy: null,
      handler: (call) => ({ version: v20(call, true) }),
    }),
  ];
}
