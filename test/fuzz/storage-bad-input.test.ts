import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MAX_MICROVERSION } from '../../src/services/block-storage/index.ts';
import { LATEST, startVolumeCloud, type VolumeClient, type VolumeCloud } from '../../src/services/block-storage/test/volume-cloud.ts';
import { generateStorageBadRequests, type StorageBadRequest, type StorageFixture, type StorageService } from './storage-bad-requests.ts';

const SEED = 20_260_303;
const BODY_LIMIT = 1_048_576; // the server default the test cloud runs with
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Statuses an operation passes through; none may remain once the run has settled. */
const TRANSITIONAL = new Set([
  'creating',
  'deleting',
  'saving',
  'importing',
  'uploading',
  'downloading',
  'attaching',
  'detaching',
  'extending',
  'retyping',
  'backing-up',
  'restoring',
  'restoring-backup',
  'pending_delete',
  'reserved',
]);

/** Routes that refuse a valid request with 501, as Cinder does for a feature the backend lacks. */
const UNSUPPORTED = new Set(['POST /v3/:project_id/manageable_snapshots', 'POST /v3/manageable_snapshots']);
/** Kinds whose requests are never valid, so a 501 (which means "valid but unsupported") is wrong. */
const ALWAYS_INVALID = new Set(['malformed-json', 'body-shape', 'deep-nesting', 'oversized']);

interface Violation {
  readonly request: string;
  readonly status: number;
  readonly problem: string;
  readonly body: string;
}

function describeRequest(r: StorageBadRequest): string {
  const url = r.url.length > 140 ? `${r.url.slice(0, 140)}...` : r.url;
  const payload = r.payload === undefined ? '' : ` body=${String(r.payload).slice(0, 120)}`;
  const version = r.headers['openstack-api-version'] ? ` [${r.headers['openstack-api-version']}]` : '';
  const type = r.kind === 'content-type' || r.kind === 'image-data' ? ` [${r.headers['content-type'] ?? 'no content-type'}]` : '';
  return `[${r.service} ${r.kind}] ${r.method} ${url}${version}${type}${payload}`;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
};
const CINDER_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  422: 'unprocessableEntity',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Glance's webob fault: {"message": "...<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}. */
function glanceProblem(status: number, text: string): string | undefined {
  let body: { message?: unknown; code?: unknown; title?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return 'error body is not JSON';
  }
  if (!body || typeof body !== 'object') return 'error body is not an object';
  const title = REASONS[status];
  if (body.code !== `${status} ${title}`) return `code ${JSON.stringify(body.code)} is not "${status} ${title}"`;
  if (body.title !== title) return `title ${JSON.stringify(body.title)} is not "${title}"`;
  if (typeof body.message !== 'string' || !body.message.endsWith('<br /><br />\n\n\n')) return 'message is not framed as webob frames it';
  return undefined;
}

/** Cinder's fault: {"itemNotFound": {"code": 404, "message": "..."}}. */
function cinderProblem(status: number, text: string): string | undefined {
  let body: Record<string, { code?: unknown; message?: unknown }>;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return 'error body is not JSON';
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'error body is not an object';
  const keys = Object.keys(body);
  // Cinder's Fault names the statuses it knows and calls every other one computeFault.
  const name = CINDER_NAMES[status] ?? 'computeFault';
  if (keys.length !== 1 || keys[0] !== name) return `fault key ${JSON.stringify(keys)} is not "${name}"`;
  const fault = body[name]!;
  if (fault.code !== status) return `code ${String(fault.code)} differs from status ${status}`;
  if (typeof fault.message !== 'string' || fault.message === '') return 'message missing';
  return undefined;
}

interface Row {
  readonly kind: string;
  readonly fields: string;
  readonly status: string;
}
type State = Map<string, Row>;

