import { fromDbBool, fromDbTime, toDbBool, toDbTime } from '../../../core/db/index.ts';
import type { Image, ImageStatus, Visibility } from '../image-model.ts';
import type { ImageDb, ImageRow } from './tables.ts';

type Handle = Pick<ImageDb, 'selectFrom' | 'insertInto' | 'updateTable' | 'deleteFrom'>;

/** The columns a client changes through PATCH (everything else moves with the data). */
export interface ImageFields {
  readonly name: string | null;
  readonly visibility: Visibility;
  readonly protected: boolean;
  readonly osHidden: boolean;
  readonly owner: string | null;
  readonly diskFormat: string | null;
  readonly containerFormat: string | null;
  readonly minDisk: number;
  readonly minRam: number;
}

export interface NewImage extends ImageFields {
  readonly id: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
}

function toImage(
  row: ImageRow,
  properties: Record<string, string>,
  tags: string[],
  locations: Array<{ storeId: string; url: string }>,
): Image {
  return {
    id: row.id,
    name: row.name,
    status: row.status as ImageStatus,
    visibility: row.visibility as Visibility,
    protected: fromDbBool(row.protected),
    osHidden: fromDbBool(row.os_hidden),
    owner: row.owner,
    size: row.size === null ? null : Number(row.size),
    virtualSize: row.virtual_size === null ? null : Number(row.virtual_size),
    checksum: row.checksum,
    osHashAlgo: row.os_hash_algo,
    osHashValue: row.os_hash_value,
    diskFormat: row.disk_format,
    containerFormat: row.container_format,
    minDisk: Number(row.min_disk),
    minRam: Number(row.min_ram),
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
    properties,
    tags: tags.sort(),
    locations,
  };
}

/** Loads images by row with their properties, tags and active locations, in three queries. */
export async function hydrateImages(db: Handle, rows: readonly ImageRow[]): Promise<Image[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [props, tags, locs] = await Promise.all([
    db.selectFrom('image_property').selectAll().where('image_id', 'in', ids).execute(),
    db.selectFrom('image_tag').selectAll().where('image_id', 'in', ids).execute(),
    db
      .selectFrom('image_location')
      .select(['image_id', 'store_id', 'url'])
      .where('image_id', 'in', ids)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute(),
  ]);
  return rows.map((row) =>
    toImage(
      row,
      Object.fromEntries(props.filter((p) => p.image_id === row.id).map((p) => [p.name, p.value])),
      tags.filter((t) => t.image_id === row.id).map((t) => t.value),
      locs.filter((l) => l.image_id === row.id).map((l) => ({ storeId: l.store_id, url: l.url })),
    ),
  );
}

/** An image that is not deleted, or undefined. */
export async function findImage(db: Handle, id: string): Promise<Image | undefined> {
  const row = await db.selectFrom('image_image').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  if (!row) return undefined;
  return (await hydrateImages(db, [row]))[0];
}

/** Whether any image row, deleted ones included, has this id (Glance never reuses one). */
export async function imageIdTaken(db: Handle, id: string): Promise<boolean> {
  return (await db.selectFrom('image_image').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function insertImage(db: ImageDb, image: NewImage, now: Date): Promise<void> {
  const t = toDbTime(now);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('image_image')
      .values({
        id: image.id,
        name: image.name,
        status: 'queued',
        visibility: image.visibility,
        protected: toDbBool(image.protected),
        os_hidden: toDbBool(image.osHidden),
        owner: image.owner,
        size: null,
        virtual_size: null,
        checksum: null,
        os_hash_algo: null,
        os_hash_value: null,
        disk_format: image.diskFormat,
        container_format: image.containerFormat,
        min_disk: image.minDisk,
        min_ram: image.minRam,
        created_at: t,
        updated_at: t,
        deleted: 0,
        deleted_at: null,
        op_worker: null,
        op_heartbeat: null,
      })
      .execute();
    await writeProperties(trx, image.id, {}, image.properties);
    await writeTags(trx, image.id, [], image.tags);
  });
}

/** Writes the difference between two property maps. */
export async function writeProperties(
  db: Handle,
  imageId: string,
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): Promise<void> {
  const removed = Object.keys(before).filter((k) => !Object.hasOwn(after, k));
  const changed = Object.entries(after).filter(([k, v]) => before[k] !== v);
  const replaced = changed.filter(([k]) => Object.hasOwn(before, k)).map(([k]) => k);
  const gone = [...removed, ...replaced];
  if (gone.length) await db.deleteFrom('image_property').where('image_id', '=', imageId).where('name', 'in', gone).execute();
  if (changed.length) {
    await db
      .insertInto('image_property')
      .values(changed.map(([name, value]) => ({ image_id: imageId, name, value })))
      .execute();
  }
}

export async function writeTags(db: Handle, imageId: string, before: readonly string[], after: readonly string[]): Promise<void> {
  const removed = before.filter((t) => !after.includes(t));
  const added = [...new Set(after)].filter((t) => !before.includes(t));
  if (removed.length) await db.deleteFrom('image_tag').where('image_id', '=', imageId).where('value', 'in', removed).execute();
  if (added.length) await db.insertInto('image_tag').values(added.map((value) => ({ image_id: imageId, value }))).execute();
}

/**
 * Saves what a PATCH changed: the client-facing fields and the property and tag
 * differences, in one transaction. Fails (false) when the image was deleted meanwhile.
 */
export async function saveImageChanges(
  db: ImageDb,
  before: Image,
  after: ImageFields & { properties: Readonly<Record<string, string>>; tags: readonly string[] },
  now: Date,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('image_image')
      .set({
        name: after.name,
        visibility: after.visibility,
        protected: toDbBool(after.protected),
        os_hidden: toDbBool(after.osHidden),
        owner: after.owner,
        disk_format: after.diskFormat,
        container_format: after.containerFormat,
        min_disk: after.minDisk,
        min_ram: after.minRam,
        updated_at: toDbTime(now),
      })
      .where('id', '=', before.id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return false;
    await writeProperties(trx, before.id, before.properties, after.properties);
    await writeTags(trx, before.id, before.tags, after.tags);
    return true;
  });
}

export interface StatusChange {
  readonly to: ImageStatus;
  /** Only when the image is in one of these statuses now. */
  readonly from: readonly ImageStatus[];
  readonly set?: Partial<Pick<ImageRow, 'size' | 'virtual_size' | 'checksum' | 'os_hash_algo' | 'os_hash_value' | 'op_worker' | 'op_heartbeat' | 'disk_format' | 'container_format'>>;
}

/** Moves an image to another status if it is in an expected one; false when it was not. */
export async function changeStatus(db: Handle, id: string, change: StatusChange, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('image_image')
    .set({ status: change.to, updated_at: toDbTime(now), ...(change.set ?? {}) })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .where('status', 'in', [...change.from])
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Touches updated_at (Glance bumps it on every save, tag and member changes included). */
export async function touchImage(db: Handle, id: string, now: Date): Promise<void> {
  await db.updateTable('image_image').set({ updated_at: toDbTime(now) }).where('id', '=', id).execute();
}
