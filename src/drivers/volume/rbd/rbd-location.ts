import type { RbdSpec } from './rbd-client.ts';

/**
 * Glance's RBD store location `rbd://<fsid>/<pool>/<image>/<snap>` (each part URL-quoted).
 * A volume can be a copy-on-write clone of such an image when it is in the same cluster.
 */
export interface RbdImageLocation extends RbdSpec {
  readonly fsid: string;
  readonly snap: string;
}

export function parseRbdLocation(url: string): RbdImageLocation | undefined {
  if (!url.startsWith('rbd://')) return undefined;
  const parts = url.slice('rbd://'.length).split('/');
  if (parts.length !== 4 || parts.some((p) => p === '')) return undefined;
  try {
    const [fsid, pool, image, snap] = parts.map(decodeURIComponent) as [string, string, string, string];
    return { fsid, pool, image, snap };
  } catch {
    return undefined; // malformed escapes: not a location we can use
  }
}

export function formatRbdLocation(loc: RbdImageLocation): string {
  return `rbd://${[loc.fsid, loc.pool, loc.image, loc.snap].map(encodeURIComponent).join('/')}`;
}
