import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportUriFilter } from './uri-filter.ts';
import { openWebSource } from './web-source.ts';

describe('web-download source', () => {
  let server: http.Server;
  let port: number;
  let filter: ImportUriFilter;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/data') return void res.writeHead(200, { 'content-length': 5 }).end('hello');
      if (req.url === '/hop') return void res.writeHead(301, { location: '/data' }).end();
      if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/elsewhere')
        return void res.writeHead(307, { location: 'http://127.0.0.1:1/data' }).end();
      if (req.url === '/scheme')
        return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    filter = {
      allowedSchemes: ['http'],
      allowedHosts: [],
      disallowedHosts: [],
      allowedPorts: [String(port)],
    };
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const read = async (body: NodeJS.ReadableStream) => {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c as Buffer);
    return Buffer.concat(parts).toString();
  };

  it('follows redirects that stay within the filter', async () => {
    const src = await openWebSource(`http://127.0.0.1:${port}/hop`, { filter });
    expect(src.contentLength).toBe(5);
    expect(src.url).toBe(`http://127.0.0.1:${port}/data`);
    expect(await read(src.body)).toBe('hello');
  });

  it('refuses redirects to ports or schemes the filter does not allow, and redirect loops', async () => {
    await expect(openWebSource(`http://127.0.0.1:${port}/elsewhere`, { filter })).rejects.toThrow(
      /does not pass the import filtering/,
    );
    await expect(openWebSource(`http://127.0.0.1:${port}/scheme`, { filter })).rejects.toThrow(
      /does not pass the import filtering/,
    );
    await expect(
      openWebSource(`http://127.0.0.1:${port}/loop`, { filter, maxRedirects: 3 }),
    ).rejects.toThrow(/Too many redirects/);
  });

  it('reports error statuses and unreachable servers', async () => {
    await expect(openWebSource(`http://127.0.0.1:${port}/boom`, { filter })).rejects.toThrow(
      /HTTP 500/,
    );
    await expect(openWebSource('http://127.0.0.1:1/data', { filter })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
