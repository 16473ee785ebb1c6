import { sql } from 'kysely';
import type { ImageDb } from './tables.ts';

/** What a project uses of each unified-limit resource Glance defines (sizes in bytes). */
export interface ImageUsage {
  readonly image_size_total: number;
  readonly image_stage_total: number;
  readonly image_count_total: number;
  readonly image_count_uploading: number;
}

const UPLOADING = ['saving', 'uploading', 'importing'];
const GONE = ['killed', 'deleted'];

/** Images being copied to more stores (copy-image import) hold staging space and an upload slot. */
function copying(db: ImageDb, owner: string) {
  return db
    .selectFrom('image_image as i')
    .where('i.owner', '=', owner)
    .where('i.deleted', '=', 0)
    .where('i.status', 'not in', [...UPLOADING, ...GONE])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('image_property as p')
          .select('p.name')
          .whereRef('p.image_id', '=', 'i.id')
          .where('p.name', '=', 'os_glance_importing_to_stores')
          .where('p.value', '<>', ''),
      ),
    );
}

/** Counted the way Glance counts (glance.db.sqlalchemy.api user_get_*). */
export async function imageUsage(db: ImageDb, owner: string): Promise<ImageUsage> {
  const live = db.selectFrom('image_image as i').where('i.owner', '=', owner).where('i.deleted', '=', 0);
  const [stored, staged, copyStaged, count, uploading, copyCount] = await Promise.all([
    live
      .innerJoin('image_location as l', 'l.image_id', 'i.id')
      .where('l.status', '=', 'active')
      .where('i.status', 'not in', GONE)
      .where('i.size', '>', 0)
      .select(sql<number>`coalesce(sum(i.size), 0)`.as('n'))
      .executeTakeFirst(),
    live.where('i.status', 'in', ['uploading', 'importing']).where('i.size', '>', 0).select(sql<number>`coalesce(sum(i.size), 0)`.as('n')).executeTakeFirst(),
    copying(db, owner).where('i.size', '>', 0).select(sql<number>`coalesce(sum(i.size), 0)`.as('n')).executeTakeFirst(),
    live.where('i.status', 'not in', GONE).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    live.where('i.status', 'in', UPLOADING).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    copying(db, owner).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
  ]);
  return {
    image_size_total: Number(stored?.n ?? 0),
    image_stage_total: Number(staged?.n ?? 0) + Number(copyStaged?.n ?? 0),
    image_count_total: Number(count?.n ?? 0),
    image_count_uploading: Number(uploading?.n ?? 0) + Number(copyCount?.n ?? 0),
  };
}
