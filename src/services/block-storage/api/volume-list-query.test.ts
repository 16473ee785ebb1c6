import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../../core/errors/index.ts';
import { parseMicroversion } from '../../../core/http/index.ts';
import { parseVolumeListQuery } from './volume-list-query.ts';

const at = (v: string) => parseMicroversion(v);
const parse = (query: Record<string, unknown>, o: { mv?: string; admin?: boolean } = {}) =>
  parseVolumeListQuery(query, { microversion: at(o.mv ?? '3.0'), isAdmin: o.admin ?? false, projectId: 'p1', maxLimit: 1000 });
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as ApiError).status;
  }
  return 'no error';
};

describe('parseVolumeListQuery', () => {
  it('defaults to created_at desc, id desc, the max limit and the caller project', () => {
    const q = parse({});
    expect(q.sort).toEqual([
      { column: 'created_at', dir: 'desc', nullable: undefined },
      { column: 'id', dir: 'desc' },
    ]);
    expect(q.limit).toBe(1000);
    expect(q.filter.projectId).toBe('p1');
    expect(q.filter.noMigrationTargets).toBe(true);
  });

  it('reads sort and sort_key/sort_dir, refuses mixing them and unknown keys or directions', () => {
    expect(parse({ sort: 'name:asc,size' }).sort.map((k) => `${k.column}:${k.dir}`)).toEqual([
      'name:asc',
      'size:desc',
      'created_at:asc',
      'id:asc',
    ]);
    expect(parse({ sort_key: 'id', sort_dir: 'asc' }).sort.map((k) => `${k.column}:${k.dir}`)).toEqual(['id:asc', 'created_at:asc']);
    expect(status(() => parse({ sort: 'id', sort_key: 'name' }))).toBe(400);
    expect(status(() => parse({ sort: 'nope:asc' }))).toBe(400);
    expect(status(() => parse({ sort: 'id:sideways' }))).toBe(400);
  });

  it('checks limit and offset as Cinder does', () => {
    expect(parse({ limit: '5000' }).limit).toBe(1000);
    expect(status(() => parse({ limit: 'x' }))).toBe(400);
    expect(status(() => parse({ limit: '-1' }))).toBe(400);
    expect(status(() => parse({ offset: '-3' }))).toBe(400);
    expect(parse({ offset: '2' }).offset).toBe(2);
  });

  it('reads filter values as Python literals; metadata as a dict', () => {
    const q = parse({ name: 'v1', status: 'available', size: '2', metadata: "{'Type': 'work'}" });
    expect(q.filter.exact).toEqual({ name: 'v1', status: 'available', size: 2 });
    expect(q.filter.metadata).toEqual({ Type: 'work' });
    expect(parse({ metadata: 'not-a-dict' }).matchesNothing).toBe(true);
  });

  it('reads bootable strictly from 3.2 and leniently before', () => {
    expect(parse({ bootable: 'false' }, { mv: '3.2' }).filter.exact).toEqual({ bootable: 0 });
    expect(parse({ bootable: 'True' }, { mv: '3.2' }).filter.exact).toEqual({ bootable: 1 });
    expect(status(() => parse({ bootable: 'maybe' }, { mv: '3.2' }))).toBe(400);
    expect(parse({ bootable: 'maybe' }, { mv: '3.0' }).filter.exact).toEqual({ bootable: 1 });
  });

  it('drops filters a user may not use before 3.33 and refuses them from 3.33', () => {
    expect(parse({ host: 'x', status: 'available' }).filter.exact).toEqual({ status: 'available' });
    expect(status(() => parse({ host: 'x' }, { mv: '3.33' }))).toBe(400);
    expect(parse({ host: 'x' }, { mv: '3.33', admin: true }).filter.exact).toEqual({ host: 'x' });
    // all_tenants is silently ignored for users (Cinder bug 1917574).
    expect(parse({ all_tenants: '1' }, { mv: '3.33' }).filter.projectId).toBe('p1');
  });

  it('lets admins list every project with all_tenants and filter by project_id', () => {
    const q = parse({ all_tenants: '1', project_id: 'p2' }, { admin: true });
    expect(q.filter.projectId).toBeUndefined();
    expect(q.filter.exact).toEqual({ project_id: 'p2' });
    expect(parse({ unknown_attr: 'x' }, { admin: true }).matchesNothing).toBe(true);
  });

  it('knows which filters exist from which microversion', () => {
    expect(parse({ group_id: 'g' }, { mv: '3.9' }).filter.exact).toEqual({});
    expect(parse({ group_id: 'g' }, { mv: '3.10' }).filter.exact).toEqual({ group_id: 'g' });
    expect(parse({ created_at: 'gt:2020-01-01T00:00:00' }, { mv: '3.59' }).filter.createdAt).toBeUndefined();
    expect(parse({ created_at: 'gt:2020-01-01T00:00:00,lte:2030-01-01T00:00:00' }, { mv: '3.60' }).filter.createdAt).toEqual([
      { op: 'gt', value: '2020-01-01T00:00:00.000000Z' },
      { op: 'lte', value: '2030-01-01T00:00:00.000000Z' },
    ]);
    expect(status(() => parse({ created_at: 'bigger:2020-01-01' }, { mv: '3.60' }))).toBe(400);
    expect(status(() => parse({ created_at: 'gt:yesterday' }, { mv: '3.60' }))).toBe(400);
    expect(parse({ 'name~': 'vol' }, { mv: '3.34', admin: true }).filter.like).toEqual({ name: 'vol' });
  });

  it('takes with_count from 3.45 only', () => {
    expect(parse({ with_count: 'true' }, { mv: '3.44' }).withCount).toBe(false);
    expect(parse({ with_count: 'true' }, { mv: '3.45' }).withCount).toBe(true);
  });
});
