/**
 * Fixtures for the role, grant and assignment tests: domains, projects, users and groups
 * written straight to the store, so these tests exercise only the APIs under test.
 */
import { toDbTime } from '../../../core/db/index.ts';
import { newId } from '../ids.ts';
import { addPassword } from '../store/users.ts';
import { ROOT_DOMAIN } from '../store/tables.ts';
import type { IdentityHarness } from './harness.ts';

export const PASSWORD = 'Fixture-Pass-1234';

export interface Fixtures {
  domain(name?: string): Promise<string>;
  project(domainId: string, parentId?: string, name?: string): Promise<string>;
  user(domainId: string, name?: string): Promise<string>;
  group(domainId: string, name?: string): Promise<string>;
  addMember(groupId: string, userId: string): Promise<void>;
  /** Creates a role through the API and returns its id. */
  role(name?: string, domainId?: string): Promise<string>;
  /** A password token of a fixture user, scoped as asked. */
  token(
    userId: string,
    scope?: Record<string, unknown>,
  ): Promise<{ token: string; status: number; body: unknown }>;
}

export function fixtures(h: IdentityHarness): Fixtures {
  const db = h.env.db;
  const uniq = (prefix: string) => `${prefix}-${newId().slice(0, 8)}`;
  const insertProject = async (
    id: string,
    name: string,
    domainId: string,
    parentId: string | null,
    isDomain: boolean,
  ) => {
    await db
      .insertInto('identity_project')
      .values({
        id,
        name,
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
  return {
    domain: (name = uniq('dom')) => insertProject(newId(), name, ROOT_DOMAIN, null, true),
    project: (domainId, parentId, name = uniq('proj')) =>
      insertProject(newId(), name, domainId, parentId ?? domainId, false),
    async user(domainId, name = uniq('user')) {
      const id = newId();
      await db
        .insertInto('identity_user')
        .values({
          id,
          domain_id: domainId,
          name,
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
      return id;
    },
    async group(domainId, name = uniq('group')) {
      const id = newId();
      await db
        .insertInto('identity_group')
        .values({ id, domain_id: domainId, name, description: '', extra: '{}' })
        .execute();
      return id;
    },
    async addMember(groupId, userId) {
      await db
        .insertInto('identity_group_membership')
        .values({ group_id: groupId, user_id: userId })
        .execute();
    },
    async role(name = uniq('role'), domainId) {
      const res = await h.request('POST', '/v3/roles', {
        token: h.adminToken,
        body: { role: { name, ...(domainId ? { domain_id: domainId } : {}) } },
      });
      if (res.status !== 201)
        throw new Error(`role create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.role.id as string;
    },
    async token(userId, scope) {
      const { token, reply } = await h.passwordToken({ id: userId, password: PASSWORD }, scope);
      return { token, status: reply.status, body: reply.body };
    },
  };
}
