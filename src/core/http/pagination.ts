import { badRequest } from '../errors/index.ts';

/**
 * limit/marker pagination as OpenStack APIs do it: the client passes `limit` and the id of
 * the last item it saw as `marker`; the response carries a `next` link when the page is full.
 */
export interface PageQuery {
  readonly limit: number;
  readonly marker: string | undefined;
}

export function parsePageQuery(
  query: Readonly<Record<string, unknown>>,
  opts: { defaultLimit: number; maxLimit: number },
): PageQuery {
  let limit = opts.defaultLimit;
  const rawLimit = query.limit;
  if (rawLimit !== undefined && rawLimit !== '') {
    const n = typeof rawLimit === 'number' ? rawLimit : Number(rawLimit);
    if (!Number.isInteger(n) || n < 0) {
      throw badRequest(`Invalid input for field 'limit': must be a non-negative integer.`, 'invalid_limit');
    }
    limit = Math.min(n, opts.maxLimit);
  }
  const marker = typeof query.marker === 'string' && query.marker !== '' ? query.marker : undefined;
  return { limit, marker };
}

/**
 * The URL of the next page: the same request with `marker` set to the last item's id, or
 * undefined when fewer items than the limit came back.
 */
export function nextPageUrl(
  requestUrl: string,
  baseUrl: string,
  page: { limit: number; count: number; lastMarker: string | undefined },
): string | undefined {
  if (page.lastMarker === undefined || page.count < page.limit || page.limit === 0) return undefined;
  // Path and query are set on the base rather than resolved against it: a request path
  // starting with `//` would otherwise be read as another host.
  const url = new URL(baseUrl);
  const q = requestUrl.indexOf('?');
  url.pathname = q < 0 ? requestUrl : requestUrl.slice(0, q);
  url.search = q < 0 ? '' : requestUrl.slice(q);
  url.searchParams.set('limit', String(page.limit));
  url.searchParams.set('marker', page.lastMarker);
  return url.toString();
}
