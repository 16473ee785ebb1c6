import { describe, expect, it } from 'vitest';
import { formatRbdLocation, parseRbdLocation } from './rbd-location.ts';

describe('rbd image locations', () => {
  it('parses Glance RBD locations and round-trips quoted parts', () => {
    expect(parseRbdLocation('rbd://f5e1/images/4c3a/snap')).toEqual({ fsid: 'f5e1', pool: 'images', image: '4c3a', snap: 'snap' });
    const loc = { fsid: 'a', pool: 'my pool', image: 'x/y', snap: 'snap' };
    expect(formatRbdLocation(loc)).toBe('rbd://a/my%20pool/x%2Fy/snap');
    expect(parseRbdLocation(formatRbdLocation(loc))).toEqual(loc);
  });

  it('rejects other schemes and incomplete or malformed locations', () => {
    for (const url of ['file:///var/lib/x', 'rbd://fsid/pool/image', 'rbd://fsid/pool//snap', 'rbd://a/b/c/d/e', 'rbd://a/%zz/c/d']) {
      expect(parseRbdLocation(url)).toBeUndefined();
    }
  });
});
