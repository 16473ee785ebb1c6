import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestCloud } from '../../../../test/support/test-cloud.ts';

/** A local web server web-download fetches from in tests: routes by path. */
export interface SourceServer {
  readonly port: number;
  url(p: string): string;
  /** Bytes sent by the slow route so far. */
  sent(): number;
  close(): Promise<void>;
}

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export async function sourceServer(routes: Record<string, Route>): Promise<SourceServer> {
  let sent = 0;
  const server = http.createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404).end('not here');
      return;
    }
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer, ...rest: never[]) => {
      sent += chunk.length;
      return write(chunk, ...rest);
    }) as typeof res.write;
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    sent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `data` whole, with its Content-Length. */
export const serve =
  (data: Buffer): Route =>
  (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': data.length,
    });
    res.end(data);
  };

/** Serves `data` in small pieces with a pause between them (an import that takes a while). */
export const serveSlowly =
  (data: Buffer, chunk: number, pauseMs: number): Route =>
  (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': data.length,
    });
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= data.length) return void res.end();
      res.write(data.subarray(at, at + chunk));
      at += chunk;
      setTimeout(next, pauseMs);
    };
    next();
  };

export const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
export const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await probe();
    if (last !== undefined) return last as T;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Shows the image until `done` says it is where the test waits for it. */
export function waitImage(
  cloud: TestCloud,
  token: string,
  id: string,
  done: (image: Record<string, unknown>) => boolean,
  timeoutMs?: number,
) {
  return until(
    `image ${id}`,
    async () => {
      const r = await cloud.request('image', 'GET', `/v2/images/${id}`, { token });
      return done(r.body) ? (r.body as Record<string, unknown>) : undefined;
    },
    timeoutMs,
  );
}

export async function createImage(
  cloud: TestCloud,
  token: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await cloud.request('image', 'POST', '/v2/images', {
    token,
    body: { name: 'import-test', disk_format: 'raw', container_format: 'bare', ...extra },
  });
  if (r.status !== 201) throw new Error(`create image: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

export function stage(cloud: TestCloud, token: string, id: string, data: Buffer) {
  return cloud.request('image', 'PUT', `/v2/images/${id}/stage`, {
    token,
    rawBody: data,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

export function importImage(
  cloud: TestCloud,
  token: string,
  id: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return cloud.request('image', 'POST', `/v2/images/${id}/import`, { token, body, headers });
}

/** Names of the files under the cloud's image staging directory. */
export function stagedFiles(cloud: TestCloud): string[] {
  const dir = path.join(cloud.dataDir, 'image', 'staging');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** Names of the files under the cloud's file store directory. */
export function storedFiles(cloud: TestCloud): string[] {
  const dir = path.join(cloud.dataDir, 'image', 'images');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}
