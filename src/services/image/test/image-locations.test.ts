import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import { createImage, show, upload } from './image-test-helpers.ts';

// show_image_direct_url and show_multiple_locations on, with get_image_location narrowed to
// members by policy.yaml, so a reader-only caller shows what a caller failing it sees.
describe('image locations: show_image_direct_url and show_multiple_locations', () => {
  let c: TestCloud;
  let member: { token: string; projectId: string };
  let reader: { token: string; projectId: string };
  const policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-image-policy-'));

  beforeAll(async () => {
    const policyFile = path.join(policyDir, 'policy.yaml');
    fs.writeFileSync(policyFile, '"get_image_location": "role:member"\n');
    c = await startTestCloud({
      services: ['image'],
      overrides: {
        image: { show_image_direct_url: true, show_multiple_locations: true },
        policy: { file: policyFile },
      },
    });
    member = await c.member();
    reader = await c.member('reader');
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    fs.rmSync(policyDir, { recursive: true, force: true });
  });

  it('shows locations and direct_url of an image with data, in show, list and update answers', async () => {
    const image = await createImage(c, member.token, { name: 'located', visibility: 'community' });
    // no data yet: an empty list says locations are shown but there are none; no direct_url
    expect(image.locations).toEqual([]);
    expect(image).not.toHaveProperty('direct_url');
    expect(image).not.toHaveProperty('stores');

    expect((await upload(c, member.token, image.id, randomBytes(4096))).status).toBe(204);
    const url = pathToFileURL(path.join(c.dataDir, 'image', 'images', image.id)).href;
    const shown = await show(c, member.token, image.id);
    expect(shown).toMatchObject({
      status: 'active',
      direct_url: url,
      locations: [{ url, metadata: { store: 'file' } }],
      stores: 'file',
    });
    // the URL names the very file the data is in
    expect(fs.statSync(new URL(url)).size).toBe(4096);

    const listed = await c.request('image', 'GET', `/v2/images?id=${image.id}`, {
      token: member.token,
    });
    expect(listed.body.images).toMatchObject([
      { id: image.id, direct_url: url, locations: [{ url, metadata: { store: 'file' } }] },
    ]);

    const patched = await c.request('image', 'PATCH', `/v2/images/${image.id}`, {
      token: member.token,
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      body: [{ op: 'replace', path: '/name', value: 'renamed' }],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ name: 'renamed', direct_url: url, locations: [{ url }] });
  });

  it('changes locations as Glance with them shown: no client location is adopted, the last copy stays', async () => {
    const image = await createImage(c, member.token);
    const patch = (token: string, body: unknown) =>
      c.request('image', 'PATCH', `/v2/images/${image.id}`, {
        token,
        body,
        headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      });
    const foreign = { url: 'http://example.com/some.img', metadata: {} };
    // a queued image: a location cannot be added (this cloud's stores hold only their own data)
    let r = await patch(member.token, [{ op: 'add', path: '/locations/-', value: foreign }]);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('Invalid location');
    expect(
      (await patch(member.token, [{ op: 'add', path: '/locations/x', value: foreign }])).body
        .message,
    ).toContain('Invalid position for adding a location.');
    r = await patch(member.token, [{ op: 'replace', path: '/locations', value: [] }]);
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('Cannot set locations to empty list.');
    r = await patch(member.token, [{ op: 'remove', path: '/locations/0' }]);
    expect(r.status).toBe(403); // delete_image_location: admin only
    r = await patch(c.adminToken, [{ op: 'remove', path: '/locations/0' }]);
    expect(r.status).toBe(409);
    expect(r.body.message).toContain(
      "It's not allowed to remove image data from store if image status is not 'active'",
    );

    expect((await upload(c, member.token, image.id, randomBytes(1000))).status).toBe(204);
    const { locations } = await show(c, member.token, image.id);
    // replacing with what is there is no change; anything else is refused and changes nothing
    r = await patch(member.token, [{ op: 'replace', path: '/locations', value: locations }]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.locations).toEqual(locations);
    r = await patch(member.token, [
      { op: 'replace', path: '/name', value: 'kept' },
      { op: 'replace', path: '/locations', value: [foreign] },
    ]);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('Original locations is not empty');
    expect((await show(c, member.token, image.id)).name).toBeNull();
    r = await patch(c.adminToken, [{ op: 'remove', path: '/locations/0' }]);
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('Cannot remove last location in the image.');
    expect(await show(c, member.token, image.id)).toMatchObject({
      status: 'active',
      locations,
      stores: 'file',
    });
  });

  it('hides locations, direct_url and stores from a caller failing get_image_location, as Glance does', async () => {
    const image = await createImage(c, member.token, { visibility: 'community' });
    expect((await upload(c, member.token, image.id, randomBytes(100))).status).toBe(204);
    const seen = await show(c, reader.token, image.id);
    expect(seen).toMatchObject({ id: image.id, status: 'active', size: 100, locations: [] });
    expect(seen).not.toHaveProperty('direct_url');
    expect(seen).not.toHaveProperty('stores');
    const listed = await c.request(
      'image',
      'GET',
      `/v2/images?visibility=community&id=${image.id}`,
      { token: reader.token },
    );
    expect(listed.body.images).toHaveLength(1);
    expect(listed.body.images[0].locations).toEqual([]);
    expect(listed.body.images[0]).not.toHaveProperty('direct_url');
  });
});
