import type { Credential } from '../store/credentials.ts';
import { selfLink } from './views.ts';

/** A credential as /v3/credentials shows it: extra attributes, then the defined ones. */
export function credentialView(c: Credential, baseUrl: string): Record<string, unknown> {
  return {
    ...c.extra,
    id: c.id,
    user_id: c.userId,
    project_id: c.projectId,
    type: c.type,
    blob: c.blob,
    links: selfLink(baseUrl, `credentials/${c.id}`),
  };
}

/** The OS-EC2 view of an ec2-type credential: the blob's keys at the top level. */
export function ec2CredentialView(c: Credential, baseUrl: string): Record<string, unknown> {
  const blob = parseBlob(c.blob);
  const access = typeof blob.access === 'string' ? blob.access : null;
  return {
    user_id: c.userId,
    tenant_id: c.projectId,
    access,
    secret: blob.secret ?? null,
    trust_id: blob.trust_id ?? null,
    links: selfLink(baseUrl, `users/${c.userId}/credentials/OS-EC2/${access ?? ''}`),
  };
}

/** An ec2 blob is a JSON object; anything else reads as an empty one. */
export function parseBlob(blob: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(blob);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
