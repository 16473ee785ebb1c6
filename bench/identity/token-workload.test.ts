import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../lib/http-client.ts';
import { TokenWorkload } from './token-workload.ts';

// A stand-in Keystone: issues numbered tokens, validates the ones it issued, and fails
// validation of token "t3" so error accounting can be seen.
let issued = 0;
const validated: string[] = [];
const authBodies: unknown[] = [];
let closeHeader = false;
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (closeHeader) res.setHeader('connection', 'close');
    if (req.method === 'POST' && req.url === '/identity/v3/auth/tokens') {
      authBodies.push(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(201, { 'x-subject-token': `t${issued++}`, 'content-type': 'application/json' });
      res.end('{"token":{}}');
      return;
    }
    if (
      req.method === 'GET' &&
      req.url === '/identity/v3/auth/tokens' &&
      req.headers['x-auth-token'] === 'admin'
    ) {
      const subject = String(req.headers['x-subject-token']);
      validated.push(subject);
      if (subject === 't3') {
        res.writeHead(404).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: { project: { name: 'demo' }, catalog: [] } }));
      return;
    }
    res.writeHead(401).end('{}');
  });
});

let client: HttpClient;
let workload: TokenWorkload;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const authUrl = `http://127.0.0.1:${port}/identity/v3`;
  client = new HttpClient(authUrl, 4);
  workload = new TokenWorkload(client, {
    authUrl,
    username: 'u',
    password: 'p',
    userDomainName: 'Default',
    projectName: 'demo',
    projectDomainName: 'Default',
  });
});

afterAll(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('TokenWorkload', () => {
  it('issues distinct tokens under the auth URL path with a password body', async () => {
    const pool = await workload.issueTokenPool(3);
    expect(new Set(pool).size).toBe(3);
    expect(authBodies[0]).toMatchObject({
      auth: { identity: { methods: ['password'] }, scope: { project: { name: 'demo' } } },
    });
  });

  it('validates round-robin over the pool and counts non-2xx answers as errors', async () => {
    validated.length = 0;
    const pool = ['t0', 't1', 't2', 't3'];
    const m = await workload.measureValidate(
      { concurrency: 2, durationMs: 500, warmupMs: 0 },
      'admin',
      pool,
    );
    expect(m.operation).toBe('validate');
    // Two workers may reach the server in either order, so compare as sets per round.
    expect(validated.length).toBeGreaterThanOrEqual(5);
    expect(new Set(validated.slice(0, 4))).toEqual(new Set(pool));
    expect(validated.filter((t) => t === 't0').length).toBeGreaterThanOrEqual(
      Math.floor(validated.length / 4),
    );
    expect(m.errors).toBeGreaterThan(0);
    expect(m.errorKinds).toEqual({ 'HTTP 404': m.errors });
    expect(m.errorRate).toBeCloseTo(m.errors / (m.ok + m.errors));
    expect(m.latencyMs.count).toBe(m.ok);
    expect(m.throughputPerSec).toBeGreaterThan(0);
  });

  it('measures issue the same way, also against a server that closes every connection', async () => {
    closeHeader = true;
    try {
      const m = await workload.measureIssue({ concurrency: 3, durationMs: 300, warmupMs: 20 });
      expect(m.errors).toBe(0);
      expect(m.ok).toBeGreaterThan(3);
      expect(m.loadAverageBefore).toHaveLength(3);
    } finally {
      closeHeader = false;
    }
  });

  it('refuses to measure a validate that does not return a project-scoped token with a catalog', async () => {
    await expect(workload.checkValidate('admin', 't0')).resolves.toBeUndefined();
    await expect(workload.checkValidate('nobody', 't0')).rejects.toThrow(/401/);
  });
});
