import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from './errors.ts';
import {
  decodePayload,
  encodePayload,
  KNOWN_AUTH_METHODS,
  newAuditId,
  PAYLOAD_VERSION,
  type TokenPayload,
  type TokenScope,
} from './payload.ts';

const HEX = '0123456789abcdef0123456789abcdef';
const HEX2 = 'fedcba9876543210fedcba9876543210';
const UUID = '8f2ac4b5-1c3e-4f6a-9b0d-2e4f6a8c0e1a';
const EXPIRES = new Date('2030-01-02T03:04:05.678Z');
const ISSUED = new Date('2030-01-02T02:04:05.679Z');

function payload(overrides: Partial<TokenPayload> = {}): TokenPayload {
  return {
    userId: HEX,
    methods: ['password'],
    scope: { kind: 'unscoped' },
    expiresAt: EXPIRES,
    issuedAt: ISSUED,
    auditIds: [newAuditId()],
    ...overrides,
  };
}

const roundTrip = (p: TokenPayload) => decodePayload(encodePayload(p));

describe('payload round trips', () => {
  const scopes: TokenScope[] = [
    { kind: 'unscoped' },
    { kind: 'project', projectId: HEX2 },
    { kind: 'domain', domainId: 'default' },
    { kind: 'domain', domainId: UUID },
    { kind: 'system', system: 'all' },
    { kind: 'trust', projectId: HEX2, trustId: UUID },
  ];
  it.each(scopes)('scope %j', (scope) => {
    const p = payload({ scope });
    expect(roundTrip(p)).toEqual(p);
  });

  const ids = [
    HEX,
    UUID,
    'default',
    '',
    'ldap-user@example.com',
    'Ünïcødé 用户 🔑',
    HEX.toUpperCase(), // only lowercase hex packs; this one must come back exactly as given
    UUID.toUpperCase(),
    HEX.slice(1),
    `${HEX}0`,
    newAuditId(), // 22-char base64url: packs into 16 bytes
    'abcdefghijklmnopqrstuv', // 22 chars but not canonical base64url: kept as text
    'x'.repeat(300), // longer than a one-byte length prefix
  ];
  it.each(ids)('id %j in every id field', (id) => {
    const p = payload({
      userId: id,
      scope: { kind: 'trust', projectId: id, trustId: id },
      appCredId: id,
      accessTokenId: id,
      auditIds: [id, id],
    });
    expect(roundTrip(p)).toEqual(p);
  });

  it('packs hex, UUID and audit ids into 16 bytes each', () => {
    const packed = encodePayload(payload({ scope: { kind: 'project', projectId: UUID } }));
    // version, flags, expiry(6), issue time(6), methods, then three ids of tag + 16 bytes
    expect(packed.length).toBe(1 + 1 + 6 + 6 + 1 + 3 * 17);
    const asText = encodePayload(
      payload({ userId: HEX.toUpperCase(), scope: { kind: 'project', projectId: UUID } }),
    );
    expect(asText.length).toBe(packed.length + 1 /* length prefix */ + 32 - 16);
  });

  it('keeps optional ids absent when they were absent', () => {
    const decoded = roundTrip(payload());
    expect('appCredId' in decoded).toBe(false);
    expect('accessTokenId' in decoded).toBe(false);
  });

  it('carries application credential and OAuth1 access token ids', () => {
    const p = payload({
      methods: ['application_credential'],
      scope: { kind: 'project', projectId: HEX2 },
      appCredId: UUID,
    });
    expect(roundTrip(p)).toEqual(p);
    const q = payload({
      methods: ['oauth1'],
      scope: { kind: 'project', projectId: HEX2 },
      accessTokenId: HEX,
    });
    expect(roundTrip(q)).toEqual(q);
  });

  it('carries a parent audit id', () => {
    const p = payload({ methods: ['token'], auditIds: [newAuditId(), newAuditId()] });
    expect(roundTrip(p).auditIds).toEqual(p.auditIds);
  });

  it('keeps the expiry to the millisecond', () => {
    expect(roundTrip(payload()).expiresAt.getTime()).toBe(EXPIRES.getTime());
    const far = new Date('9999-12-31T23:59:59.999Z');
    expect(roundTrip(payload({ expiresAt: far })).expiresAt.getTime()).toBe(far.getTime());
  });

  it('keeps the issue time to the millisecond', () => {
    expect(roundTrip(payload()).issuedAt.getTime()).toBe(ISSUED.getTime());
    // Two tokens one millisecond apart in the same second stay apart.
    const before = new Date('2030-01-02T02:04:05.999Z');
    const after = new Date('2030-01-02T02:04:06.000Z');
    expect(roundTrip(payload({ issuedAt: before })).issuedAt.getTime()).toBe(before.getTime());
    expect(roundTrip(payload({ issuedAt: after })).issuedAt.getTime()).toBe(after.getTime());
    const epoch = new Date(0);
    expect(roundTrip(payload({ issuedAt: epoch })).issuedAt.getTime()).toBe(0);
  });

  it('allows a token issued at the very millisecond it expires', () => {
    const p = payload({ issuedAt: EXPIRES });
    expect(roundTrip(p)).toEqual(p);
  });
});

