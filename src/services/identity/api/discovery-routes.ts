import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { linkBase } from './base-url.ts';

/** The v3 API version we implement: Keystone Zed reports 3.14. */
export const IDENTITY_API_VERSION = { id: 'v3.14', updated: '2020-04-07T00:00:00Z' };

function versionDocument(env: IdentityEnv, call: ApiCall) {
  return {
    id: IDENTITY_API_VERSION.id,
    status: 'stable',
    updated: IDENTITY_API_VERSION.updated,
    links: [{ rel: 'self', href: `${linkBase(env, call)}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function discoveryRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      auth: 'none',
      policy: null,
      // Keystone answers the unversioned root with 300 Multiple Choices.
      status: 300,
      handler: (call) => ({ versions: { values: [versionDocument(env, call)] } }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v3',
      auth: 'none',
      policy: null,
      handler: (call) => ({ version: versionDocument(env, call) }),
    }),
  ];
}
