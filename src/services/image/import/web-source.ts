import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { importUriAllowed, type ImportUriFilter } from './uri-filter.ts';

/** Why web-download could not get the data; the message becomes the task's message. */
export class WebSourceError extends Error {
  override readonly name = 'WebSourceError';
}

export interface WebSource {
  /** The response body, unread. */
  readonly body: Readable;
  /** Content-Length of the response, when the server sent one. */
  readonly contentLength: number | undefined;
  /** The URL the data came from after redirects. */
  readonly url: string;
}

export interface WebSourceOptions {
  readonly filter: ImportUriFilter;
  /** Aborts the request (the worker is stopping). */
  readonly signal?: AbortSignal | undefined;
  /** Most redirects followed (urllib, which Glance uses, follows up to 10). */
  readonly maxRedirects?: number;
  /** A connection idle this long fails the download. */
  readonly idleTimeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function get(url: URL, opts: WebSourceOptions): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      { signal: opts.signal, headers: { 'user-agent': 'strata-image-import', accept: '*/*' } },
      resolve,
    );
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () =>
      req.destroy(
        new WebSourceError(
          `No data from ${url.href} for ${Math.round((opts.idleTimeoutMs ?? 60_000) / 1000)} s`,
        ),
      ),
    );
    req.on('error', reject);
  });
}

/**
 * Opens the data at `uri` for web-download. Redirects are followed by hand so each target
 * passes the same import filter as the URL the user gave: an allowed host cannot bounce the
 * download to a host, port or scheme the operator refused.
 */
export async function openWebSource(uri: string, opts: WebSourceOptions): Promise<WebSource> {
  let url = new URL(uri);
  const max = opts.maxRedirects ?? 10;
  for (let hop = 0; ; hop++) {
    let res: http.IncomingMessage;
    try {
      res = await get(url, opts);
    } catch (err) {
      if (err instanceof WebSourceError || opts.signal?.aborted) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new WebSourceError(`Could not fetch ${url.href}: ${e.code ?? e.message}`);
    }
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status) && res.headers.location) {
      res.resume();
      if (hop >= max) throw new WebSourceError(`Too many redirects fetching ${uri}`);
      const next = new URL(res.headers.location, url);
      if (!importUriAllowed(next.href, opts.filter)) {
        throw new WebSourceError(
          `Redirect from ${url.href} to ${next.href} does not pass the import filtering`,
        );
      }
      url = next;
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw new WebSourceError(
        `Fetching ${url.href} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim(),
      );
    }
    const header = res.headers['content-length'];
    const length = header === undefined ? undefined : Number(header);
    return {
      body: res,
      contentLength:
        length !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      url: url.href,
    };
  }
}
