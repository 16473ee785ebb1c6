import { Type } from 'typebox';
import { defineRoute, parseBoolParam, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { ApiError, badRequest, forbidden } from '../../../core/errors/index.ts';
import { revocationsAfter, type RevocationEvent } from '../store/revocations.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityEnv } from '../env.ts';
import { AuthBody } from '../auth/auth-schema.ts';
import { TokenInvalid, type TokenData } from '../auth/token-service.ts';
import { effectiveRoles, scopesWithRoles } from '../store/effective-roles.ts';
import { projectFromRow } from '../store/projects.ts';
import { catalogView, tokenView } from './token-views.ts';
import { linkBase } from './base-url.ts';
import { keystoneTime, selfLink } from './views.ts';
import { projectView } from './project-views.ts';
import { domainView } from './domain-views.ts';

const TokenQuery = Type.Object({
  nocatalog: Type.Optional(Type.String()),
  allow_expired: Type.Optional(Type.String()),
});

function flag(query: Record<string, unknown>, name: string): boolean {
  // Keystone treats the bare presence of ?nocatalog as true.
  if (!(name in query)) return false;
  return query[name] === '' || parseBoolParam(name, query[name]) === true;
}

async function subjectToken(env: IdentityEnv, call: ApiCall, allowExpired: boolean): Promise<TokenData> {
  const header = call.headers['x-subject-token'];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) throw new ApiError(400, 'identity.validation_error', 'X-Subject-Token header is required.');
  try {
    return await env.tokens.validate(token, { allowExpired });
  } catch (err) {
    if (err instanceof TokenInvalid) throw identityErrors.tokenNotFound();
    throw err;
  }
}

async function scopedCatalog(env: IdentityEnv, data: TokenData) {
  return env.catalog.get(data.scope.kind === 'project' ? data.scope.project.id : undefined, data.user.id);
}

/** The caller's own token data (the X-Auth-Token of this request). */
async function callerToken(env: IdentityEnv, call: ApiCall): Promise<TokenData> {
  try {
    return await env.tokens.validate(call.ctx.token);
  } catch (err) {
    if (err instanceof TokenInvalid) throw identityErrors.authFailed();
    throw err;
  }
}

/** Where a user may scope a token: enabled projects or domains with at least one effective role. */
async function reachable(env: IdentityEnv, userId: string, kind: 'project' | 'domain') {
  const scopes = await scopesWithRoles(env.db, userId);
  const ids = kind === 'domain' ? scopes.domainIds : scopes.projectIds;
  if (ids.length === 0) return [];
  const rows = await env.db
    .selectFrom('identity_project')
    .selectAll()
    .where('id', 'in', ids)
    .where('is_domain', '=', kind === 'domain' ? 1 : 0)
    .where('enabled', '=', 1)
    .orderBy('name')
    .execute();
  return rows.map(projectFromRow);
}

/** A revocation event as OS-REVOKE shows it: only the fields that are set. */
function revocationEventView(e: RevocationEvent): Record<string, unknown> {
  const view: Record<string, unknown> = {
    issued_before: keystoneTime(e.issuedBefore),
    revoked_at: keystoneTime(e.revokedAt),
  };
  const fields: Array<[string, string | null]> = [
    ['user_id', e.userId],
    ['project_id', e.projectId],
    ['domain_id', e.domainId],
    ['role_id', e.roleId],
    ['trust_id', e.trustId],
    ['OS-OAUTH1:consumer_id', e.consumerId],
    ['OS-OAUTH1:access_token_id', e.accessTokenId],
    ['audit_id', e.auditId],
    ['audit_chain_id', e.auditChainId],
  ];
  for (const [k, v] of fields) if (v !== null) view[k] = v;
  return view;
}

