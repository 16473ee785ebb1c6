import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import type { ImageInstance } from '../index.ts';
import { claimTask, tasksOfImage } from '../store/tasks.ts';
import {
  createImage,
  importImage,
  md5,
  serve,
  serveSlowly,
  sha512,
  sourceServer,
  stage,
  stagedFiles,
  storedFiles,
  until,
  waitImage,
  type SourceServer,
} from './import-support.ts';

function imageEnv(cloud: TestCloud) {
  const svc = cloud.cloud.services.find((s) => s.definition.type === 'image');
  if (!svc) throw new Error('no image service in this cloud');
  return (svc.instance as ImageInstance).env;
}

// A worker that stops mid-import leaves its task for the next one: the import resumes
// (from the staged data, or by fetching again) or fails with the reason, and no image stays
// importing.
describe('image import across restarts', () => {
  const data = randomBytes(2 * 1024 * 1024 + 5);
  let source: SourceServer;
  let sourceGone = false;
  let dataDir: string;
  let cloud: TestCloud | undefined;

  // One cloud at a time on the data directory: two would share a worker name and database.
  const start = async () => {
    await cloud?.close();
    cloud = undefined;
    cloud = await startTestCloud({
      services: ['image'],
      dataDir,
      overrides: {
        image: { import_allowed_ports: [String(source.port)], operation_heartbeat_seconds: 1 },
      },
    });
    return cloud;
  };
  const restart = start;

  beforeAll(async () => {
    source = await sourceServer({
      '/slow': (req, res) =>
        sourceGone ? res.writeHead(404).end() : serveSlowly(data, 32 * 1024, 40)(req, res),
      '/fast': serve(data),
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-import-restart-'));
  });

  afterAll(async () => {
    await cloud?.close();
    await source?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes a web-download the stopped worker was in the middle of', async () => {
    let c = await start();
    const member = await c.member();
    const id = await createImage(c, member.token);
    const before = source.sent();
    expect(
      (
        await importImage(c, member.token, id, {
          method: { name: 'web-download', uri: source.url('/slow') },
        })
      ).status,
    ).toBe(202);
    await until('the download to be under way', async () =>
      source.sent() - before > 256 * 1024 ? true : undefined,
    );
    const mid = await c.request('image', 'GET', `/v2/images/${id}`, { token: member.token });
    expect(mid.body).toMatchObject({ status: 'importing', os_glance_importing_to_stores: 'file' });

    c = await restart();
    const image = await waitImage(c, member.token, id, (i) => i.status !== 'importing', 90_000);
    expect(image).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: md5(data),
      os_hash_value: sha512(data),
      os_glance_failed_import: '',
    });
    const file = await fetch(`${c.url('image')}/v2/images/${id}/file`, {
      headers: { 'x-auth-token': member.token },
    });
    expect(Buffer.from(await file.arrayBuffer()).equals(data)).toBe(true);
    const tasks = await c.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.body.tasks).toHaveLength(1);
    expect(tasks.body.tasks[0].status).toBe('success');
    expect(stagedFiles(c).some((f) => f.includes(id))).toBe(false);
  }, 180_000);

  it('fails with the reason, back to queued, an interrupted web-download whose source is gone after the restart', async () => {
    let c = await start();
    const member = await c.member();
    const id = await createImage(c, member.token);
    const before = source.sent();
    expect(
      (
        await importImage(c, member.token, id, {
          method: { name: 'web-download', uri: source.url('/slow') },
        })
      ).status,
    ).toBe(202);
    await until('the download to be under way', async () =>
      source.sent() - before > 128 * 1024 ? true : undefined,
    );
    sourceGone = true;
    try {
      c = await restart();
      const image = await waitImage(c, member.token, id, (i) => i.status !== 'importing', 90_000);
      expect(image).toMatchObject({
        status: 'queued',
        size: null,
        os_glance_failed_import: 'file',
        os_glance_importing_to_stores: '',
      });
      expect(image.os_glance_import_task).toBeUndefined();
      const tasks = await c.request('image', 'GET', `/v2/images/${id}/tasks`, {
        token: member.token,
      });
      expect(tasks.body.tasks[0]).toMatchObject({ status: 'failure' });
      expect(tasks.body.tasks[0].message).toMatch(/HTTP 404/);
      expect(stagedFiles(c).some((f) => f.includes(id))).toBe(false);
      expect(storedFiles(c).some((f) => f.includes(id))).toBe(false);
    } finally {
      sourceGone = false;
    }
  }, 180_000);

  it('resumes a glance-direct import whose worker died holding it, from the staged data', async () => {
    let c = await start();
    const member = await c.member();
    const id = await createImage(c, member.token);
    expect((await stage(c, member.token, id, data)).status).toBe(204);
    // This worker stops taking imports; another one claims the task and then dies.
    const env = imageEnv(c);
    await env.importer.stop();
    expect(
      (await importImage(c, member.token, id, { method: { name: 'glance-direct' } })).status,
    ).toBe(202);
    const [task] = await tasksOfImage(env.db, id);
    expect(await claimTask(env.db, task!.id, 'a-worker-that-died', 1000, new Date())).toBe(true);
    expect(
      (await c.request('image', 'GET', `/v2/images/${id}`, { token: member.token })).body.status,
    ).toBe('importing');

    c = await restart();
    const image = await waitImage(c, member.token, id, (i) => i.status !== 'importing', 60_000);
    const tasks = await c.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.body.tasks[0]).toMatchObject({ status: 'success', message: '' });
    expect(image).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: md5(data),
      os_hash_value: sha512(data),
    });
    expect(stagedFiles(c).some((f) => f.includes(id))).toBe(false);
  }, 180_000);

  it('puts an image left importing with no live task back to queued on start', async () => {
    let c = await start();
    const member = await c.member();
    const id = await createImage(c, member.token);
    expect((await stage(c, member.token, id, Buffer.alloc(4096, 3))).status).toBe(204);
    const env = imageEnv(c);
    await env.importer.stop();
    expect(
      (await importImage(c, member.token, id, { method: { name: 'glance-direct' } })).status,
    ).toBe(202);
    // The task row is gone (as a task pruned while its image still pointed at it).
    await env.db.deleteFrom('image_task').where('image_id', '=', id).execute();

    c = await restart();
    const image = await waitImage(c, member.token, id, (i) => i.status !== 'importing', 60_000);
    expect(image).toMatchObject({
      status: 'queued',
      os_glance_failed_import: 'file',
      os_glance_importing_to_stores: '',
    });
    expect(image.os_glance_import_task).toBeUndefined();
    expect(stagedFiles(c).some((f) => f.includes(id))).toBe(false);
    // The image takes a new stage and import.
    expect((await stage(c, member.token, id, Buffer.alloc(4096, 4))).status).toBe(204);
    expect(
      (await importImage(c, member.token, id, { method: { name: 'glance-direct' } })).status,
    ).toBe(202);
    await waitImage(c, member.token, id, (i) => i.status === 'active');
  }, 180_000);
});
