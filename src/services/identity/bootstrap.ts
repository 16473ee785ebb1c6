import { toDbJson, toDbTime } from '../../core/db/index.ts';
import type { IdentityEnv } from './env.ts';
import { DEFAULT_DOMAIN_ID, newId } from './ids.ts';
import { addPassword, findUserByName } from './store/users.ts';
import { findProjectByName, getDomain } from './store/projects.ts';
import { findGlobalRoleByName } from './store/roles.ts';
import { NULL_DOMAIN, ROOT_DOMAIN } from './store/tables.ts';

export interface CatalogEntry {
  readonly type: string;
  readonly name: string;
  readonly description?: string;
  /** URLs per interface (public, internal, admin). */
  readonly urls: Readonly<Partial<Record<'public' | 'internal' | 'admin', string>>>;
}

export interface BootstrapOptions {
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly adminProject: string;
  readonly region: string;
  readonly catalog: readonly CatalogEntry[];
}

export interface BootstrapResult {
  readonly created: boolean;
  readonly adminUserId: string;
  readonly adminProjectId: string;
}

/**
 * Makes a fresh identity service usable, as `keystone-manage bootstrap` does: the default
 * domain, the admin > member > reader roles (and service), the admin project and user with
 * the admin role on the project and the system, the region, and one catalog entry per
 * service. Idempotent: on later runs it only adds what is missing, and it never resets the
 * admin password of an existing user.
 */
export async function bootstrapIdentity(env: IdentityEnv, opts: BootstrapOptions): Promise<BootstrapResult> {
  const db = env.db;
  const now = env.now();
  return db.transaction().execute(async (trx) => {
    const tx = trx as typeof db;
    if (!(await getDomain(tx, DEFAULT_DOMAIN_ID))) {
      await tx
        .insertInto('identity_project')
        .values({
          id: DEFAULT_DOMAIN_ID,
          name: 'Default',
          domain_id: ROOT_DOMAIN,
          parent_id: null,
          is_domain: 1,
          enabled: 1,
          description: 'The default domain',
          extra: '{}',
          options: '{}',
        })
        .execute();
    }
    const roleIds: Record<string, string> = {};
    for (const name of ['admin', 'member', 'reader', 'service']) {
      const existing = await findGlobalRoleByName(tx, name);
      if (existing) {
        roleIds[name] = existing.id;
        continue;
      }
      const id = newId();
      await tx
        .insertInto('identity_role')
        .values({ id, name, domain_id: NULL_DOMAIN, description: null, options: '{}', extra: '{}' })
        .execute();
      roleIds[name] = id;
    }
    for (const [prior, implied] of [
      ['admin', 'member'],
      ['member', 'reader'],
    ] as const) {
      const exists = await tx
        .selectFrom('identity_implied_role')
        .select('prior_role_id')
        .where('prior_role_id', '=', roleIds[prior]!)
        .where('implied_role_id', '=', roleIds[implied]!)
        .executeTakeFirst();
      if (!exists) {
        await tx.insertInto('identity_implied_role').values({ prior_role_id: roleIds[prior]!, implied_role_id: roleIds[implied]! }).execute();
      }
    }
    let project = await findProjectByName(tx, DEFAULT_DOMAIN_ID, opts.adminProject);
    if (!project) {
      const id = newId();
      await tx
        .insertInto('identity_project')
        .values({
          id,
          name: opts.adminProject,
          domain_id: DEFAULT_DOMAIN_ID,
          parent_id: DEFAULT_DOMAIN_ID,
          is_domain: 0,
          enabled: 1,
          description: 'Bootstrap project for initializing the cloud.',
          extra: '{}',
          options: '{}',
        })
        .execute();
      project = { id } as NonNullable<typeof project>;
    }
    let created = false;
    const user = await findUserByName(tx, DEFAULT_DOMAIN_ID, opts.adminUser);
    let userId: string;
    if (!user) {
      userId = newId();
      await tx
        .insertInto('identity_user')
        .values({
          id: userId,
          domain_id: DEFAULT_DOMAIN_ID,
          name: opts.adminUser,
          enabled: 1,
          default_project_id: null,
          description: null,
          extra: '{}',
          options: '{}',
          created_at: toDbTime(now),
          last_active_at: null,
          failed_auth_count: 0,
          failed_auth_at: null,
        })
        .execute();
      await addPassword(tx, userId, {
        hash: await env.hasher.hash(opts.adminPassword),
        createdAt: now,
        expiresAt: null,
        selfService: true,
      });
      created = true;
    } else {
      userId = user.id;
    }
    for (const [type, target] of [
      ['UserProject', project.id],
      ['UserSystem', 'system'],
    ] as const) {
      const exists = await tx
        .selectFrom('identity_assignment')
        .select('role_id')
        .where('type', '=', type)
        .where('actor_id', '=', userId)
        .where('target_id', '=', target)
        .where('role_id', '=', roleIds.admin!)
        .where('inherited', '=', 0)
        .executeTakeFirst();
      if (!exists) {
        await tx
          .insertInto('identity_assignment')
          .values({ type, actor_id: userId, target_id: target, role_id: roleIds.admin!, inherited: 0 })
          .execute();
      }
    }
    const region = await tx.selectFrom('identity_region').select('id').where('id', '=', opts.region).executeTakeFirst();
    if (!region) {
      await tx.insertInto('identity_region').values({ id: opts.region, description: '', parent_region_id: null, extra: '{}' }).execute();
    }
    for (const entry of opts.catalog) {
      const services = await tx.selectFrom('identity_service').selectAll().where('type', '=', entry.type).execute();
      let serviceId = services[0]?.id;
      if (!serviceId) {
        serviceId = newId();
        await tx
          .insertInto('identity_service')
          .values({
            id: serviceId,
            type: entry.type,
            enabled: 1,
            extra: toDbJson({ name: entry.name, description: entry.description ?? '' }),
          })
          .execute();
      }
      for (const [iface, url] of Object.entries(entry.urls)) {
        const existing = await tx
          .selectFrom('identity_endpoint')
          .select(['id', 'url'])
          .where('service_id', '=', serviceId)
          .where('interface', '=', iface)
          .where('region_id', '=', opts.region)
          .executeTakeFirst();
        if (!existing) {
          await tx
            .insertInto('identity_endpoint')
            .values({ id: newId(), service_id: serviceId, interface: iface, url, region_id: opts.region, enabled: 1, extra: '{}' })
            .execute();
        } else if (existing.url !== url) {
          // The cloud moved (another port or host): keep the catalog pointing where it runs.
          await tx.updateTable('identity_endpoint').set({ url }).where('id', '=', existing.id).execute();
        }
      }
    }
    return { created, adminUserId: userId, adminProjectId: project.id };
  });
}
