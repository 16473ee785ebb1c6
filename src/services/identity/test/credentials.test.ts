import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { appCredToken, type SeededMember, seedMember } from './fixtures.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('identity: /v3/credentials', () => {
  let h: IdentityHarness;
  let alice: SeededMember;
  let bob: SeededMember;
  beforeAll(async () => {
    h = await startIdentity();
    alice = await seedMember(h);
    bob = await seedMember(h);
  });
  afterAll(async () => h.close());

  const create = (token: string, credential: Record<string, unknown>) =>
    h.request('POST', '/v3/credentials', { token, body: { credential } });

  it('creates an ec2 credential whose id is the sha256 of its access key, blob encrypted at rest', async () => {
    const blob = JSON.stringify({ access: 'AKIA-one', secret: 's3cr3t' });
    const res = await create(h.adminToken, {
      user_id: alice.userId,
      project_id: alice.projectId,
      type: 'ec2',
      blob,
      note: 'kept',
    });
    expect(res.status).toBe(201);
    const c = res.body.credential;
    expect(c.id).toBe(sha256('AKIA-one'));
    expect(c).toMatchObject({
      user_id: alice.userId,
      project_id: alice.projectId,
      type: 'ec2',
      blob,
      note: 'kept',
    });
    expect(c.links.self).toMatch(new RegExp(`/v3/credentials/${c.id}$`));
    const row = await h.env.db
      .selectFrom('identity_credential')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.encrypted_blob).not.toContain('s3cr3t');
    const got = await h.request('GET', `/v3/credentials/${c.id}`, { token: h.adminToken });
    expect(got.status).toBe(200);
    expect(got.body.credential.blob).toBe(blob);
  });

  it('gives other types a random id and answers bad input as Keystone does', async () => {
    const totp = await create(alice.token, { user_id: alice.userId, type: 'totp', blob: 'seed' });
    expect(totp.status).toBe(201);
    expect(totp.body.credential.id).toMatch(/^[0-9a-f]{32}$/);
    expect(totp.body.credential.project_id).toBeNull();

    const noProject = await create(h.adminToken, {
      user_id: alice.userId,
      type: 'ec2',
      blob: '{"access":"x"}',
    });
    expect(noProject.status).toBe(400);
    const notJson = await create(h.adminToken, {
      user_id: alice.userId,
      project_id: alice.projectId,
      type: 'ec2',
      blob: 'nope',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toContain('Invalid blob');
    const noAccess = await create(h.adminToken, {
      user_id: alice.userId,
      project_id: alice.projectId,
      type: 'ec2',
      blob: '{"secret":"x"}',
    });
    expect(noAccess.status).toBe(400);
    const noType = await create(h.adminToken, { user_id: alice.userId, blob: 'x' });
    expect(noType.status).toBe(400);
    expect(noType.body.error.message).toContain('type');
    const unknownUser = await create(h.adminToken, { user_id: 'nobody', type: 'totp', blob: 'x' });
    expect(unknownUser.status).toBe(404);
    const blob = JSON.stringify({ access: 'dup-key', secret: 'a' });
    expect(
      (
        await create(h.adminToken, {
          user_id: alice.userId,
          project_id: alice.projectId,
          type: 'ec2',
          blob,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await create(h.adminToken, {
          user_id: bob.userId,
          project_id: bob.projectId,
          type: 'ec2',
          blob,
        })
      ).status,
    ).toBe(409);
  });

  it('lets a user manage only their own credentials; admin sees all', async () => {
    const forBob = await create(alice.token, { user_id: bob.userId, type: 'totp', blob: 'x' });
    expect(forBob.status).toBe(403);
    const bobs = await create(bob.token, { user_id: bob.userId, type: 'cert', blob: 'bob-blob' });
    expect(bobs.status).toBe(201);
    const id = bobs.body.credential.id;
    expect((await h.request('GET', `/v3/credentials/${id}`, { token: alice.token })).status).toBe(
      403,
    );
    expect(
      (await h.request('DELETE', `/v3/credentials/${id}`, { token: alice.token })).status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', `/v3/credentials/${id}`, {
          token: alice.token,
          body: { credential: { blob: 'stolen' } },
        })
      ).status,
    ).toBe(403);

    const aliceList = await h.request('GET', '/v3/credentials', { token: alice.token });
    expect(aliceList.status).toBe(200);
    expect(aliceList.body.credentials.length).toBeGreaterThan(0);
    expect(
      aliceList.body.credentials.every((c: { user_id: string }) => c.user_id === alice.userId),
    ).toBe(true);
    const probing = await h.request('GET', `/v3/credentials?user_id=${bob.userId}`, {
      token: alice.token,
    });
    expect(probing.body.credentials).toEqual([]);

    const all = await h.request('GET', '/v3/credentials', { token: h.adminToken });
    const owners = new Set(all.body.credentials.map((c: { user_id: string }) => c.user_id));
    expect(owners.has(alice.userId) && owners.has(bob.userId)).toBe(true);
    const filtered = await h.request('GET', `/v3/credentials?user_id=${bob.userId}&type=cert`, {
      token: h.adminToken,
    });
    expect(filtered.body.credentials.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(filtered.body.links.self).toContain('type=cert');
  });

  it('updates only the blob: project_id and type are refused (tempest 33 expects otherwise)', async () => {
    const blob = JSON.stringify({ access: 'upd-key', secret: 'one' });
    const c = (
      await create(h.adminToken, {
        user_id: alice.userId,
        project_id: alice.projectId,
        type: 'ec2',
        blob,
      })
    ).body.credential;
    const rescope = await h.request('PATCH', `/v3/credentials/${c.id}`, {
      token: h.adminToken,
      body: { credential: { blob, project_id: bob.projectId, type: 'ec2' } },
    });
    expect(rescope.status).toBe(400);
    expect(rescope.body.error.message).toContain('Additional properties are not allowed');
    const newBlob = JSON.stringify({ access: 'upd-key', secret: 'two' });
    const ok = await h.request('PATCH', `/v3/credentials/${c.id}`, {
      token: alice.token,
      body: { credential: { blob: newBlob } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.credential).toMatchObject({
      id: c.id,
      blob: newBlob,
      project_id: alice.projectId,
      user_id: alice.userId,
    });
    expect(
      (await h.request('GET', `/v3/credentials/${c.id}`, { token: alice.token })).body.credential
        .blob,
    ).toBe(newBlob);
    const rebind = await h.request('PATCH', `/v3/credentials/${c.id}`, {
      token: alice.token,
      body: { credential: { blob: JSON.stringify({ access: 'upd-key', trust_id: 'abc' }) } },
    });
    expect(rebind.status).toBe(400);
    expect(rebind.body.error.message).toContain('trust_id can not be updated');
  });

  it('deletes, then answers 404', async () => {
    const c = (await create(alice.token, { user_id: alice.userId, type: 'totp', blob: 'gone' }))
      .body.credential;
    expect(
      (await h.request('DELETE', `/v3/credentials/${c.id}`, { token: alice.token })).status,
    ).toBe(204);
    const after = await h.request('GET', `/v3/credentials/${c.id}`, { token: h.adminToken });
    expect(after.status).toBe(404);
    expect(after.body.error.message).toBe(`Could not find credential: ${c.id}.`);
  });

  it('keeps delegated (application credential) tokens away from credentials', async () => {
    const ac = await h.request('POST', `/v3/users/${alice.userId}/application_credentials`, {
      token: alice.token,
      body: { application_credential: { name: 'cred-guard', unrestricted: true } },
    });
    expect(ac.status).toBe(201);
    const { token } = await appCredToken(
      h,
      ac.body.application_credential.id,
      ac.body.application_credential.secret,
    );
    const made = await create(token, { user_id: alice.userId, type: 'totp', blob: 'x' });
    expect(made.status).toBe(403);
    const list = await h.request('GET', '/v3/credentials', { token });
    expect(list.status).toBe(200);
    expect(list.body.credentials).toEqual([]);
  });
});
