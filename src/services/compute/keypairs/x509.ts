import {
  createHash,
  generateKeyPair,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { colonHex, InvalidPublicKey } from './ssh-keys.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

// Just enough DER to write one self-signed certificate.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  // UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(iso.slice(2)))
    : tlv(0x18, Buffer.from(iso));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

/** The SHA-1 fingerprint of a certificate as Nova shows it. */
export function x509Fingerprint(pem: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new InvalidPublicKey('not an X.509 certificate');
  }
  return colonHex(createHash('sha1').update(cert.raw).digest());
}

/**
 * A new x509 keypair as Nova makes one (for WinRM certificate login): an RSA key and a
 * self-signed certificate for CN=<user id>, valid ten years, for client authentication,
 * with the user's UPN as subject alternative name.
 */
export async function generateX509Keypair(
  userId: string,
  now: Date,
): Promise<{ publicKey: string; privateKey: string; fingerprint: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const serial = randomBytes(8);
  serial[0]! &= 0x7f;
  const name = seq(set(seq(oid('2.5.4.3'), utf8(userId))));
  const until = new Date(now.getTime() + 10 * 365 * 86400_000);
  const extensions = explicit(
    3,
    seq(
      seq(oid('2.5.29.37'), tlv(0x04, seq(oid('1.3.6.1.5.5.7.3.2')))),
      seq(
        oid('2.5.29.17'),
        tlv(
          0x04,
          seq(
            explicit(
              0,
              Buffer.concat([
                oid('1.3.6.1.4.1.311.20.2.3'),
                explicit(0, utf8(`${userId}@localhost`)),
              ]),
            ),
          ),
        ),
      ),
    ),
  );
  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    SHA256_WITH_RSA,
    name,
    seq(time(now), time(until)),
    name,
    (publicKey as KeyObject).export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return {
    publicKey: pem,
    privateKey: (privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint: x509Fingerprint(pem),
  };
}