/** What the run must not change: every resource as the admin sees it, and the image files on disk. */
async function snapshotState(c: VolumeCloud): Promise<{ rows: State; files: string[] }> {
  const rows: State = new Map();
  const add = (kind: string, list: Record<string, unknown>[], keys: readonly string[]) => {
    for (const item of list) {
      rows.set(String(item.id), {
        kind,
        status: String(item.status ?? ''),
        fields: JSON.stringify(keys.map((k) => item[k] ?? null)),
      });
    }
  };
  const images = await c.cloud.request('image', 'GET', '/v2/images?limit=1000', { token: c.cloud.adminToken });
  expect(images.status).toBe(200);
  add('image', images.body.images, ['status', 'size', 'checksum', 'os_hash_value', 'visibility', 'owner']);
  const cinder = async (what: string, key: string, keys: readonly string[]) => {
    const r = await c.admin.call('GET', what, undefined, LATEST);
    expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(200);
    add(key, r.body[key], keys);
  };
  await cinder('volumes/detail?all_tenants=1&limit=1000', 'volumes', ['status', 'size', 'attach_status', 'volume_type', 'os-vol-tenant-attr:tenant_id']);
  await cinder('snapshots/detail?all_tenants=1&limit=1000', 'snapshots', ['status', 'size', 'volume_id']);
  await cinder('backups/detail?all_tenants=1&limit=1000', 'backups', ['status', 'size', 'volume_id']);
  await cinder('types', 'volume_types', ['name', 'is_public']);
  await cinder('qos-specs', 'qos_specs', ['name', 'consumer']);
  await cinder('attachments?all_tenants=1', 'attachments', ['status', 'volume_id']);
  await cinder('volume-transfers?all_tenants=1', 'transfers', ['volume_id']);
  const dirs = ['images', 'staging'].map((d) => path.join(c.cloud.dataDir, 'image', d));
  const files = dirs.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).map((f) => `${path.basename(d)}/${f}`) : [])).sort();
  return { rows, files };
}

