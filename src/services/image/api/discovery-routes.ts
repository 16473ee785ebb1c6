import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';

/**
 * The Image API versions Glance (Zed) lists, newest first: every minor version of v2 is
 * served by the same /v2 routes, so a client that pins an older one gets what it expects.
 */
export const IMAGE_API_VERSIONS = ['2.16', '2.15', '2.14', '2.13', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

/** Glance's version list (glance/api/versions.py): every entry links to the one /v2/ root. */
export function versionList(call: ApiCall): { versions: Array<Record<string, unknown>> } {
  return {
    versions: IMAGE_API_VERSIONS.map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${call.baseUrl}/v2/` }],
    })),
  };
}

/** GET / answers 300 Multiple Choices like Glance's unversioned root; /versions answers 200. */
export function discoveryRoutes(): RouteSpec[] {
  return [
    defineRoute({ method: 'GET', url: '/', auth: 'none', policy: null, status: 300, handler: versionList }),
    defineRoute({ method: 'GET', url: '/versions', auth: 'none', policy: null, handler: versionList }),
  ];
}
