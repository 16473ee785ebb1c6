import { randomBytes } from 'node:crypto';

/** A random MAC under the configured base_mac prefix (its first three octets). */
export function generateMac(base: string): string {
  const prefix = base.split(':').slice(0, 3);
  const rest = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return [...prefix, ...rest].join(':').toLowerCase();
}
