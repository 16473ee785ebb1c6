import {
  startTestCloud,
  type TestCloud,
  type TestReply,
} from '../../../../test/support/test-cloud.ts';
import { computeService } from '../index.ts';

/** A caller of the compute API: its ids and a request function bound to its token. */
export interface ComputeClient {
  readonly projectId: string;
  readonly userId: string;
  readonly token: string;
  /**
   * `path` relative to /v2.1/ (or absolute from `/`); `version` sets
   * OpenStack-API-Version: compute <version> (none: the minimum, 2.1).
   */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; version?: string; headers?: Record<string, string> },
  ): Promise<TestReply>;
}

export interface ComputeCloud {
  readonly cloud: TestCloud;
  /** The catalog URL, http://host:port/v2.1 */
  readonly url: string;
  readonly admin: ComputeClient;
  member(role?: string): Promise<ComputeClient>;
  close(): Promise<void>;
}

/**
 * Identity plus compute in this process, started the way `strata up` starts services
 * (the shared test cloud, given the compute definition until it is registered in
 * src/cli/services.ts), on SQLite unless a database URL is given.
 */
export async function startComputeCloud(
  opts: { databaseUrl?: string; overrides?: Record<string, unknown> } = {},
): Promise<ComputeCloud> {
  const cloud = await startTestCloud({
    services: ['compute'],
    extraServices: [computeService],
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.overrides ? { overrides: { compute: opts.overrides } } : {}),
  });
  const url = cloud.url('compute');
  const root = url.replace(/\/v2\.1$/, '');
  const client = (who: { projectId: string; userId: string; token: string }): ComputeClient => ({
    ...who,
    call: (method, path, o = {}) =>
      cloud.request('compute', method, path.startsWith('/') ? `${root}${path}` : `${url}/${path}`, {
        token: who.token,
        body: o.body,
        headers: {
          ...(o.version ? { 'OpenStack-API-Version': `compute ${o.version}` } : {}),
          ...(o.headers ?? {}),
        },
      }),
  });
  const adminUser = await cloud.request('identity', 'GET', 'auth/tokens', {
    token: cloud.adminToken,
    headers: { 'x-subject-token': cloud.adminToken },
  });
  return {
    cloud,
    url,
    admin: client({
      projectId: cloud.adminProjectId,
      userId: adminUser.body.token.user.id as string,
      token: cloud.adminToken,
    }),
    member: async (role) => client(await cloud.member(role)),
    close: () => cloud.close(),
  };
}
