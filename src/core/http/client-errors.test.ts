import net from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger, createProcessMetrics, HealthRegistry } from '../observability/index.ts';
import { PolicyEnforcer } from '../auth/policy/index.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import { unauthorized } from '../errors/index.ts';
import { createApiServer } from './server.ts';
import { defineRoute, registerRoutes } from './routes.ts';
import type { FaultFormatter } from './faults.ts';

// Errors Node's HTTP parser raises on the connection itself, before or while a request is
// read (a body cut short by a client that half-closes, a request line that is not HTTP):
// the answer is in the service's fault format, with a request id, never Fastify's own body.

const fault: FaultFormatter = (err) => ({
  fake: { code: err.status, title: err.title, message: err.message },
});
const tokens: TokenValidator = {
  async validate() {
    throw unauthorized();
  },
};

let app: FastifyInstance;
let port: number;
const logs: string[] = [];
const uploads: Array<{ bytes: number; error?: string }> = [];

beforeAll(async () => {
  const logger = createLogger({
    name: 'widget',
    destination: { write: (s: string) => void logs.push(s) },
  });
  app = createApiServer({
    service: 'widget',
    logger,
    metrics: createProcessMetrics({ defaultMetrics: false }),
    health: new HealthRegistry(),
    faults: fault,
    bodyLimit: 1024,
    requestIdHeaders: ['x-compute-request-id'],
    bodyParsers: [{ contentType: 'application/octet-stream', parseAs: 'stream' }],
  });
  registerRoutes(
    app,
    [
      defineRoute({
        method: 'PUT',
        url: '/v1/blobs/:id',
        auth: 'none',
        policy: null,
        status: 204,
        async handler(call) {
          const seen = { bytes: 0 } as { bytes: number; error?: string };
          uploads.push(seen);
          try {
            for await (const chunk of call.body as Readable) seen.bytes += (chunk as Buffer).length;
          } catch (err) {
            seen.error = (err as Error).message;
            throw err;
          }
        },
      }),
    ],
    { service: 'widget', logger, tokens, policy: new PolicyEnforcer({ defaults: [] }) },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as net.AddressInfo).port;
});
afterAll(async () => app?.close());

/** Writes raw bytes, optionally half-closes, and returns everything the server answered. */
function exchange(raw: string, halfClose: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const got: Buffer[] = [];
    socket.on('data', (c) => got.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      resolve(Buffer.concat(got).toString('utf8'));
      socket.destroy();
    });
    socket.write(raw, () => {
      if (halfClose) socket.end();
    });
  });
}

function parse(answer: string) {
  const [head, body] = answer.split('\r\n\r\n', 2) as [string, string];
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [
      l.slice(0, l.indexOf(':')).toLowerCase(),
      l.slice(l.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
}

describe('client errors on the connection', () => {
  it('answers a body cut short by a half-closing client with 400 in the service format', async () => {
    const answer = await exchange(
      'PUT /v1/blobs/a HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\n' +
        'x'.repeat(300),
      true,
    );
    const res = parse(answer);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      fake: {
        code: 400,
        title: 'Bad Request',
        message: 'The request was malformed or ended before its body was complete.',
      },
    });
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(res.headers['x-compute-request-id']).toBe(res.headers['x-openstack-request-id']);
    expect(answer).not.toContain('Client Error');
    // the handler saw its body fail, not complete
    expect(uploads.at(-1)).toMatchObject({ bytes: 300 });
    expect(uploads.at(-1)!.error).toBeDefined();
  });

  it('answers a request that is not HTTP with 400 in the service format', async () => {
    const res = parse(await exchange('THIS IS NOT HTTP\r\n\r\n', false));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fake: { code: 400, title: 'Bad Request' } });
  });

  it('still serves a whole upload on the same server', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/blobs/b`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(5000, 1),
    });
    expect(res.status).toBe(204);
    expect(uploads.at(-1)).toEqual({ bytes: 5000 });
  });
});
