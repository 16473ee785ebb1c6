/**
 * Fixtures for the catalog, endpoint filter, policy and limit tests: projects, domains and
 * a member user written straight to the store, so these tests exercise only the APIs
 * under test.
 */
import { toDbTime } from '../../../core/db/index.ts';
import { newId } from '../ids.ts';
import { ROOT_DOMAIN } from '../store/tables.ts';
import { addPassword } from '../store/users.ts';
import type { IdentityHarness } from './harness.ts';

const PASSWORD = 'Catalog-Fixture-Pass-1';

export interface CatalogFixtures {
  domain(): Promise<string>;
  /** A project in the domain, child of `parentId` (the domain when absent). */
  project(domainId?: string, parentId?: string): Promise<string>;
  /** A new user holding `role` (member by default) on the project, and its project token. */
  projectToken(projectId: string, role?: string): Promise<string>;
  /** A new user holding `role` on the domain, and its domain-scoped token. */
  domainToken(domainId: string, role?: string): Promise<string>;
  /** Creates a service through the API; returns its id. */
  service(type?: string): Promise<string>;
}

export function catalogFixtures(h: IdentityHarness): CatalogFixtures {
  const db = h.env.db;
  const insertProject = async (domainId: string, parentId: string | null, isDomain: boolean) => {
    const id = newId();
    await db
      .insertInto('identity_project')
      .values({
        id,
        name: `p-${id.slice(0, 8)}`,
        domain_id: domainId,
        parent_id: parentId,
        is_domain: isDomain ? 1 : 0,
        enabled: 1,
        description: '',
        extra: '{}',
        options: '{}',
      })
      .execute();
    return id;
  };
  const userWithRole = async (
    targetId: string,
    type: 'UserProject' | 'UserDomain',
    role: string,
  ) => {
    const id = newId();
    await db
      .insertInto('identity_user')
      .values({
        id,
        domain_id: 'default',
        name: `u-${id.slice(0, 8)}`,
        enabled: 1,
        default_project_id: null,
        description: null,
        extra: '{}',
        options: '{}',
        created_at: toDbTime(new Date()),
        last_active_at: null,
        failed_auth_count: 0,
        failed_auth_at: null,
      })
      .execute();
    await addPassword(db, id, {
      hash: await h.env.hasher.hash(PASSWORD),
      createdAt: new Date(),
      expiresAt: null,
      selfService: false,
    });
    const roleRow = await db
      .selectFrom('identity_role')
      .select('id')
      .where('name', '=', role)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('identity_assignment')
      .values({ type, actor_id: id, target_id: targetId, role_id: roleRow.id, inherited: 0 })
      .execute();
    return id;
  };
  const tokenOf = async (userId: string, scope: Record<string, unknown>) => {
    const { token, reply } = await h.passwordToken({ id: userId, password: PASSWORD }, scope);
    if (reply.status !== 201)
      throw new Error(`token failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return token;
  };
  return {
    domain: () => insertProject(ROOT_DOMAIN, null, true),
    project: (domainId = 'default', parentId) =>
      insertProject(domainId, parentId ?? domainId, false),
    async projectToken(projectId, role = 'member') {
      return tokenOf(await userWithRole(projectId, 'UserProject', role), {
        project: { id: projectId },
      });
    },
    async domainToken(domainId, role = 'member') {
      return tokenOf(await userWithRole(domainId, 'UserDomain', role), {
        domain: { id: domainId },
      });
    },
    async service(type = `type-${newId().slice(0, 8)}`) {
      const res = await h.request('POST', '/v3/services', {
        token: h.adminToken,
        body: { service: { type, name: `svc-${newId().slice(0, 8)}` } },
      });
      if (res.status !== 201)
        throw new Error(`service create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.service.id as string;
    },
  };
}
