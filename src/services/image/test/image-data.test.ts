import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import { createImage, download, eventually, generatedStream, md5, sha512, show, storeFiles, upload } from './image-test-helpers.ts';

describe('image data: PUT/GET /v2/images/{id}/file', () => {
  let c: TestCloud;
  let member: { token: string; projectId: string };
  beforeAll(async () => {
    c = await startTestCloud({ services: ['image'], overrides: { image: { image_size_cap: 64 << 20 } } });
    member = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  it('uploads and downloads the same bytes with checksum, sha512 and size set', async () => {
    const image = await createImage(c, member.token, { name: 'small' });
    const data = randomBytes(300_001);
    const put = await upload(c, member.token, image.id, data);
    expect(put.status, JSON.stringify(put.body)).toBe(204);
    const shown = await show(c, member.token, image.id);
    expect(shown).toMatchObject({ status: 'active', size: data.length, checksum: md5(data), os_hash_algo: 'sha512', os_hash_value: sha512(data), stores: 'file' });
    // show_image_direct_url and show_multiple_locations are off by default
    expect(shown).not.toHaveProperty('direct_url');
    expect(shown).not.toHaveProperty('locations');
    const located = await c.request('image', 'PATCH', `/v2/images/${image.id}`, {
      token: member.token,
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      body: [{ op: 'add', path: '/locations/-', value: { url: 'http://example.com/x', metadata: {} } }],
    });
    expect(located.status).toBe(403);
    expect(located.body.message).toContain("It's not allowed to add locations if locations are invisible.");
    const got = await download(c, member.token, image.id);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-md5')).toBe(md5(data));
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.data.equals(data)).toBe(true);
  });

  it('streams a multi-megabyte image of unannounced length both ways', async () => {
    const image = await createImage(c, member.token, { name: 'big' });
    const body = generatedStream(24, randomBytes(64));
    const put = await upload(c, member.token, image.id, body.stream);
    expect(put.status, JSON.stringify(put.body)).toBe(204);
    const expected = body.md5();
    expect(await show(c, member.token, image.id)).toMatchObject({ status: 'active', size: 24 << 20, checksum: expected });
    const got = await download(c, member.token, image.id);
    expect(got.data.length).toBe(24 << 20);
    expect(md5(got.data)).toBe(expected);
  });

  it('serves byte ranges (206) and refuses unsatisfiable ones (416)', async () => {
    const image = await createImage(c, member.token);
    const data = randomBytes(10_000);
    expect((await upload(c, member.token, image.id, data)).status).toBe(204);
    const part = await download(c, member.token, image.id, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(part.data.equals(data.subarray(100, 200))).toBe(true);
    const tail = await download(c, member.token, image.id, { range: 'bytes=-10' });
    expect(tail.data.equals(data.subarray(9990))).toBe(true);
    const bad = await download(c, member.token, image.id, { range: 'bytes=20000-' });
    expect(bad.status).toBe(416);
  });

  it('answers 204 for an image without data', async () => {
    const image = await createImage(c, member.token);
    const got = await download(c, member.token, image.id);
    expect(got.status).toBe(204);
    expect(got.data.length).toBe(0);
  });

  it('refuses a second upload to an active image (409) and keeps the first data', async () => {
    const image = await createImage(c, member.token);
    const data = randomBytes(1000);
    await upload(c, member.token, image.id, data);
    const again = await upload(c, member.token, image.id, randomBytes(10));
    expect(again.status).toBe(409);
    expect((await download(c, member.token, image.id)).data.equals(data)).toBe(true);
  });

  it('refuses data that is not application/octet-stream (415), image stays queued', async () => {
    const image = await createImage(c, member.token);
    const r = await upload(c, member.token, image.id, Buffer.from('{"a":1}'), { 'content-type': 'application/json' });
    expect(r.status).toBe(415);
    expect(r.body.title).toBe('Unsupported Media Type');
    expect((await show(c, member.token, image.id)).status).toBe('queued');
  });

  it('refuses data whose md5 differs from Content-MD5 (400): queued again, no file kept', async () => {
    const image = await createImage(c, member.token);
    const r = await upload(c, member.token, image.id, randomBytes(5000), { 'content-md5': md5(Buffer.from('other')) });
    expect(r.status).toBe(400);
    expect(await show(c, member.token, image.id)).toMatchObject({ status: 'queued', size: null, checksum: null });
    expect(storeFiles(c).filter((f) => f.includes(image.id))).toEqual([]);
    const ok = await upload(c, member.token, image.id, Buffer.from('other'), { 'content-md5': Buffer.from(md5(Buffer.from('other')), 'hex').toString('base64') });
    expect(ok.status).toBe(204);
  });

  it('refuses an image over the size cap (413): queued again, no file kept', async () => {
    const image = await createImage(c, member.token);
    const announced = await upload(c, member.token, image.id, Buffer.alloc((64 << 20) + 1));
    expect(announced.status).toBe(413);
    const streamed = await upload(c, member.token, image.id, generatedStream(65, randomBytes(8)).stream);
    expect(streamed.status).toBe(413);
    expect(await show(c, member.token, image.id)).toMatchObject({ status: 'queued', size: null });
    expect(storeFiles(c).filter((f) => f.includes(image.id))).toEqual([]);
  });

  it('a truncated upload (connection closed before Content-Length bytes) leaves a queued image and no file', async () => {
    const image = await createImage(c, member.token);
    const url = new URL(c.url('image'));
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.write(
          `PUT /v2/images/${image.id}/file HTTP/1.1\r\nHost: ${url.host}\r\nX-Auth-Token: ${member.token}\r\n` +
            'Content-Type: application/octet-stream\r\nContent-Length: 200000\r\n\r\n',
        );
        socket.write(randomBytes(70_000), () => socket.end());
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
    // The client half-closed, so it reads the answer: a 400 in Glance's fault format (the
    // HTTP parser's own refusal is mapped through the service's faults too).
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    expect(body).toMatchObject({ code: '400 Bad Request', title: 'Bad Request' });
    expect(body.message).toMatch(/<br \/><br \/>\n\n\n$/);
    await eventually('the image back in queued', () => show(c, member.token, image.id), (i) => i.status === 'queued');
    await eventually('no partial file', async () => storeFiles(c).filter((f) => f.includes(image.id)), (f) => f.length === 0);
  });

  it('refuses an upload over the project quota (413) from unified limits', async () => {
    const services = await c.request('identity', 'GET', 'services?type=image', { token: c.adminToken });
    const serviceId = services.body.services[0].id as string;
    const project = await c.member();
    const limit = await c.request('identity', 'POST', 'limits', {
      token: c.adminToken,
      body: { limits: [{ service_id: serviceId, project_id: project.projectId, resource_name: 'image_size_total', resource_limit: 1 }] },
    });
    if (limit.status === 403 || limit.status === 400) {
      // A project limit needs a registered default first (Keystone's rule).
      const reg = await c.request('identity', 'POST', 'registered_limits', {
        token: c.adminToken,
        body: { registered_limits: [{ service_id: serviceId, resource_name: 'image_size_total', default_limit: 1000 }] },
      });
      expect(reg.status, JSON.stringify(reg.body)).toBe(201);
      const again = await c.request('identity', 'POST', 'limits', {
        token: c.adminToken,
        body: { limits: [{ service_id: serviceId, project_id: project.projectId, resource_name: 'image_size_total', resource_limit: 1 }] },
      });
      expect(again.status, JSON.stringify(again.body)).toBe(201);
    } else {
      expect(limit.status, JSON.stringify(limit.body)).toBe(201);
    }
    const image = await createImage(c, project.token);
    const over = await upload(c, project.token, image.id, generatedStream(2, randomBytes(8)).stream);
    expect(over.status, JSON.stringify(over.body)).toBe(413);
    expect(await show(c, project.token, image.id)).toMatchObject({ status: 'queued', size: null });
    expect(storeFiles(c).filter((f) => f.includes(image.id))).toEqual([]);
    const fits = await upload(c, project.token, image.id, randomBytes(1000));
    expect(fits.status).toBe(204);
    const usage = await c.request('image', 'GET', '/v2/info/usage', { token: project.token });
    expect(usage.body.usage.image_size_total).toEqual({ limit: 1, usage: 0 });
  });

  it('forbids downloading a deactivated image to non-admins only', async () => {
    const image = await createImage(c, member.token);
    const data = randomBytes(2000);
    await upload(c, member.token, image.id, data);
    const deact = await c.request('image', 'POST', `/v2/images/${image.id}/actions/deactivate`, { token: member.token });
    expect(deact.status).toBe(204);
    expect((await download(c, member.token, image.id)).status).toBe(403);
    const admin = await download(c, c.adminToken, image.id);
    expect(admin.status).toBe(200);
    expect(admin.data.equals(data)).toBe(true);
  });

  it('an image deleted while its data streams in ends the upload with 410 and keeps no file', async () => {
    const image = await createImage(c, member.token);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (step === 0) controller.enqueue(randomBytes(200_000));
        else if (step === 1) {
          await held;
          controller.enqueue(randomBytes(200_000));
        } else controller.close();
        step++;
      },
    });
    const put = upload(c, member.token, image.id, body);
    await eventually('the upload saving', () => show(c, member.token, image.id), (i) => i.status === 'saving');
    // A second upload while the first streams is a conflict, not a second writer.
    expect((await upload(c, member.token, image.id, Buffer.from('x'))).status).toBe(409);
    expect((await c.request('image', 'DELETE', `/v2/images/${image.id}`, { token: member.token })).status).toBe(204);
    release();
    expect((await put).status).toBe(410);
    expect(storeFiles(c).filter((f) => f.includes(image.id))).toEqual([]);
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: member.token })).status).toBe(404);
  });
});
