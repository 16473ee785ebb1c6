import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../lib/openstack-http.ts';
import { createTestImage, deleteTestImage } from './test-image.ts';

/** A Glance that knows one image: create, upload (queued -> saving -> active), show, delete. */
describe('createTestImage', () => {
  let base = '';
  let log: string[] = [];
  let uploadStatus = 204;
  let shows = 0;
  let received = Buffer.alloc(0);
  let created: Record<string, unknown> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      log.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''}`.trim());
      res.setHeader('content-type', 'application/json');
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/v2/images') {
        created = JSON.parse(body.toString()) as Record<string, unknown>;
        res.statusCode = 201;
        res.end(JSON.stringify({ ...created, id: 'img-1', status: 'queued' }));
      } else if (req.method === 'PUT' && req.url === '/v2/images/img-1/file') {
        received = body;
        res.statusCode = uploadStatus;
        res.end(uploadStatus === 204 ? '' : JSON.stringify({ message: 'store full' }));
      } else if (req.method === 'GET' && req.url === '/v2/images/img-1') {
        shows++;
        res.end(JSON.stringify({ id: 'img-1', status: shows < 2 ? 'saving' : 'active' }));
      } else if (req.method === 'DELETE' && req.url === '/v2/images/img-1') {
        res.statusCode = 204;
        res.end();
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    log = [];
    uploadStatus = 204;
    shows = 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('creates a public raw image, uploads the data and waits until it is active', async () => {
    const data = Buffer.from('sixteen bytes!!!');
    const id = await createTestImage(new ApiClient('tok'), `${base}/v2/`, 'img', {
      data,
      pollMs: 5,
    });
    expect(id).toBe('img-1');
    expect(created).toEqual({
      name: 'img',
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'public',
    });
    expect(received.equals(data)).toBe(true);
    expect(log).toEqual([
      'POST /v2/images application/json',
      'PUT /v2/images/img-1/file application/octet-stream',
      'GET /v2/images/img-1',
      'GET /v2/images/img-1',
    ]);
  });

  it('deletes the image again when the upload is refused', async () => {
    uploadStatus = 413;
    await expect(
      createTestImage(new ApiClient('tok'), base, 'img', { data: Buffer.from('x'), pollMs: 5 }),
    ).rejects.toThrow(/PUT .*HTTP 413/);
    expect(log.at(-1)).toBe('DELETE /v2/images/img-1');
  });

  it('accepts deleting an image that is already gone', async () => {
    await expect(deleteTestImage(new ApiClient('tok'), base, 'img-1')).resolves.toBeUndefined();
    await expect(deleteTestImage(new ApiClient('tok'), base, 'other')).resolves.toBeUndefined();
  });
});
