import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComputeCloud, type ComputeClient, type ComputeCloud } from './compute-cloud.ts';

/** An OpenSSH ed25519 public key line made here, as a user would bring one. */
function ed25519Line(): string {
  const raw = Buffer.from(
    generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!,
    'base64url',
  );
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')} me@laptop`;
}

describe('compute API: keypairs', () => {
  let c: ComputeCloud;
  let member: ComputeClient;
  let other: ComputeClient;

  beforeAll(async () => {
    c = await startComputeCloud({ overrides: { quota_key_pairs: 4 } });
    member = await c.member();
    other = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  it("generates a keypair (200 and no type at 2.1), shows it with Nova's record fields, deletes with 202", async () => {
    const r = await member.call('POST', 'os-keypairs', { body: { keypair: { name: 'gen' } } });
    expect(r.status).toBe(200);
    expect(r.body.keypair).toMatchObject({ name: 'gen', user_id: member.userId });
    expect(r.body.keypair.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(r.body.keypair.public_key).toMatch(/^ssh-rsa /);
    expect(r.body.keypair).not.toHaveProperty('type');
    const shown = await member.call('GET', 'os-keypairs/gen');
    expect(shown.body.keypair).toMatchObject({
      name: 'gen',
      fingerprint: r.body.keypair.fingerprint,
      public_key: r.body.keypair.public_key,
      user_id: member.userId,
      deleted: false,
      deleted_at: null,
      updated_at: null,
    });
    expect(typeof shown.body.keypair.id).toBe('number');
    expect(shown.body.keypair.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(shown.body.keypair).not.toHaveProperty('private_key');
    const list = await member.call('GET', 'os-keypairs');
    expect(list.body.keypairs).toEqual([
      {
        keypair: {
          name: 'gen',
          public_key: r.body.keypair.public_key,
          fingerprint: r.body.keypair.fingerprint,
        },
      },
    ]);
    expect((await other.call('GET', 'os-keypairs/gen')).status).toBe(404);
    expect((await other.call('GET', 'os-keypairs')).body.keypairs).toEqual([]);
    expect((await member.call('DELETE', 'os-keypairs/gen')).status).toBe(202);
    const gone = await member.call('GET', 'os-keypairs/gen');
    expect(gone.status).toBe(404);
    expect(gone.body.itemNotFound.message).toBe(`Keypair gen not found for user ${member.userId}`);
  });

  it('imports keys and x509 certificates with a type from 2.2 (201 and 204)', async () => {
    const line = ed25519Line();
    const imp = await member.call('POST', 'os-keypairs', {
      version: '2.2',
      body: { keypair: { name: 'imported', public_key: line } },
    });
    expect(imp.status).toBe(201);
    expect(imp.body.keypair).toMatchObject({ name: 'imported', public_key: line, type: 'ssh' });
    expect(imp.body.keypair).not.toHaveProperty('private_key');
    const x509 = await member.call('POST', 'os-keypairs', {
      version: '2.2',
      body: { keypair: { name: 'cert', type: 'x509' } },
    });
    expect(x509.status).toBe(201);
    expect(x509.body.keypair.type).toBe('x509');
    expect(x509.body.keypair.public_key).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(x509.body.keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    const reimport = await member.call('POST', 'os-keypairs', {
      version: '2.2',
      body: { keypair: { name: 'cert2', type: 'x509', public_key: x509.body.keypair.public_key } },
    });
    expect(reimport.body.keypair.fingerprint).toBe(x509.body.keypair.fingerprint);
    const list = await member.call('GET', 'os-keypairs', { version: '2.2' });
    expect(
      list.body.keypairs.map((k: { keypair: { name: string; type: string } }) => [
        k.keypair.name,
        k.keypair.type,
      ]),
    ).toEqual([
      ['cert', 'x509'],
      ['cert2', 'x509'],
      ['imported', 'ssh'],
    ]);
    expect(
      (
        await member.call('POST', 'os-keypairs', {
          body: { keypair: { name: 'typed', type: 'ssh' } },
        })
      ).status,
    ).toBe(400);
    expect((await member.call('DELETE', 'os-keypairs/cert2', { version: '2.2' })).status).toBe(204);
  });

  it("refuses bad names, bad keys, duplicates and going over the quota with Nova's answers", async () => {
    for (const name of ['key_/.\\@:', '', 'x'.repeat(256), ' lead']) {
      const r = await member.call('POST', 'os-keypairs', {
        body: { keypair: { name, public_key: ed25519Line() } },
      });
      expect(r.status, JSON.stringify(name)).toBe(400);
    }
    for (const key of [
      'ssh-rsa JUNK nova@ubuntu',
      ' ',
      `ssh-rsa ${'A'.repeat(2048)} openstack@ubuntu`,
    ]) {
      const r = await member.call('POST', 'os-keypairs', {
        body: { keypair: { name: 'bad-key', public_key: key } },
      });
      expect(r.status).toBe(400);
      expect(r.body.badRequest.message).toBe(
        'Keypair data is invalid: failed to generate fingerprint',
      );
    }
    const dup = await member.call('POST', 'os-keypairs', {
      body: { keypair: { name: 'imported', public_key: ed25519Line() } },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.conflictingRequest.message).toBe("Key pair 'imported' already exists.");
    // Quota 4 per user: cert, imported, plus two more.
    expect(
      (
        await member.call('POST', 'os-keypairs', {
          body: { keypair: { name: 'k3', public_key: ed25519Line() } },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await member.call('POST', 'os-keypairs', {
          body: { keypair: { name: 'k4', public_key: ed25519Line() } },
        })
      ).status,
    ).toBe(200);
    const over = await member.call('POST', 'os-keypairs', {
      body: { keypair: { name: 'k5', public_key: ed25519Line() } },
    });
    expect(over.status).toBe(403);
    expect(over.body.forbidden.message).toBe('Maximum number of key pairs exceeded');
    expect((await member.call('GET', 'os-keypairs')).body.keypairs).toHaveLength(4);
    // Another user has a quota of their own.
    expect(
      (
        await other.call('POST', 'os-keypairs', {
          body: { keypair: { name: 'k5', public_key: ed25519Line() } },
        })
      ).status,
    ).toBe(200);
    expect((await member.call('DELETE', 'os-keypairs/nope')).status).toBe(404);
  });

  it("lets admins manage other users' keypairs from 2.10; members may not", async () => {
    const made = await c.admin.call('POST', 'os-keypairs', {
      version: '2.10',
      body: { keypair: { name: 'for-other', user_id: other.userId, public_key: ed25519Line() } },
    });
    expect(made.status).toBe(201);
    expect(made.body.keypair.user_id).toBe(other.userId);
    expect((await other.call('GET', 'os-keypairs/for-other')).status).toBe(200);
    expect(
      (
        await c.admin.call('GET', `os-keypairs/for-other?user_id=${other.userId}`, {
          version: '2.10',
        })
      ).status,
    ).toBe(200);
    const listed = await c.admin.call('GET', `os-keypairs?user_id=${other.userId}`, {
      version: '2.10',
    });
    expect(listed.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual([
      'for-other',
      'k5',
    ]);
    expect(
      (await member.call('GET', `os-keypairs?user_id=${other.userId}`, { version: '2.10' })).status,
    ).toBe(403);
    expect(
      (
        await member.call('POST', 'os-keypairs', {
          version: '2.10',
          body: { keypair: { name: 'sneaky', user_id: other.userId, public_key: ed25519Line() } },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await member.call('DELETE', `os-keypairs/for-other?user_id=${other.userId}`, {
          version: '2.10',
        })
      ).status,
    ).toBe(403);
    // Before 2.10 user_id is ignored: the admin sees their own keypairs.
    expect(
      (await c.admin.call('GET', `os-keypairs?user_id=${other.userId}`, { version: '2.9' })).body
        .keypairs,
    ).toEqual([]);
    expect(
      (
        await c.admin.call('DELETE', `os-keypairs/for-other?user_id=${other.userId}`, {
          version: '2.10',
        })
      ).status,
    ).toBe(204);
    expect((await other.call('GET', 'os-keypairs/for-other')).status).toBe(404);
  });

  it('pages from 2.35 with limit and marker', async () => {
    const page1 = await member.call('GET', 'os-keypairs?limit=2', { version: '2.35' });
    expect(page1.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual([
      'cert',
      'imported',
    ]);
    const next = new URL(page1.body.keypairs_links[0].href);
    expect(next.searchParams.get('marker')).toBe('imported');
    const page2 = await member.call('GET', `os-keypairs${next.search}`, { version: '2.35' });
    expect(page2.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual([
      'k3',
      'k4',
    ]);
    expect((await member.call('GET', 'os-keypairs?marker=nope', { version: '2.35' })).status).toBe(
      400,
    );
    // Before 2.35 limit is not a keypair parameter: everything comes back.
    expect(
      (await member.call('GET', 'os-keypairs?limit=1', { version: '2.34' })).body.keypairs,
    ).toHaveLength(4);
  });
});
