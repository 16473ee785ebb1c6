import { describe, expect, it } from 'vitest';
import { startWebImageServer } from './web-image-server.ts';

describe('startWebImageServer', () => {
  it('serves its bytes at its URL on 127.0.0.1, counts downloads, and 404s anything else', async () => {
    const bytes = Buffer.from('image bytes');
    const server = await startWebImageServer(bytes);
    try {
      expect(new URL(server.url).hostname).toBe('127.0.0.1');
      expect(new URL(server.url).port).toBe(String(server.port));
      const head = await fetch(server.url, { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      const got = await fetch(server.url);
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes);
      expect(server.downloads()).toBe(1);
      expect((await fetch(new URL('/other.img', server.url))).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
