import { describe, expect, it } from 'vitest';
import type { ServiceAvailability } from '../lib/service-catalog.ts';
import { areasToRun } from './areas.ts';

const none: ServiceAvailability = {
  nova: false,
  neutron: false,
  cinder: false,
  glance: false,
  swift: false,
};

describe('areasToRun', () => {
  it('runs identity always, image and volume when the catalog has them, identity first', () => {
    expect(areasToRun(none)).toEqual(['identity']);
    expect(areasToRun({ ...none, cinder: true })).toEqual(['identity', 'volume']);
    expect(areasToRun({ ...none, cinder: true, glance: true, nova: true })).toEqual([
      'identity',
      'image',
      'volume',
    ]);
  });

  it('narrows to the areas asked for, never to one the catalog lacks', () => {
    const all = { ...none, cinder: true, glance: true };
    expect(areasToRun(all, ['volume'])).toEqual(['volume']);
    expect(areasToRun(none, ['volume', 'identity'])).toEqual(['identity']);
    expect(() => areasToRun(all, ['compute'])).toThrow(/unknown area\(s\) compute/);
  });
});
