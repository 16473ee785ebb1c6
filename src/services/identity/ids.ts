import { randomUUID } from 'node:crypto';

/** Keystone's id shape: a random UUID as 32 lowercase hex characters. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

export const DEFAULT_DOMAIN_ID = 'default';
