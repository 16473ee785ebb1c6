import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSshKeypair, InvalidPublicKey, sshFingerprint } from './ssh-keys.ts';
import { generateX509Keypair, x509Fingerprint } from './x509.ts';

describe('keypair keys', () => {
  it('generates an RSA key whose OpenSSH public line matches the private key', async () => {
    const k = await generateSshKeypair();
    expect(k.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(k.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ Generated-by-Nova$/);
    // The public half derived independently from the private key gives the same modulus.
    const fromPrivate = createPublicKey(k.privateKey).export({ format: 'jwk' });
    const blob = Buffer.from(k.publicKey.split(' ')[1]!, 'base64');
    expect(blob.toString('hex')).toContain(
      Buffer.from(fromPrivate.n!, 'base64url').toString('hex'),
    );
    expect(k.fingerprint).toBe(
      createHash('md5')
        .update(blob)
        .digest('hex')
        .replace(/(..)(?!$)/g, '$1:'),
    );
    expect(k.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it('fingerprints ed25519 keys and refuses junk, truncated blobs and wrong type names', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
    expect(sshFingerprint(`ssh-ed25519 ${blob.toString('base64')} me@host`)).toMatch(
      /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/,
    );
    for (const bad of [
      '',
      ' ',
      'ssh-rsa JUNK nova@ubuntu',
      `ssh-rsa ${'A'.repeat(2048)} openstack@ubuntu`,
      `ssh-rsa ${blob.toString('base64')}`,
      `ssh-ed25519 ${blob.subarray(0, 20).toString('base64')}`,
    ]) {
      expect(() => sshFingerprint(bad), bad.slice(0, 30)).toThrow(InvalidPublicKey);
    }
  });

  it('generates a self-signed client certificate that parses and verifies', async () => {
    const k = await generateX509Keypair('user-1', new Date(Date.UTC(2030, 0, 1)));
    const cert = new X509Certificate(k.publicKey);
    expect(cert.subject).toBe('CN=user-1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(k.privateKey))).toBe(true);
    expect(cert.validTo).toContain('2039');
    expect(k.fingerprint).toBe(x509Fingerprint(k.publicKey));
    expect(k.fingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(() =>
      x509Fingerprint('-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----'),
    ).toThrow(InvalidPublicKey);
  });
});
