/**
 * Pieces every identity view shares: Keystone's time format, `links` objects and the
 * collection envelope.
 */

/** Keystone prints times with microseconds and a Z: 2015-11-05T22:00:11.000000Z. */
export function keystoneTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000Z`;
}

export function selfLink(baseUrl: string, path: string): { self: string } {
  return { self: `${baseUrl}/v3/${path}` };
}

/**
 * A Keystone collection: `{<name>: [...], links: {self, previous, next}}`, plus
 * `truncated: true` when list_limit cut the list short.
 */
export function collection(
  name: string,
  items: readonly unknown[],
  opts: { baseUrl: string; path: string; query?: string; truncated?: boolean },
): Record<string, unknown> {
  const self = `${opts.baseUrl}/v3/${opts.path}${opts.query ? `?${opts.query}` : ''}`;
  const body: Record<string, unknown> = { [name]: items, links: { self, previous: null, next: null } };
  if (opts.truncated) body.truncated = true;
  return body;
}

/** The query string of a request URL, for collection self links. */
export function queryOf(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}
