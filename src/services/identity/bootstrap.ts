import type { IdentityEnv } from './env.ts';
import { DEFAULT_DOMAIN_ID, newId } from './ids.ts';
import { addGrant } from './store/assignments.ts';
import { insertEndpoint, listEndpoints, updateEndpointRow } from './store/endpoints.ts';
import { findProjectByName, getDomain, insertProject } from './store/projects.ts';
import { getRegion, insertRegion } from './store/regions.ts';
import { addImpliedRule, findGlobalRoleByName, hasImpliedRule, insertRole } from './store/roles.ts';
import { insertService, listServices } from './store/services.ts';
import { ROOT_DOMAIN } from './store/tables.ts';
import { addPassword, findUserByName, insertUser } from './store/users.ts';

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
export async function bootstrapIdentity(
  env: IdentityEnv,
  opts: BootstrapOptions,
): Promise<BootstrapResult> {
  const db = env.db;
  const now = env.now();
  return db.transaction().execute(async (trx) => {
    const tx = trx as typeof db;
    if (!(await getDomain(tx, DEFAULT_DOMAIN_ID))) {
      await insertProject(tx, {
        id: DEFAULT_DOMAIN_ID,
        name: 'Default',
        domainId: ROOT_DOMAIN,
        parentId: null,
        isDomain: true,
        enabled: true,
        description: 'The default domain',
        extra: {},
        options: {},
      });
    }
    const roleIds: Record<string, string> = {};
    for (const name of ['admin', 'member', 'reader', 'service']) {
      const role =
        (await findGlobalRoleByName(tx, name)) ??
        (await insertRole(tx, newId(), {
          name,
          domainId: null,
          description: null,
          options: {},
          extra: {},
        }));
      roleIds[name] = role.id;
    }
    for (const [prior, implied] of [
      ['admin', 'member'],
      ['member', 'reader'],
    ] as const) {
      if (!(await hasImpliedRule(tx, roleIds[prior]!, roleIds[implied]!))) {
        await addImpliedRule(tx, roleIds[prior]!, roleIds[implied]!);
      }
    }
    let projectId = (await findProjectByName(tx, DEFAULT_DOMAIN_ID, opts.adminProject))?.id;
    if (!projectId) {
      projectId = newId();
      await insertProject(tx, {
        id: projectId,
        name: opts.adminProject,
        domainId: DEFAULT_DOMAIN_ID,
        parentId: DEFAULT_DOMAIN_ID,
        isDomain: false,
        enabled: true,
        description: 'Bootstrap project for initializing the cloud.',
        extra: {},
        options: {},
      });
    }
    let created = false;
    let userId = (await findUserByName(tx, DEFAULT_DOMAIN_ID, opts.adminUser))?.id;
    if (!userId) {
      userId = newId();
      await insertUser(tx, {
        id: userId,
        domainId: DEFAULT_DOMAIN_ID,
        name: opts.adminUser,
        enabled: true,
        defaultProjectId: null,
        description: null,
        extra: {},
        options: {},
        createdAt: now,
      });
      await addPassword(tx, userId, {
        hash: await env.hasher.hash(opts.adminPassword),
        createdAt: now,
        expiresAt: null,
        selfService: true,
      });
      created = true;
    }
    for (const scope of [{ kind: 'project', id: projectId }, { kind: 'system' }] as const) {
      // addGrant leaves an existing grant as it is, so a rerun adds only what is missing.
      await addGrant(tx, {
        actor: { kind: 'user', id: userId },
        scope,
        roleId: roleIds.admin!,
        inherited: false,
      });
    }
    if (!(await getRegion(tx, opts.region))) {
      await insertRegion(tx, { id: opts.region, description: '', parentRegionId: null, extra: {} });
    }
    for (const entry of opts.catalog) {
      let serviceId = (await listServices(tx, { type: entry.type }))[0]?.id;
      if (!serviceId) {
        serviceId = newId();
        await insertService(tx, {
          id: serviceId,
          type: entry.type,
          enabled: true,
          name: entry.name,
          extra: { description: entry.description ?? '' },
        });
      }
      for (const [iface, url] of Object.entries(entry.urls)) {
        const existing = (
          await listEndpoints(tx, { serviceId, interface: iface, regionId: opts.region })
        )[0];
        if (!existing) {
          await insertEndpoint(tx, {
            id: newId(),
            serviceId,
            interface: iface,
            url,
            regionId: opts.region,
            enabled: true,
            extra: {},
          });
        } else if (existing.url !== url) {
          // The cloud moved (another port or host): keep the catalog pointing where it runs.
          await updateEndpointRow(tx, { ...existing, url });
        }
      }
    }
    return { created, adminUserId: userId, adminProjectId: projectId };
  });
}