export function authRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v3/auth/tokens',
      auth: 'none',
      policy: null,
      schema: { body: AuthBody, querystring: TokenQuery },
      status: 201,
      async handler(call) {
        const data = await env.authenticator.authenticate(call.body);
        call.reply.header('X-Subject-Token', data.token);
        const catalog = flag(call.query, 'nocatalog') ? undefined : await scopedCatalog(env, data);
        return { token: tokenView(data, catalog) };
      },
    }),
    defineRoute({
      method: 'HEAD',
      url: '/v3/auth/tokens',
      policy: 'identity:check_token',
      schema: { querystring: TokenQuery },
      async target(call) {
        const data = await subjectToken(env, call, flag(call.query, 'allow_expired'));
        return { 'target.token.user_id': data.user.id, 'target.token.id': data.token };
      },
      async handler(call) {
        const data = await subjectToken(env, call, flag(call.query, 'allow_expired'));
        call.reply.header('X-Subject-Token', data.token);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/auth/tokens',
      policy: 'identity:validate_token',
      schema: { querystring: TokenQuery },
      async target(call) {
        const data = await subjectToken(env, call, flag(call.query, 'allow_expired'));
        return { 'target.token.user_id': data.payload.userId };
      },
      async handler(call) {
        const data = await subjectToken(env, call, flag(call.query, 'allow_expired'));
        call.reply.header('X-Subject-Token', data.token);
        const catalog = flag(call.query, 'nocatalog') ? undefined : await scopedCatalog(env, data);
        return { token: tokenView(data, catalog) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      policy: 'identity:revoke_token',
      status: 204,
      async target(call) {
        const data = await subjectToken(env, call, false);
        return { 'target.token.user_id': data.payload.userId };
      },
      async handler(call) {
        const data = await subjectToken(env, call, false);
        await env.revocations.revoke({
          auditId: data.payload.auditIds[0] ?? null,
          issuedBefore: env.now(),
          expiresAt: data.expiresAt,
        });
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/auth/catalog',
      policy: 'identity:get_auth_catalog',
      async handler(call) {
        const data = await callerToken(env, call);
        if (data.scope.kind === 'unscoped') {
          throw forbidden('A catalog can only be retrieved with a scoped token.');
        }
        return { catalog: catalogView(await scopedCatalog(env, data)), links: selfLink(linkBase(env, call), 'auth/catalog') };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/auth/tokens/OS-PKI/revoked',
      policy: 'identity:revocation_list',
      handler() {
        // PKI tokens are gone from Keystone; it answers this legacy call with 410 Gone.
        throw new ApiError(410, 'identity.gone', 'PKI tokens are not supported; there is no revocation list.');
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/OS-REVOKE/events',
      policy: 'identity:list_revoke_events',
      schema: { querystring: Type.Object({ since: Type.Optional(Type.String()) }) },
      async handler(call) {
        let since = 0;
        if (call.query.since !== undefined) {
          since = Date.parse(call.query.since);
          if (Number.isNaN(since)) throw badRequest(`Invalid input for field 'since': not a timestamp.`);
        }
        const events = (await revocationsAfter(env.db, 0)).filter((e) => e.revokedAt.getTime() > since);
        return {
          events: events.map(revocationEventView),
          links: { self: `${linkBase(env, call)}/v3/OS-REVOKE/events`, previous: null, next: null },
        };
      },
    }),
    // Where the caller may scope a token, under its current and its deprecated federation URL.
    ...(
      [
        ['/v3/auth/projects', 'projects', 'identity:get_auth_projects'],
        ['/v3/auth/domains', 'domains', 'identity:get_auth_domains'],
        ['/v3/OS-FEDERATION/projects', 'projects', 'identity:list_projects_for_user'],
        ['/v3/OS-FEDERATION/domains', 'domains', 'identity:list_domains_for_user'],
      ] as const
    ).map(([url, kind, policy]) =>
      defineRoute({
        method: 'GET',
        url,
        policy,
        async handler(call) {
          const base = linkBase(env, call);
          const found = await reachable(env, call.ctx.auth.userId, kind === 'projects' ? 'project' : 'domain');
          return {
            [kind]: found.map((p) => (kind === 'projects' ? projectView(p, base) : domainView(p, base))),
            links: { self: `${base}${url}`, previous: null, next: null },
          };
        },
      }),
    ),
    defineRoute({
      method: 'GET',
      url: '/v3/auth/system',
      policy: 'identity:get_auth_system',
      async handler(call) {
        const roles = await effectiveRoles(env.db, call.ctx.auth.userId, { kind: 'system' });
        return {
          system: roles.length ? [{ all: true }] : [],
          links: { self: `${linkBase(env, call)}/v3/auth/system`, previous: null, next: null },
        };
      },
    }),
  ];
}