describe('methods', () => {
  it('round-trips every known method in table order', () => {
    const methods = [...KNOWN_AUTH_METHODS];
    expect(roundTrip(payload({ methods })).methods).toEqual(methods);
  });

  it('puts known methods in table order, then unknown ones as given, without duplicates', () => {
    const decoded = roundTrip(
      payload({ methods: ['totp', 'x-custom', 'password', 'totp', 'kerberos', 'x-custom'] }),
    );
    expect(decoded.methods).toEqual(['password', 'totp', 'x-custom', 'kerberos']);
  });

  it('allows no method at all', () => {
    expect(roundTrip(payload({ methods: [] })).methods).toEqual([]);
  });
});

describe('encodePayload refuses what cannot be a token', () => {
  it.each([[[]], [['a', 'b', 'c']]])('auditIds %j', (auditIds) => {
    expect(() => encodePayload(payload({ auditIds }))).toThrow(RangeError);
  });

  it.each([new Date(Number.NaN), new Date(-1), new Date(8.64e15)])('expiresAt %s', (expiresAt) => {
    expect(() => encodePayload(payload({ expiresAt }))).toThrow(RangeError);
  });

  it.each([new Date(Number.NaN), new Date(-1)])('issuedAt %s', (issuedAt) => {
    expect(() => encodePayload(payload({ issuedAt }))).toThrow(RangeError);
  });

  it('an issue time after the expiry, even by a millisecond', () => {
    const issuedAt = new Date(EXPIRES.getTime() + 1);
    expect(() => encodePayload(payload({ issuedAt }))).toThrow(RangeError);
  });
});

describe('decodePayload refuses malformed input', () => {
  const good = encodePayload(
    payload({
      methods: ['password', 'x-custom'],
      scope: { kind: 'trust', projectId: 'p', trustId: UUID },
      appCredId: 'a',
      auditIds: [newAuditId(), newAuditId()],
    }),
  );

  it('at every truncation length', () => {
    for (let n = 0; n < good.length; n += 1) {
      expect(() => decodePayload(good.subarray(0, n)), `length ${n}`).toThrow(InvalidTokenError);
    }
  });

  it('with trailing bytes', () => {
    expect(() => decodePayload(Buffer.concat([good, Buffer.of(0)]))).toThrow(InvalidTokenError);
  });

  it('with another version', () => {
    const bad = Buffer.from(good);
    bad[0] = PAYLOAD_VERSION + 1;
    expect(() => decodePayload(bad)).toThrow(
      expect.objectContaining({ reason: 'unsupported_version' }),
    );
  });

  it('with reserved flag bits or an unknown scope kind', () => {
    for (const flags of [0x40, 0x80, 0x05, 0x07]) {
      const bad = Buffer.from(good);
      bad[1] = flags;
      expect(() => decodePayload(bad), `flags ${flags}`).toThrow(InvalidTokenError);
    }
  });

  it('with an issue time after the expiry', () => {
    const bad = Buffer.from(encodePayload(payload()));
    // Swap expiresAt (bytes 2..7) and issuedAt (8..13).
    bad.writeUIntBE(ISSUED.getTime(), 2, 6);
    bad.writeUIntBE(EXPIRES.getTime(), 8, 6);
    expect(() => decodePayload(bad)).toThrow(
      expect.objectContaining({ name: 'InvalidTokenError', reason: 'malformed_payload' }),
    );
    // One millisecond after the expiry is refused too.
    const late = Buffer.from(encodePayload(payload({ issuedAt: EXPIRES })));
    late.writeUIntBE(EXPIRES.getTime() + 1, 8, 6);
    expect(() => decodePayload(late)).toThrow(
      expect.objectContaining({ name: 'InvalidTokenError', reason: 'malformed_payload' }),
    );
  });

  it('with an unknown id tag', () => {
    const bad = Buffer.from(encodePayload(payload()));
    bad[15] = 9; // the userId's tag
    expect(() => decodePayload(bad)).toThrow(/unknown id tag 9/);
  });

  it('with invalid UTF-8 in a text id', () => {
    const p = encodePayload(payload({ userId: 'ab' }));
    const bad = Buffer.from(p);
    // tag at 15, length at 16, text at 17..18
    bad[17] = 0xff;
    expect(() => decodePayload(bad)).toThrow(/invalid UTF-8/);
  });

  it('with a non-minimal length prefix', () => {
    const p = encodePayload(payload({ userId: 'ab' }));
    // Spell the length 2 as two varint bytes (0x82 0x00).
    const bad = Buffer.concat([p.subarray(0, 16), Buffer.of(0x82, 0x00), p.subarray(17)]);
    expect(() => decodePayload(bad)).toThrow(/non-minimal varint/);
  });
});

describe('newAuditId', () => {
  it('is 16 random bytes as 22 characters of unpadded base64url', () => {
    const id = newAuditId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(newAuditId()).not.toBe(id);
  });
});
