import { describe, expect, it } from 'vitest';
import { authKeyMatches, newTransferSecret, transferHash } from './transfer-keys.ts';

describe('transfer keys', () => {
  it('makes a 16-hex-digit key whose hash under the salt is stored', () => {
    const s = newTransferSecret();
    expect(s.authKey).toMatch(/^[0-9a-f]{16}$/);
    expect(s.salt).toMatch(/^[0-9a-f]{8}$/);
    expect(s.cryptHash).toBe(transferHash(s.salt, s.authKey));
    expect(s.cryptHash).not.toContain(s.authKey);
  });

  it('accepts only the key it made', () => {
    const s = newTransferSecret();
    expect(authKeyMatches(s.salt, s.cryptHash, s.authKey)).toBe(true);
    expect(authKeyMatches(s.salt, s.cryptHash, `${s.authKey}0`)).toBe(false);
    expect(authKeyMatches(s.salt, s.cryptHash, '')).toBe(false);
    expect(authKeyMatches('other', s.cryptHash, s.authKey)).toBe(false);
  });

  it('hashes as Cinder does (HMAC-SHA1 of the key under the salt)', () => {
    // hmac.new(b'salt', b'key', hashlib.sha1).hexdigest()
    expect(transferHash('salt', 'key')).toBe('69eb624e7367f772094a6123333dfee42bb7a1a1');
  });
});
