import type { NetworkTx } from './db.ts';

export async function tagsOf(db: NetworkTx, resourceType: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await db
    .selectFrom('network_tag')
    .select(['resource_id', 'tag'])
    .where('resource_type', '=', resourceType)
    .where('resource_id', 'in', ids)
    .orderBy('tag')
    .execute();
  for (const r of rows) out.get(r.resource_id)?.push(r.tag);
  return out;
}

export async function replaceTags(db: NetworkTx, resourceType: string, id: string, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('network_tag').where('resource_type', '=', resourceType).where('resource_id', '=', id).execute();
  const unique = [...new Set(tags)];
  if (unique.length) {
    await db.insertInto('network_tag').values(unique.map((tag) => ({ resource_type: resourceType, resource_id: id, tag }))).execute();
  }
}

export async function addTag(db: NetworkTx, resourceType: string, id: string, tag: string): Promise<boolean> {
  const has = await db
    .selectFrom('network_tag')
    .select('tag')
    .where('resource_type', '=', resourceType)
    .where('resource_id', '=', id)
    .where('tag', '=', tag)
    .executeTakeFirst();
  if (has) return false;
  await db.insertInto('network_tag').values({ resource_type: resourceType, resource_id: id, tag }).execute();
  return true;
}

export async function removeTag(db: NetworkTx, resourceType: string, id: string, tag: string): Promise<boolean> {
  const r = await db
    .deleteFrom('network_tag')
    .where('resource_type', '=', resourceType)
    .where('resource_id', '=', id)
    .where('tag', '=', tag)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function dropTags(db: NetworkTx, resourceType: string, id: string): Promise<void> {
  await db.deleteFrom('network_tag').where('resource_type', '=', resourceType).where('resource_id', '=', id).execute();
}
