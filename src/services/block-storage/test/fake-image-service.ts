import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** An image as the fake image service keeps it. */
export interface FakeImage {
  id: string;
  name: string | null;
  status: string;
  size: number | null;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  visibility: string;
  protected: boolean;
  /** Custom properties and anything else shown on the image. */
  [key: string]: unknown;
}

export interface FakeImageService {
  readonly url: string;
  readonly images: Map<string, FakeImage>;
  /** Image data by id. */
  readonly data: Map<string, Buffer>;
  /** Every request: method, path and the token it carried. */
  readonly requests: Array<{ method: string; path: string; token: string | undefined; contentType: string | undefined }>;
  /** Status to answer uploads with instead of storing them (error injection). */
  failUploadsWith: number | undefined;
  add(image: Partial<FakeImage>, data?: Buffer): FakeImage;
  close(): Promise<void>;
}

/**
 * Just enough of Glance v2 for block storage's image flows: show, list by name, download,
 * create, upload, delete. Streams are read and written chunk by chunk, as Glance would.
 */
export async function startFakeImageService(): Promise<FakeImageService> {
  const images = new Map<string, FakeImage>();
  const data = new Map<string, Buffer>();
  const requests: FakeImageService['requests'] = [];
  const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const service: FakeImageService = {
    url: '',
    images,
    data,
    requests,
    failUploadsWith: undefined,
    add(image, bytes) {
      const img: FakeImage = {
        id: randomUUID(),
        name: 'image',
        status: 'active',
        size: bytes?.length ?? 0,
        min_disk: 0,
        min_ram: 0,
        disk_format: 'raw',
        container_format: 'bare',
        checksum: null,
        visibility: 'private',
        protected: false,
        ...image,
      };
      images.set(img.id, img);
      if (bytes) data.set(img.id, bytes);
      return img;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = req.headers['x-auth-token'] as string | undefined;
    requests.push({ method: req.method ?? '', path: url.pathname, token, contentType: req.headers['content-type'] });
    const m = /^\/v2\/images(?:\/([^/]+))?(\/file)?$/.exec(url.pathname);
    if (!m) return send(res, 404, { message: 'not found' });
    const [, id, file] = m;
    const image = id ? images.get(id) : undefined;
    if (req.method === 'GET' && !id) {
      const name = url.searchParams.get('name');
      return send(res, 200, { images: [...images.values()].filter((i) => name === null || i.name === name) });
    }
    if (req.method === 'POST' && !id) {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as Partial<FakeImage>;
        const created = service.add({ ...body, status: 'queued', size: null });
        send(res, 201, created);
      });
      return;
    }
    if (!image) return send(res, 404, { message: 'no such image' });
    if (req.method === 'GET' && !file) return send(res, 200, image);
    if (req.method === 'GET' && file) {
      const bytes = data.get(image.id) ?? Buffer.alloc(0);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // In small chunks, to exercise streaming on the reading side.
      for (let i = 0; i < bytes.length; i += 64 * 1024) res.write(bytes.subarray(i, i + 64 * 1024));
      return res.end();
    }
    if (req.method === 'PUT' && file) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (service.failUploadsWith !== undefined) return send(res, service.failUploadsWith, { message: 'upload refused' });
        const bytes = Buffer.concat(chunks);
        data.set(image.id, bytes);
        image.size = bytes.length;
        image.status = 'active';
        send(res, 204);
      });
      return;
    }
    if (req.method === 'DELETE') {
      images.delete(image.id);
      data.delete(image.id);
      return send(res, 204);
    }
    send(res, 405, { message: 'method not allowed' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (service as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return service;
}
