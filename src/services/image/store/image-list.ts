import type { ExpressionBuilder, SqlBool, Expression } from 'kysely';
import { applyPage, type SortKey } from '../../../core/db/index.ts';
import type { Caller, MemberStatus, Visibility } from '../image-model.ts';
import type { ImageRow, ImageTables } from './tables.ts';
import type { ImageDb } from './tables.ts';

export type FilterColumn = 'name' | 'id' | 'status' | 'container_format' | 'disk_format';
export type NumericColumn = 'size' | 'virtual_size' | 'min_disk' | 'min_ram';
export type EqualColumn = NumericColumn | 'owner' | 'checksum' | 'os_hash_algo' | 'os_hash_value';
export type SortColumn = 'name' | 'status' | 'container_format' | 'disk_format' | 'size' | 'id' | 'created_at' | 'updated_at';
export type TimeOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface ImageListQuery {
  readonly caller: Caller;
  readonly visibility?: Visibility | 'all' | undefined;
  readonly memberStatus: MemberStatus | 'all';
  readonly osHidden: boolean;
  readonly protected?: boolean | undefined;
  /** `in` matches any of the values, `eq` the one value. */
  readonly attributes: Partial<Record<FilterColumn, readonly string[]>>;
  readonly times: ReadonlyArray<{ column: 'created_at' | 'updated_at'; op: TimeOp; value: string }>;
  readonly ranges: ReadonlyArray<{ column: NumericColumn; bound: 'min' | 'max'; value: number }>;
  readonly equals: Partial<Record<EqualColumn, string | number>>;
  /** Every tag must be present. */
  readonly tags: readonly string[];
  /** Additional properties that must have these values. */
  readonly properties: Readonly<Record<string, string>>;
  readonly sort: ReadonlyArray<{ column: SortColumn; dir: 'asc' | 'desc' }>;
  readonly marker?: ImageRow | undefined;
  readonly limit: number;
}

type Eb = ExpressionBuilder<ImageTables, 'image_image'>;
const NULLABLE: ReadonlySet<SortColumn> = new Set(['name', 'container_format', 'disk_format', 'size']);
const TIME_OPS: Record<TimeOp, '>' | '>=' | '<' | '<=' | '=' | '<>'> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };

/**
 * Which images a caller may list (Glance's _select_images_query): admins all of them; others
 * public and community images, their own, and shared images they are a member of with the
 * requested membership status.
 */
function visibleTo(eb: Eb, caller: Caller, memberStatus: MemberStatus | 'all'): Expression<SqlBool> {
  const open = eb('image_image.visibility', 'in', ['public', 'community']);
  if (caller.projectId === undefined) return open;
  const member = eb.exists(
    eb
      .selectFrom('image_member as m')
      .select('m.member')
      .whereRef('m.image_id', '=', 'image_image.id')
      .where('m.member', '=', caller.projectId)
      .$if(memberStatus !== 'all', (q) => q.where('m.status', '=', memberStatus)),
  );
  return eb.or([open, eb('image_image.owner', '=', caller.projectId), eb.and([eb('image_image.visibility', '=', 'shared'), member])]);
}

/** Without a visibility filter, community images show only to their owner (Glance's default list). */
function visibilityFilter(eb: Eb, q: ImageListQuery): Expression<SqlBool> | undefined {
  if (q.visibility === 'all') return undefined;
  if (q.visibility !== undefined) return eb('image_image.visibility', '=', q.visibility);
  if (q.caller.projectId === undefined) return eb('image_image.visibility', '<>', 'community');
  return eb.or([eb('image_image.owner', '=', q.caller.projectId), eb('image_image.visibility', '<>', 'community')]);
}

function conditions(eb: Eb, q: ImageListQuery): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [
    eb('image_image.deleted', '=', 0),
    eb('image_image.status', '<>', 'killed'),
    eb('image_image.os_hidden', '=', q.osHidden ? 1 : 0),
  ];
  if (!q.caller.isAdmin) all.push(visibleTo(eb, q.caller, q.memberStatus));
  const vis = visibilityFilter(eb, q);
  if (vis) all.push(vis);
  if (q.protected !== undefined) all.push(eb('image_image.protected', '=', q.protected ? 1 : 0));
  for (const [column, values] of Object.entries(q.attributes) as Array<[FilterColumn, readonly string[]]>) {
    all.push(eb(`image_image.${column}`, 'in', [...values]));
  }
  for (const t of q.times) all.push(eb(`image_image.${t.column}`, TIME_OPS[t.op], t.value));
  for (const r of q.ranges) all.push(eb(`image_image.${r.column}`, r.bound === 'min' ? '>=' : '<=', r.value));
  for (const [column, value] of Object.entries(q.equals) as Array<[EqualColumn, string | number]>) {
    all.push(eb(`image_image.${column}`, '=', value));
  }
  for (const tag of q.tags) {
    all.push(
      eb.exists(eb.selectFrom('image_tag as t').select('t.value').whereRef('t.image_id', '=', 'image_image.id').where('t.value', '=', tag)),
    );
  }
  for (const [name, value] of Object.entries(q.properties)) {
    all.push(
      eb.exists(
        eb
          .selectFrom('image_property as p')
          .select('p.name')
          .whereRef('p.image_id', '=', 'image_image.id')
          .where('p.name', '=', name)
          .where('p.value', '=', value),
      ),
    );
  }
  return eb.and(all);
}

/** One page of image rows for a list call, sorted with created_at and id as tiebreakers. */
export async function listImageRows(db: ImageDb, q: ImageListQuery): Promise<ImageRow[]> {
  const sort: SortKey[] = q.sort.map((s) => ({ column: `image_image.${s.column}`, dir: s.dir, nullable: NULLABLE.has(s.column) }));
  const query = db.selectFrom('image_image').selectAll('image_image').where((eb) => conditions(eb, q));
  return applyPage(query, { sort, marker: q.marker, limit: q.limit }).execute();
}

/** The row of an image a list may start after, when the caller may see it. */
export async function markerRow(db: ImageDb, id: string): Promise<ImageRow | undefined> {
  return db.selectFrom('image_image').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
}
