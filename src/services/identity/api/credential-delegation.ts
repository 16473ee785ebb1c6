import type { AuthContext } from '../../../core/auth/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import type { IdentityDb } from '../store/db.ts';
import { getApplicationCredential } from '../store/application-credentials.ts';

/**
 * Guards that keep a delegated token (one obtained with an application credential, or
 * scoped to a trust) from widening what was delegated: minting credentials, trusts or
 * further application credentials that would outlive or exceed the delegation. These
 * follow the reference Keystone with Debian's security patches (CVE-2026-80184,
 * CVE-2026-90460), which deny by default: a method not known to prove the user directly
 * counts as delegated.
 */
const PRIMARY_METHODS = new Set([
  'password',
  'token',
  'totp',
  'external',
  'mapped',
  'openid',
  'saml2',
  'kerberos',
  'x509',
]);

/** The token was issued through a delegated method (or has no methods at all). */
export function usesDelegatedMethod(auth: AuthContext): boolean {
  return auth.methods.length === 0 || auth.methods.some((m) => !PRIMARY_METHODS.has(m));
}

const forbiddenAction = (action: string) =>
  new ApiError(
    403,
    'identity.forbidden',
    `You are not authorized to perform the requested action: ${action}.`,
  );

/** /v3/credentials and OS-EC2: only a token proving the user directly may touch credentials. */
export function requirePrimaryAuthForCredentials(auth: AuthContext): void {
  if (auth.trustId !== undefined || usesDelegatedMethod(auth)) {
    throw forbiddenAction('Delegated tokens cannot access credentials directly');
  }
}

/** Application credentials and access rules: trust-scoped tokens may not manage them. */
export function refuseTrustTokenForApplicationCredentials(auth: AuthContext): void {
  if (auth.methods.includes('application_credential')) return;
  if (auth.trustId !== undefined || usesDelegatedMethod(auth)) {
    throw new ApiError(
      403,
      'identity.forbidden',
      'Cannot manage application credentials with a token issued via delegation.',
    );
  }
}

/**
 * Creating or deleting application credentials with an application credential token is
 * allowed only when that credential was made `unrestricted`.
 */
export async function requireUnrestrictedApplicationCredential(
  db: IdentityDb,
  auth: AuthContext,
): Promise<void> {
  if (!auth.methods.includes('application_credential')) return;
  const ac = auth.applicationCredentialId
    ? await getApplicationCredential(db, auth.applicationCredentialId)
    : undefined;
  if (!ac?.unrestricted) {
    throw forbiddenAction(
      "Using method 'application_credential' is not allowed for managing additional application credentials",
    );
  }
}

/** Trusts: application credential tokens (and any other delegated method) may not manage them. */
export function refuseDelegatedMethodForTrusts(auth: AuthContext): void {
  if (usesDelegatedMethod(auth)) throw forbiddenAction('Delegated tokens cannot manage trusts');
}
