import type { AuthContext, NamedRef, TokenScope, TokenValidator } from '../../core/auth/index.ts';
import { ApiError, unauthorized } from '../../core/errors/index.ts';

/** The service user a remote service authenticates as (keystonemiddleware's [keystone_authtoken]). */
export interface ServiceCredentials {
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomainName: string;
  readonly projectDomainName: string;
}

interface TokenBody {
  token: {
    methods: string[];
    user: { id: string; name: string; domain: NamedRef };
    project?: { id: string; name: string; domain: NamedRef };
    domain?: NamedRef;
    system?: { all: boolean };
    roles?: NamedRef[];
    audit_ids: string[];
    issued_at: string;
    expires_at: string;
    is_admin_project?: boolean;
    'OS-TRUST:trust'?: { id: string };
    application_credential?: { id: string };
  };
}

/** Turns a Keystone token body into the context services work with. */
export function authContextFromTokenBody(body: TokenBody): AuthContext {
  const t = body.token;
  let scope: TokenScope = { kind: 'unscoped' };
  if (t.project) scope = { kind: 'project', project: { id: t.project.id, name: t.project.name, domain: t.project.domain } };
  else if (t.domain) scope = { kind: 'domain', domain: t.domain };
  else if (t.system?.all) scope = { kind: 'system', system: 'all' };
  return {
    userId: t.user.id,
    userName: t.user.name,
    userDomain: t.user.domain,
    scope,
    roles: (t.roles ?? []).map((r) => ({ id: r.id, name: r.name })),
    methods: t.methods,
    issuedAt: new Date(t.issued_at),
    expiresAt: new Date(t.expires_at),
    auditIds: t.audit_ids,
    isAdminProject: t.is_admin_project ?? false,
    trustId: t['OS-TRUST:trust']?.id,
    applicationCredentialId: t.application_credential?.id,
  };
}

/**
 * Validates tokens against an identity service in another process, as keystonemiddleware
 * does: with its own service token (renewed before it expires), by GET /v3/auth/tokens.
 * Wrap it in a CachingTokenValidator so most requests never leave the process.
 */
export class HttpTokenValidator implements TokenValidator {
  private serviceToken: { value: string; expiresAt: number } | undefined;
  private readonly base: string;

  constructor(
    private readonly creds: ServiceCredentials,
    private readonly opts: { fetch?: typeof fetch; now?: () => number } = {},
  ) {
    this.base = creds.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
  }

  private get fetch(): typeof fetch {
    return this.opts.fetch ?? fetch;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async token(): Promise<string> {
    // Renew a minute early so a validation never races the expiry.
    if (this.serviceToken && this.serviceToken.expiresAt - 60_000 > this.now()) return this.serviceToken.value;
    const c = this.creds;
    const res = await this.fetch(`${this.base}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } },
          },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
        },
      }),
    });
    const value = res.headers.get('x-subject-token');
    if (res.status !== 201 || !value) {
      throw new ApiError(503, 'identity.unavailable', `The service could not authenticate to identity (HTTP ${res.status}).`);
    }
    const body = (await res.json()) as TokenBody;
    this.serviceToken = { value, expiresAt: Date.parse(body.token.expires_at) };
    return value;
  }

  async validate(token: string): Promise<AuthContext> {
    let res = await this.check(token, await this.token());
    if (res.status === 401) {
      // Our own token was revoked or expired early: get a new one once.
      this.serviceToken = undefined;
      res = await this.check(token, await this.token());
    }
    if (res.status === 404) throw unauthorized();
    if (res.status !== 200) {
      throw new ApiError(503, 'identity.unavailable', `Identity could not validate the token (HTTP ${res.status}).`);
    }
    return authContextFromTokenBody((await res.json()) as TokenBody);
  }

  private check(token: string, serviceToken: string): Promise<Response> {
    return this.fetch(`${this.base}/v3/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': serviceToken, 'x-subject-token': token },
    });
  }
}
