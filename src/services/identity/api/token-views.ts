import type { CatalogService } from '../store/catalog.ts';
import type { TokenData } from '../auth/token-service.ts';
import { keystoneTime } from './views.ts';

export function catalogView(catalog: readonly CatalogService[]): unknown[] {
  return catalog.map((s) => ({
    endpoints: s.endpoints.map((e) => ({
      id: e.id,
      interface: e.interface,
      region: e.region,
      region_id: e.region,
      url: e.url,
    })),
    id: s.id,
    type: s.type,
    name: s.name,
  }));
}

/** The `token` object of POST/GET /v3/auth/tokens. */
export function tokenView(data: TokenData, catalog: readonly CatalogService[] | undefined): Record<string, unknown> {
  const token: Record<string, unknown> = {
    methods: data.payload.methods,
    user: {
      domain: { id: data.userDomain.id, name: data.userDomain.name },
      id: data.user.id,
      name: data.user.name,
      password_expires_at: data.passwordExpiresAt ? keystoneTime(data.passwordExpiresAt) : null,
    },
    audit_ids: data.payload.auditIds,
    expires_at: keystoneTime(data.expiresAt),
    issued_at: keystoneTime(data.issuedAt),
  };
  const scope = data.scope;
  if (scope.kind === 'project') {
    token.project = {
      domain: { id: scope.domain.id, name: scope.domain.name },
      id: scope.project.id,
      name: scope.project.name,
    };
    token.is_domain = false;
    token.is_admin_project = data.isAdminProject;
  } else if (scope.kind === 'domain') {
    token.domain = { id: scope.domain.id, name: scope.domain.name };
  } else if (scope.kind === 'system') {
    token.system = { all: true };
  }
  if (scope.kind !== 'unscoped') {
    token.roles = data.roles.map((r) => ({ id: r.id, name: r.name }));
    if (catalog) token.catalog = catalogView(catalog);
  }
  if (data.trust) {
    token['OS-TRUST:trust'] = {
      id: data.trust.id,
      impersonation: data.trust.impersonation,
      trustee_user: { id: data.trust.trusteeUserId },
      trustor_user: { id: data.trust.trustorUserId },
    };
  }
  if (data.applicationCredential) {
    const ac = data.applicationCredential;
    token.application_credential = {
      id: ac.id,
      name: ac.name,
      restricted: !ac.unrestricted,
      ...(ac.accessRules.length
        ? { access_rules: ac.accessRules.map((r) => ({ id: r.id, service: r.service, path: r.path, method: r.method })) }
        : {}),
    };
  }
  return token;
}
