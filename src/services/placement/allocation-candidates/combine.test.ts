import { describe, expect, it } from 'vitest';
import { inSameSubtree, mergeGroups, sameProviderRequests, treeRequests } from './combine.ts';
import type { RequestGroup, TreeProvider } from './model.ts';

const group = (suffix: string, resources: Record<string, number>, over: Partial<RequestGroup> = {}): RequestGroup => ({
  suffix,
  sameProvider: suffix !== '',
  resources: new Map(Object.entries(resources)),
  requiredTraits: [],
  forbiddenTraits: new Set(),
  memberOf: [],
  forbiddenAggregates: new Set(),
  ...over,
});

// compute node 1 with two NUMA children (2 and 3); each NUMA node has a PF (4 under 2, 5 under 3)
function tree(): Map<number, TreeProvider> {
  const p = (id: number, parentId: number | null, traits: string[], res: Record<string, [number, number]>): TreeProvider => ({
    id,
    uuid: `rp-${id}`,
    parentId,
    rootId: 1,
    traits: new Set(traits),
    resources: new Map(Object.entries(res).map(([rc, [capacity, used]]) => [rc, { capacity, used, maxUnit: capacity }])),
  });
  return new Map([
    [1, p(1, null, ['HW_CPU_X86_AVX2'], { DISK_GB: [100, 0] })],
    [2, p(2, 1, [], { VCPU: [4, 0], MEMORY_MB: [1024, 0] })],
    [3, p(3, 1, ['CUSTOM_FAST'], { VCPU: [4, 3], MEMORY_MB: [1024, 0] })],
    [4, p(4, 2, ['CUSTOM_PHYSNET_A'], { SRIOV_NET_VF: [2, 0] })],
    [5, p(5, 3, ['CUSTOM_PHYSNET_B'], { SRIOV_NET_VF: [2, 0] })],
  ]);
}

const providersOf = (r: { amounts: Map<string, number> }) => [...r.amounts.keys()].map((k) => Number(k.split('/')[0]));

describe('treeRequests (unnumbered group)', () => {
  it('takes each class from any provider of the tree, one request per combination', () => {
    const g = group('', { VCPU: 1, DISK_GB: 10 });
    const reqs = treeRequests(g, new Map([['VCPU', [{ id: 2, root: 1 }, { id: 3, root: 1 }]], ['DISK_GB', [{ id: 1, root: 1 }]]]), tree());
    expect(reqs.map(providersOf)).toEqual([[2, 1], [3, 1]]);
    expect(reqs[0]!.mappings.get('')).toEqual(new Set([2, 1]));
  });

  it('needs the providers together to carry the required traits, and none a forbidden one', () => {
    const perClass = new Map([['VCPU', [{ id: 2, root: 1 }, { id: 3, root: 1 }]], ['DISK_GB', [{ id: 1, root: 1 }]]]);
    const fast = treeRequests(group('', { VCPU: 1, DISK_GB: 10 }, { requiredTraits: [new Set(['CUSTOM_FAST'])] }), perClass, tree());
    expect(fast.map(providersOf)).toEqual([[3, 1]]);
    const notAvx = treeRequests(group('', { VCPU: 1, DISK_GB: 10 }, { forbiddenTraits: new Set(['HW_CPU_X86_AVX2']) }), perClass, tree());
    expect(notAvx).toEqual([]);
  });

  it('drops trees that cannot give every class', () => {
    expect(treeRequests(group('', { VCPU: 1, DISK_GB: 10 }), new Map([['VCPU', [{ id: 9, root: 9 }]], ['DISK_GB', [{ id: 1, root: 1 }]]]), tree())).toEqual([]);
  });
});

describe('mergeGroups', () => {
  const trees = tree();
  const vf = (suffix: string) => sameProviderRequests(group(suffix, { SRIOV_NET_VF: 1 }), [{ id: 4, root: 1 }, { id: 5, root: 1 }]);
  const base = { suffixes: ['1', '2'], granularSuffixes: new Set(['1', '2']), sameSubtrees: [], trees };

  it('isolate keeps granular groups on distinct providers; none allows sharing one', () => {
    const perGroup = new Map([['1', vf('1')], ['2', vf('2')]]);
    const isolate = mergeGroups(perGroup, { ...base, groupPolicy: 'isolate' });
    expect(isolate.map((r) => [...r.mappings.values()].map((s) => [...s][0]))).toEqual([[4, 5], [5, 4]]);
    const none = mergeGroups(perGroup, { ...base, groupPolicy: 'none' });
    expect(none).toHaveLength(4);
    // the same provider serving both groups gets the amounts added up
    expect(none[0]!.amounts.get('4/SRIOV_NET_VF')).toBe(2);
  });

  it('refuses combinations whose summed amounts exceed what a provider has left', () => {
    const g1 = sameProviderRequests(group('1', { VCPU: 1 }), [{ id: 3, root: 1 }]);
    const g2 = sameProviderRequests(group('2', { VCPU: 1 }), [{ id: 3, root: 1 }]);
    // provider 3 has 4 VCPU of which 3 are used: one fits, two do not
    expect(mergeGroups(new Map([['1', g1], ['2', g2]]), { ...base, groupPolicy: 'none' })).toEqual([]);
  });

  it('same_subtree keeps only providers under one of them', () => {
    const numa = sameProviderRequests(group('NUMA', { VCPU: 1 }), [{ id: 2, root: 1 }, { id: 3, root: 1 }]);
    const port = sameProviderRequests(group('PORT', { SRIOV_NET_VF: 1 }), [{ id: 4, root: 1 }, { id: 5, root: 1 }]);
    const merged = mergeGroups(new Map([['NUMA', numa], ['PORT', port]]), {
      suffixes: ['NUMA', 'PORT'],
      granularSuffixes: new Set(['NUMA', 'PORT']),
      groupPolicy: 'isolate',
      sameSubtrees: [['NUMA', 'PORT']],
      trees,
    });
    expect(merged.map((r) => [[...r.mappings.get('NUMA')!][0], [...r.mappings.get('PORT')!][0]])).toEqual([[2, 4], [3, 5]]);
    expect(inSameSubtree(new Set([2, 5]), trees)).toBe(false);
    expect(inSameSubtree(new Set([1, 5]), trees)).toBe(true);
  });

  it('stops once it has as many candidates as asked for', () => {
    const perGroup = new Map([['1', vf('1')], ['2', vf('2')]]);
    expect(mergeGroups(perGroup, { ...base, groupPolicy: 'none', stopAfter: 3 })).toHaveLength(3);
  });
});
