import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from '../../src/services/identity/test/harness.ts';
import { generateBadRequests, type BadRequest } from './bad-requests.ts';

const SEED = 20_260_101;
const BODY_LIMIT = 1_048_576; // what the harness configures

interface Violation {
  readonly request: string;
  readonly status: number;
  readonly problem: string;
  readonly body: string;
}

function describeRequest(r: BadRequest): string {
  const url = r.url.length > 120 ? `${r.url.slice(0, 120)}...` : r.url;
  const payload = r.payload === undefined ? '' : ` body=${String(r.payload).slice(0, 120)}`;
  return `[${r.kind}] ${r.method} ${url}${payload}`;
}

/** Keystone's fault body, with the code equal to the status. */
function faultProblem(status: number, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'error body is not JSON';
  }
  const error = (body as { error?: { code?: unknown; title?: unknown; message?: unknown } } | null)
    ?.error;
  if (!error || typeof error !== 'object') return 'error body has no "error" object';
  if (error.code !== status)
    return `error.code ${String(error.code)} differs from status ${status}`;
  if (typeof error.title !== 'string' || error.title === '') return 'error.title missing';
  if (typeof error.message !== 'string' || error.message === '') return 'error.message missing';
  return undefined;
}

/** Creates one resource per collection so PATCH bodies hit real rows; skips what is not there yet. */
async function createTargets(h: IdentityHarness): Promise<Record<string, string>> {
  const bodies: [string, string, Record<string, unknown>][] = [
    [
      'users',
      'user',
      { name: 'fuzz-target-user', domain_id: 'default', password: 'Target-Pass-1' },
    ],
    ['projects', 'project', { name: 'fuzz-target-project', domain_id: 'default' }],
    ['groups', 'group', { name: 'fuzz-target-group', domain_id: 'default' }],
    ['roles', 'role', { name: 'fuzz-target-role' }],
    ['domains', 'domain', { name: 'fuzz-target-domain' }],
    ['regions', 'region', { id: 'fuzz-target-region' }],
    ['services', 'service', { type: 'fuzz-target' }],
  ];
  const ids: Record<string, string> = {};
  for (const [collection, member, body] of bodies) {
    const res = await h.request('POST', `/v3/${collection}`, {
      token: h.adminToken,
      body: { [member]: body },
    });
    const id = (res.body as Record<string, { id?: unknown }> | undefined)?.[member]?.id;
    if (res.status === 201 && typeof id === 'string') ids[collection] = id;
  }
  return ids;
}

describe('identity answers bad input without a server error', () => {
  let h: IdentityHarness;
  let requests: BadRequest[];

  beforeAll(async () => {
    h = await startIdentity();
    const existing = await createTargets(h);
    requests = generateBadRequests({
      seed: SEED,
      adminToken: h.adminToken,
      adminPassword: h.adminPassword,
      existing,
      bodyLimit: BODY_LIMIT,
    });
  });
  afterAll(async () => h?.close());

  it('generates the same requests from the same seed, and others from another', () => {
    const input = {
      seed: SEED,
      adminToken: h.adminToken,
      adminPassword: h.adminPassword,
      bodyLimit: BODY_LIMIT,
    };
    const a = generateBadRequests(input).map(describeRequest);
    expect(generateBadRequests(input).map(describeRequest)).toEqual(a);
    expect(generateBadRequests({ ...input, seed: SEED + 1 }).map(describeRequest)).not.toEqual(a);
  });

  it('sends at least 1000 bad requests and answers each with a 4xx fault or success, never 5xx', async () => {
    expect(requests.length).toBeGreaterThanOrEqual(1000);
    const byStatus = new Map<number, number>();
    const byKind = new Map<string, Map<number, number>>();
    const violations: Violation[] = [];
    const started = Date.now();

    for (const r of requests) {
      const res = await h.app.inject({
        method: r.method as 'GET',
        url: r.url,
        headers: r.headers,
        ...(r.payload === undefined ? {} : { payload: r.payload }),
      });
      const status = res.statusCode;
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const kindCounts = byKind.get(r.kind) ?? new Map<number, number>();
      kindCounts.set(status, (kindCounts.get(status) ?? 0) + 1);
      byKind.set(r.kind, kindCounts);

      const report = (problem: string) =>
        violations.push({
          request: describeRequest(r),
          status,
          problem,
          body: res.body.slice(0, 300),
        });
      if (status >= 500) report('server error');
      if (!/^req-/.test(String(res.headers['x-openstack-request-id'] ?? '')))
        report('no request id header');
      // HEAD answers carry no body to check.
      if (status >= 400 && r.method !== 'HEAD') {
        const problem = faultProblem(status, res.body);
        if (problem) report(problem);
      }
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const statusLine = [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    const kindLines = [...byKind].map(
      ([kind, counts]) =>
        `  ${kind.padEnd(15)} ${[...counts]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    console.log(
      `identity fuzz: ${requests.length} requests in ${seconds} s, seed ${SEED}\n  by status: ${statusLine}\n${kindLines.join('\n')}`,
    );

    const shown = violations
      .slice(0, 25)
      .map((v) => `${v.status} ${v.problem}: ${v.request}\n    -> ${v.body}`)
      .join('\n');
    expect(violations, `${violations.length} bad answers, first ones:\n${shown}`).toEqual([]);
  }, 240_000);
});