describe('image and block storage answer bad input without a server error', () => {
  let c: VolumeCloud;
  let fixture: StorageFixture;
  let requests: StorageBadRequest[];
  let apps: Record<StorageService, FastifyInstance>;

  const volume = async (who: VolumeClient) => {
    const r = await who.call('POST', 'volumes', { volume: { size: 1, name: 'fuzz-seed' } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'available');
    return r.body.volume.id as string;
  };
  const waitFor = async (who: VolumeClient, what: string, key: string, status: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await who.call('GET', what);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      if (r.body[key].status === status) return;
      if (Date.now() > deadline) throw new Error(`${what} is ${String(r.body[key].status)}, not ${status}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const snapshot = async (who: VolumeClient, volumeId: string) => {
    const r = await who.call('POST', 'snapshots', { snapshot: { volume_id: volumeId, name: 'fuzz-seed' } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await waitFor(who, `snapshots/${r.body.snapshot.id}`, 'snapshot', 'available');
    return r.body.snapshot.id as string;
  };
  const backup = async (who: VolumeClient, volumeId: string) => {
    const r = await who.call('POST', 'backups', { backup: { volume_id: volumeId, name: 'fuzz-seed' } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await waitFor(who, `backups/${r.body.backup.id}`, 'backup', 'available');
    await c.waitForStatus(volumeId, 'available');
    return r.body.backup.id as string;
  };
  const image = async (token: string, data?: Buffer) => {
    const r = await c.cloud.request('image', 'POST', '/v2/images', {
      token,
      body: { name: 'fuzz-seed', disk_format: 'raw', container_format: 'bare' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    if (data) {
      const up = await c.cloud.request('image', 'PUT', `/v2/images/${r.body.id}/file`, {
        token,
        rawBody: data,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(up.status, JSON.stringify(up.body)).toBe(204);
    }
    return r.body.id as string;
  };

  beforeAll(async () => {
    c = await startVolumeCloud({ services: ['image', 'block-storage'] });
    const outsider = await c.member();
    const owner = await c.member();
    const running = (type: string) => c.cloud.cloud.services.find((s) => s.definition.type === type)!;
    apps = { image: running('image').app, 'block-storage': running('block-storage').app };

    const type = await c.admin.call('POST', 'types', { volume_type: { name: 'fuzz-type', extra_specs: { k: 'v' } } });
    expect(type.status, JSON.stringify(type.body)).toBe(200);
    const qos = await c.admin.call('POST', 'qos-specs', { qos_specs: { name: 'fuzz-qos', read_iops_sec: '100' } });
    expect(qos.status, JSON.stringify(qos.body)).toBe(200);
    const ns = await c.cloud.request('image', 'POST', '/v2/metadefs/namespaces', {
      token: c.cloud.adminToken,
      body: { namespace: 'fuzz-ns', visibility: 'public' },
    });
    expect(ns.status, JSON.stringify(ns.body)).toBe(201);

    const volumeId = await volume(c.admin);
    const snapshotId = await snapshot(c.admin, volumeId);
    const backupId = await backup(c.admin, volumeId);
    const otherVolume = await volume(owner);
    const otherSnapshot = await snapshot(owner, otherVolume);
    const otherBackup = await backup(owner, otherVolume);

    fixture = {
      adminToken: c.cloud.adminToken,
      adminProjectId: c.cloud.adminProjectId,
      outsiderToken: outsider.token,
      outsiderProjectId: outsider.projectId,
      otherProjectId: owner.projectId,
      volumeTypeName: 'fuzz-type',
      ids: {
        volume_id: volumeId,
        snapshot_id: snapshotId,
        backup_id: backupId,
        image_id: await image(c.cloud.adminToken, Buffer.alloc(70_000, 'seed image data ')),
        queued_image_id: await image(c.cloud.adminToken),
        type_id: type.body.volume_type.id,
        qos_id: qos.body.qos_specs.id,
        namespace_name: 'fuzz-ns',
      },
      otherIds: {
        volume_id: otherVolume,
        snapshot_id: otherSnapshot,
        backup_id: otherBackup,
        image_id: await image(owner.token, Buffer.from('the other project owns this')),
      },
    };
    requests = generateStorageBadRequests({
      seed: SEED,
      routes: {
        image: running('image').instance.routes,
        'block-storage': running('block-storage').instance.routes,
      },
      fixture,
      bodyLimit: BODY_LIMIT,
      maxVolumeMicroversion: MAX_MICROVERSION,
    });
  }, 180_000);
  afterAll(async () => c?.close());

  it('generates the same requests from the same seed, and others from another', () => {
    const input = {
      seed: SEED,
      routes: {
        image: c.cloud.cloud.services.find((s) => s.definition.type === 'image')!.instance.routes,
        'block-storage': c.cloud.cloud.services.find((s) => s.definition.type === 'block-storage')!.instance.routes,
      },
      fixture,
      bodyLimit: BODY_LIMIT,
      maxVolumeMicroversion: MAX_MICROVERSION,
    };
    const a = generateStorageBadRequests(input).map(describeRequest);
    expect(generateStorageBadRequests(input).map(describeRequest)).toEqual(a);
    expect(generateStorageBadRequests({ ...input, seed: SEED + 1 }).map(describeRequest)).not.toEqual(a);
  });

  it('reaches every declared route of both services', () => {
    for (const service of ['image', 'block-storage'] as const) {
      const routes = c.cloud.cloud.services.find((s) => s.definition.type === service)!.instance.routes;
      const reached = new Set(requests.filter((r) => r.service === service).map((r) => r.route));
      for (const r of routes) {
        for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
          expect(reached.has(`${m} ${r.url}`), `${service} ${m} ${r.url} gets no bad request`).toBe(true);
        }
      }
    }
  });

  it('answers each with a 4xx fault in the service format or a success, never 5xx, and changes nothing it refused', async () => {
    expect(requests.length).toBeGreaterThanOrEqual(3000);
    const before = await snapshotState(c);
    const byStatus = new Map<number, number>();
    const byKind = new Map<string, Map<number, number>>();
    const violations: Violation[] = [];
    /** Ids a successful request created or named: only these may have appeared, changed or gone. */
    const touched = new Set<string>();
    const started = Date.now();
    // STORAGE_FUZZ_LOG=<file> keeps every answer, to read what the sample hit.
    const log: string[] | undefined = process.env.STORAGE_FUZZ_LOG ? [] : undefined;

    for (const r of requests) {
      const res = await apps[r.service].inject({
        method: r.method as 'GET',
        url: r.url,
        headers: r.headers,
        ...(r.payload === undefined ? {} : { payload: r.payload }),
      });
      const status = res.statusCode;
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const key = `${r.service === 'image' ? 'image' : 'volume'} ${r.kind}`;
      const kindCounts = byKind.get(key) ?? new Map<number, number>();
      kindCounts.set(status, (kindCounts.get(status) ?? 0) + 1);
      byKind.set(key, kindCounts);

      const report = (problem: string) =>
        violations.push({ request: describeRequest(r), status, problem, body: res.body.slice(0, 300) });
      if (status >= 500 && !(status === 501 && UNSUPPORTED.has(r.route) && !ALWAYS_INVALID.has(r.kind))) report('server error');
      log?.push(JSON.stringify({ status, request: describeRequest(r), body: res.body.slice(0, 200) }));
      if (r.expect && !r.expect.includes(status)) report(`expected ${r.expect.join(' or ')}`);
      if (status >= 400 && r.method !== 'HEAD') {
        const problem = r.service === 'image' ? glanceProblem(status, res.body) : cinderProblem(status, res.body);
        if (problem) report(problem);
      }
      if (status < 300 && r.method !== 'GET' && r.method !== 'HEAD') {
        for (const id of `${r.url} ${String(r.payload ?? '')} ${res.body} ${String(res.headers.location ?? '')}`.match(UUID) ?? []) touched.add(id);
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (log) fs.writeFileSync(process.env.STORAGE_FUZZ_LOG!, log.join('\n'));

    // Let what the accepted requests started finish, then compare.
    let after = await snapshotState(c);
    const deadline = Date.now() + 60_000;
    while ([...after.rows.values()].some((row) => TRANSITIONAL.has(row.status)) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 250));
      after = await snapshotState(c);
    }
    const stateProblems: string[] = [];
    for (const [id, row] of after.rows) {
      if (TRANSITIONAL.has(row.status)) stateProblems.push(`${row.kind} ${id} stuck in ${row.status}`);
      const was = before.rows.get(id);
      if (!was && !touched.has(id)) stateProblems.push(`${row.kind} ${id} appeared though no request that succeeded made it: ${row.fields}`);
      if (was && was.fields !== row.fields && !touched.has(id)) stateProblems.push(`${row.kind} ${id} changed: ${was.fields} -> ${row.fields}`);
    }
    for (const [id, row] of before.rows) {
      if (!after.rows.has(id) && !touched.has(id)) stateProblems.push(`${row.kind} ${id} disappeared`);
    }
    // The other project's resources were only ever aimed at by the outsider: no excuse for any change.
    for (const id of Object.values(fixture.otherIds)) {
      if (before.rows.get(id)?.fields !== after.rows.get(id)?.fields)
        stateProblems.push(`other project's ${id} changed: ${before.rows.get(id)?.fields} -> ${after.rows.get(id)?.fields}`);
    }
    const newFiles = after.files.filter((f) => !before.files.includes(f) && !(f.match(UUID) ?? []).some((id) => touched.has(id)));
    if (newFiles.length) stateProblems.push(`image files no accepted request wrote: ${newFiles.join(', ')}`);

    const line = (counts: Map<number, number>) =>
      [...counts]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
    console.log(
      [
        `storage fuzz: ${requests.length} requests in ${seconds} s, seed ${SEED}`,
        `  by status: ${line(byStatus)}`,
        ...[...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, counts]) => `  ${k.padEnd(24)} ${line(counts)}`),
        `  resources before ${before.rows.size}, after ${after.rows.size}; compared unchanged: ${[...before.rows.keys()].filter((id) => !touched.has(id)).length}; ids named by accepted changes: ${touched.size}`,
      ].join('\n'),
    );

    // One example per kind of bad answer, so a regression reads as a short list.
    const groups = new Map<string, { count: number; example: Violation }>();
    for (const v of violations) {
      const key = `${v.request.slice(1, v.request.indexOf(']'))} ${v.status} ${v.problem}`;
      const g = groups.get(key) ?? { count: 0, example: v };
      g.count++;
      groups.set(key, g);
    }
    const shown = [...groups]
      .map(([key, g]) => `${g.count}× ${key}\n    e.g. ${g.example.request}\n    -> ${g.example.body}`)
      .join('\n');
    expect(violations, `${violations.length} bad answers, first ones:\n${shown}`).toEqual([]);
    expect(stateProblems).toEqual([]);
  }, 300_000);
});
