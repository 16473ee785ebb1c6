import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestCloud, TestReply } from '../../../../test/support/test-cloud.ts';

/** An image as the API shows it; tests read whatever fields they check. */
export type ImageBody = TestReply['body'];

export const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
export const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** POST /v2/images with raw/bare formats unless the body says otherwise; returns the image. */
export async function createImage(c: TestCloud, token: string, body: Record<string, unknown> = {}): Promise<ImageBody> {
  const r = await c.request('image', 'POST', '/v2/images', { token, body: { disk_format: 'raw', container_format: 'bare', ...body } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

export function upload(c: TestCloud, token: string, id: string, data: Buffer | ReadableStream, headers: Record<string, string> = {}): Promise<TestReply> {
  return c.request('image', 'PUT', `/v2/images/${id}/file`, {
    token,
    rawBody: data,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });
}

/** GET /v2/images/{id}/file with the body as bytes. */
export async function download(c: TestCloud, token: string, id: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${c.url('image')}/v2/images/${id}/file`, { headers: { 'x-auth-token': token, ...headers } });
  return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
}

export async function show(c: TestCloud, token: string, id: string): Promise<ImageBody> {
  const r = await c.request('image', 'GET', `/v2/images/${id}`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Everything in the file store's directory and the staging directory (partial files included). */
export function storeFiles(c: TestCloud | { dataDir: string }): string[] {
  const dirs = ['images', 'staging'].map((d) => path.join(c.dataDir, 'image', d));
  return dirs.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d) : []));
}

/** Polls until `check` passes (the machine is slow; no fixed durations are asserted). */
export async function eventually<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A body of `chunks` MiB generated on the fly, so neither side holds it whole. */
export function generatedStream(chunks: number, seed: Buffer): { stream: ReadableStream<Uint8Array>; md5: () => string } {
  const hash = createHash('md5');
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === chunks) {
        controller.close();
        return;
      }
      const chunk = Buffer.alloc(1 << 20, seed);
      chunk.writeUInt32BE(i++, 0);
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
  return { stream, md5: () => hash.digest('hex') };
}
