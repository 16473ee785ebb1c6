import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-pattern.ts';

describe('topicMatches (RabbitMQ topic exchange rules)', () => {
  it.each([
    ['compute.instance.*', 'compute.instance.create', true],
    ['compute.instance.*', 'compute.instance.create.end', false],
    ['compute.#', 'compute', true],
    ['compute.#', 'compute.instance.create.end', true],
    ['#', 'volume.create.end', true],
    ['#.end', 'compute.instance.delete.end', true],
    ['*.instance.#', 'compute.instance', true],
    ['compute.*.create.end', 'compute.instance.create.end', true],
    ['compute.*.create.end', 'volume.instance.create.end', false],
    ['compute', 'compute.instance', false],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});
