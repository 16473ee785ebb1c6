import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
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

// Interoperable import through HTTP, as clients (openstackclient, tempest) drive it.
describe('image import', () => {
  let cloud: TestCloud;
  let source: SourceServer;
  let member: { projectId: string; token: string };
  const served = randomBytes(3 * 1024 * 1024 + 17);

  beforeAll(async () => {
    source = await sourceServer({
      '/image.raw': serve(served),
      '/slow': serveSlowly(served, 64 * 1024, 30),
      '/redirect-ok': (_req, res) => res.writeHead(302, { location: '/image.raw' }).end(),
      '/redirect-away': (_req, res) =>
        res.writeHead(302, { location: 'http://127.0.0.1:1/image.raw' }).end(),
      '/short': (_req, res) => {
        res.writeHead(200, { 'content-length': 1000 });
        res.write(Buffer.alloc(400));
        setTimeout(() => res.destroy(), 50);
      },
    });
    cloud = await startTestCloud({
      services: ['image'],
      overrides: {
        image: {
          import_allowed_ports: ['80', '443', String(source.port)],
          import_disallowed_hosts: ['blocked.example'],
        },
      },
    });
    member = await cloud.member();
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
    await source?.close();
  });

  it('stages data and imports it with glance-direct, byte for byte', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const id = await createImage(cloud, member.token);
    const staged = await stage(cloud, member.token, id, data);
    expect(staged.status).toBe(204);
    const shown = await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token });
    expect(shown.body).toMatchObject({ status: 'uploading', size: data.length });
    expect(stagedFiles(cloud)).toContain(id);

    const res = await importImage(cloud, member.token, id, { method: { name: 'glance-direct' } });
    expect(res.status).toBe(202);
    expect(res.body).toBeUndefined();
    const image = await waitImage(cloud, member.token, id, (i) => i.status === 'active');
    expect(image).toMatchObject({
      size: data.length,
      checksum: md5(data),
      os_hash_algo: 'sha512',
      os_hash_value: sha512(data),
      stores: 'file',
      os_glance_importing_to_stores: '',
      os_glance_failed_import: '',
    });
    expect(image.os_glance_import_task).toBeUndefined();

    const file = await fetch(`${cloud.url('image')}/v2/images/${id}/file`, {
      headers: { 'x-auth-token': member.token },
    });
    expect(Buffer.from(await file.arrayBuffer()).equals(data)).toBe(true);
    await until('staged data removed', async () =>
      stagedFiles(cloud).some((f) => f.includes(id)) ? undefined : true,
    );

    const tasks = await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.status).toBe(200);
    expect(tasks.body.tasks).toHaveLength(1);
    expect(tasks.body.tasks[0]).toMatchObject({
      type: 'api_image_import',
      status: 'success',
      image_id: id,
      owner: member.projectId,
      request_id: res.headers.get('x-openstack-request-id'),
      input: { image_id: id, import_req: { method: { name: 'glance-direct' } }, backend: ['file'] },
      result: { image_id: id },
    });
    const taskId = tasks.body.tasks[0].id as string;
    expect(
      (await cloud.request('image', 'GET', `/v2/tasks/${taskId}`, { token: member.token })).status,
    ).toBe(403);
    const detail = await cloud.request('image', 'GET', `/v2/tasks/${taskId}`, {
      token: cloud.adminToken,
    });
    expect(detail.body).toMatchObject({
      id: taskId,
      status: 'success',
      image_id: id,
      self: `/v2/tasks/${taskId}`,
      schema: '/v2/schemas/task',
    });
    expect(
      (await cloud.request('image', 'GET', `/v2/tasks/${id}`, { token: cloud.adminToken })).status,
    ).toBe(404);
  });

  it('answers an import in the wrong status, of an unknown method or with bad options as Glance', async () => {
    const id = await createImage(cloud, member.token);
    const direct = await importImage(cloud, member.token, id, {
      method: { name: 'glance-direct' },
    });
    expect(direct.status).toBe(409);
    expect(direct.body.message).toContain(
      "Image needs to be staged before 'glance-direct' method can be used",
    );
    expect(
      (await importImage(cloud, member.token, id, { method: { name: 'glance-download' } })).status,
    ).toBe(400);
    expect((await importImage(cloud, member.token, id, { method: {} })).body.message).toContain(
      "requires a 'name' field",
    );
    expect((await importImage(cloud, member.token, id, {})).body.message).toContain(
      "requires a 'method' field",
    );
    expect(
      (
        await importImage(cloud, member.token, id, {
          method: { name: 'web-download', uri: source.url('/image.raw') },
          all_stores: 'yes',
        })
      ).status,
    ).toBe(400);
    const unknownStore = await importImage(cloud, member.token, id, {
      method: { name: 'web-download', uri: source.url('/image.raw') },
      stores: ['nowhere'],
    });
    expect(unknownStore.status).toBe(409);
    const copy = await importImage(cloud, cloud.adminToken, id, { method: { name: 'copy-image' } });
    expect(copy.status).toBe(409);
    expect(copy.body.message).toContain(
      'Only images with status active can be targeted for copying',
    );
    const shown = await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token });
    expect(shown.body.status).toBe('queued');
    expect(shown.body.os_glance_import_task).toBeUndefined();
    const tasks = await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.body.tasks).toEqual([]);
  });

  it('imports from a web server the filter allows, following redirects', async () => {
    const id = await createImage(cloud, member.token);
    const res = await importImage(cloud, member.token, id, {
      method: { name: 'web-download', uri: source.url('/redirect-ok') },
    });
    expect(res.status).toBe(202);
    const image = await waitImage(cloud, member.token, id, (i) => i.status === 'active');
    expect(image).toMatchObject({
      size: served.length,
      checksum: md5(served),
      os_hash_value: sha512(served),
      os_glance_failed_import: '',
    });
    expect(stagedFiles(cloud).some((f) => f.includes(id))).toBe(false);
  });

  it('fails an import whose image is deleted while the data is on its way, leaving no file behind', async () => {
    const id = await createImage(cloud, member.token);
    const before = source.sent();
    expect(
      (
        await importImage(cloud, member.token, id, {
          method: { name: 'web-download', uri: source.url('/slow') },
        })
      ).status,
    ).toBe(202);
    await until('the download to be under way', async () =>
      source.sent() - before > 128 * 1024 ? true : undefined,
    );
    const [task] = (
      await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, { token: member.token })
    ).body.tasks;
    expect(
      (await cloud.request('image', 'DELETE', `/v2/images/${id}`, { token: member.token })).status,
    ).toBe(204);
    await until('the import to end', async () => {
      const row = await cloud.request('image', 'GET', `/v2/tasks/${task.id}`, {
        token: cloud.adminToken,
      });
      return row.status === 200 && row.body.status !== 'processing' && row.body.status !== 'pending'
        ? row.body
        : undefined;
    }).then((t) =>
      expect(t).toMatchObject({
        status: 'failure',
        message: 'Image has been deleted, aborting import.',
      }),
    );
    await until('no data left', async () =>
      stagedFiles(cloud)
        .concat(storedFiles(cloud))
        .some((f) => f.includes(id))
        ? undefined
        : true,
    );
  });

  it('refuses web-download from schemes, hosts and ports the filter does not allow, before fetching', async () => {
    const id = await createImage(cloud, member.token);
    for (const uri of [
      'ftp://127.0.0.1/image.raw',
      'file:///etc/passwd',
      'http://blocked.example/x.img',
      'http://127.0.0.1:1/x.img',
      'not a url',
    ]) {
      const res = await importImage(cloud, member.token, id, {
        method: { name: 'web-download', uri },
      });
      expect(res.status, uri).toBe(400);
      expect(res.body.message).toContain('URI for web-download does not pass filtering');
    }
    expect(
      (await importImage(cloud, member.token, id, { method: { name: 'web-download' } })).status,
    ).toBe(400);
    const shown = await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token });
    expect(shown.body.status).toBe('queued');
  });

  it('fails the import, back to queued with the store failed, when a redirect leaves the allowed ports', async () => {
    const id = await createImage(cloud, member.token);
    const res = await importImage(cloud, member.token, id, {
      method: { name: 'web-download', uri: source.url('/redirect-away') },
    });
    expect(res.status).toBe(202);
    const image = await waitImage(cloud, member.token, id, (i) =>
      Boolean(i.os_glance_failed_import),
    );
    expect(image).toMatchObject({
      status: 'queued',
      os_glance_failed_import: 'file',
      os_glance_importing_to_stores: '',
      size: null,
    });
    expect(image.os_glance_import_task).toBeUndefined();
    const tasks = await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.body.tasks[0]).toMatchObject({ status: 'failure' });
    expect(tasks.body.tasks[0].message).toContain('does not pass the import filtering');
  });

  it('fails a web-download whose source answers 404 or ends short, leaving nothing staged', async () => {
    for (const p of ['/missing', '/short']) {
      const id = await createImage(cloud, member.token);
      expect(
        (
          await importImage(cloud, member.token, id, {
            method: { name: 'web-download', uri: source.url(p) },
          })
        ).status,
      ).toBe(202);
      const image = await waitImage(cloud, member.token, id, (i) =>
        Boolean(i.os_glance_failed_import),
      );
      expect(image.status).toBe('queued');
      const tasks = await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, {
        token: member.token,
      });
      expect(tasks.body.tasks[0].status).toBe('failure');
      expect(tasks.body.tasks[0].message).toMatch(p === '/missing' ? /HTTP 404/ : /ended before/);
      expect(stagedFiles(cloud).some((f) => f.includes(id))).toBe(false);
      // The image can be imported again after the failure.
      expect(
        (
          await importImage(cloud, member.token, id, {
            method: { name: 'web-download', uri: source.url('/image.raw') },
          })
        ).status,
      ).toBe(202);
      await waitImage(cloud, member.token, id, (i) => i.status === 'active');
    }
  });

  it('puts the image back to queued with nothing staged when a stage ends short', async () => {
    const id = await createImage(cloud, member.token);
    const url = new URL(`${cloud.url('image')}/v2/images/${id}/stage`);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.write(
          `PUT ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nX-Auth-Token: ${member.token}\r\n` +
            'Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n',
        );
        socket.write(Buffer.alloc(40_000, 1));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 300);
      });
      socket.on('error', reject);
    });
    const image = await waitImage(cloud, member.token, id, (i) => i.status === 'queued');
    expect(image.size).toBeNull();
    await until('partial stage removed', async () =>
      stagedFiles(cloud).some((f) => f.includes(id)) ? undefined : true,
    );
    // And a complete stage afterwards works.
    expect((await stage(cloud, member.token, id, Buffer.alloc(10, 2))).status).toBe(204);
  });

  it('refuses a stage over the image_stage_total quota with 413 and keeps nothing', async () => {
    const admin = (method: string, p: string, body?: unknown) =>
      cloud.request('identity', method, p, { token: cloud.adminToken, body });
    const services = await admin('GET', 'services?type=image');
    const serviceId = services.body.services[0].id as string;
    expect(
      (
        await admin('POST', 'registered_limits', {
          registered_limits: [
            { service_id: serviceId, resource_name: 'image_stage_total', default_limit: -1 },
          ],
        })
      ).status,
    ).toBe(201);
    const limited = await cloud.member();
    expect(
      (
        await admin('POST', 'limits', {
          limits: [
            {
              service_id: serviceId,
              project_id: limited.projectId,
              resource_name: 'image_stage_total',
              resource_limit: 1,
            },
          ],
        })
      ).status,
    ).toBe(201);

    const id = await createImage(cloud, limited.token);
    const res = await stage(cloud, limited.token, id, randomBytes(2 * 1024 * 1024));
    expect(res.status).toBe(413);
    const shown = await cloud.request('image', 'GET', `/v2/images/${id}`, { token: limited.token });
    expect(shown.body).toMatchObject({ status: 'queued', size: null });
    expect(stagedFiles(cloud).some((f) => f.includes(id))).toBe(false);
    // Under the limit, staging works.
    expect((await stage(cloud, limited.token, id, randomBytes(512 * 1024))).status).toBe(204);
  });

  it('lets only another project see nothing and an admin copy-image an active image', async () => {
    const data = randomBytes(4096);
    const id = await createImage(cloud, member.token);
    expect((await stage(cloud, member.token, id, data)).status).toBe(204);
    const other = await cloud.member();
    expect(
      (await importImage(cloud, other.token, id, { method: { name: 'glance-direct' } })).status,
    ).toBe(404);
    expect(
      (await importImage(cloud, member.token, id, { method: { name: 'glance-direct' } })).status,
    ).toBe(202);
    await waitImage(cloud, member.token, id, (i) => i.status === 'active');

    // copy_image is admin-only by default; every enabled store already has the data.
    expect(
      (
        await importImage(cloud, member.token, id, {
          method: { name: 'copy-image' },
          all_stores: true,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await importImage(cloud, cloud.adminToken, id, {
          method: { name: 'copy-image' },
          stores: ['file'],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await importImage(cloud, cloud.adminToken, id, {
          method: { name: 'copy-image' },
          all_stores: true,
          all_stores_must_succeed: false,
        })
      ).status,
    ).toBe(202);
    const tasks = await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.body.tasks).toHaveLength(1);
    // A second import of an active image is a conflict.
    expect(
      (await importImage(cloud, member.token, id, { method: { name: 'glance-direct' } })).status,
    ).toBe(409);
  });

  it('answers a copy-image to every store of an uploaded image that has them all as done, with nothing failed', async () => {
    const id = await createImage(cloud, member.token);
    const put = await cloud.request('image', 'PUT', `/v2/images/${id}/file`, {
      token: member.token,
      rawBody: Buffer.alloc(2048, 9),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(204);
    const before = await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token });
    expect(before.body.os_glance_importing_to_stores).toBeUndefined();
    expect(
      (
        await importImage(cloud, cloud.adminToken, id, {
          method: { name: 'copy-image' },
          all_stores: true,
          all_stores_must_succeed: false,
        })
      ).status,
    ).toBe(202);
    const after = await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token });
    expect(after.body).toMatchObject({
      status: 'active',
      stores: 'file',
      os_glance_importing_to_stores: '',
      os_glance_failed_import: '',
    });
    expect(
      (await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, { token: member.token })).body
        .tasks,
    ).toEqual([]);
  });

  it('refuses a stage of an image that is not queued and of a content type that is not octet-stream', async () => {
    const id = await createImage(cloud, member.token);
    expect((await stage(cloud, member.token, id, Buffer.alloc(5))).status).toBe(204);
    expect((await stage(cloud, member.token, id, Buffer.alloc(5))).status).toBe(409);
    const other = await createImage(cloud, member.token);
    const json = await cloud.request('image', 'PUT', `/v2/images/${other}/stage`, {
      token: member.token,
      body: { a: 1 },
    });
    expect(json.status).toBe(415);
  });

  it('deletes the staged data with the image', async () => {
    const id = await createImage(cloud, member.token);
    expect((await stage(cloud, member.token, id, Buffer.alloc(1000, 7))).status).toBe(204);
    expect(stagedFiles(cloud)).toContain(id);
    expect(
      (await cloud.request('image', 'DELETE', `/v2/images/${id}`, { token: member.token })).status,
    ).toBe(204);
    expect(stagedFiles(cloud)).not.toContain(id);
  });
});
