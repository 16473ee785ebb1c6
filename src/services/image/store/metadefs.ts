import { randomUUID } from 'node:crypto';
import { fromDbBool, fromDbJson, fromDbTime, toDbBool, toDbJson, toDbTime } from '../../../core/db/index.ts';
import type { ImageDb, MetadefNamespaceRow } from './tables.ts';

type Handle = Pick<ImageDb, 'selectFrom' | 'insertInto' | 'updateTable' | 'deleteFrom'>;

export interface MetadefNamespace {
  readonly id: string;
  readonly namespace: string;
  readonly displayName: string | null;
  readonly description: string | null;
  readonly visibility: 'public' | 'private';
  readonly protected: boolean;
  readonly owner: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A named child of a namespace (object, property or tag) with its JSON body. */
export interface MetadefChild {
  readonly name: string;
  readonly body: Record<string, unknown>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ResourceTypeAssociation {
  readonly name: string;
  readonly prefix: string | null;
  readonly propertiesTarget: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type ChildKind = 'object' | 'property' | 'tag';
const TABLE = { object: 'image_metadef_object', property: 'image_metadef_property', tag: 'image_metadef_tag' } as const;

const toNamespace = (r: MetadefNamespaceRow): MetadefNamespace => ({
  id: r.id,
  namespace: r.namespace,
  displayName: r.display_name,
  description: r.description,
  visibility: r.visibility as 'public' | 'private',
  protected: fromDbBool(r.protected),
  owner: r.owner,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
});

export interface NamespaceFields {
  readonly namespace: string;
  readonly displayName: string | null;
  readonly description: string | null;
  readonly visibility: 'public' | 'private';
  readonly protected: boolean;
  readonly owner: string;
}

export async function findNamespace(db: Handle, name: string): Promise<MetadefNamespace | undefined> {
  const row = await db.selectFrom('image_metadef_namespace').selectAll().where('namespace', '=', name).executeTakeFirst();
  return row ? toNamespace(row) : undefined;
}

/** Namespaces a caller sees: all for admins, else public ones and the project's own. */
export async function listNamespaces(db: Handle, caller: { projectId: string | undefined; isAdmin: boolean }, visibility?: string): Promise<MetadefNamespace[]> {
  const rows = await db
    .selectFrom('image_metadef_namespace')
    .selectAll()
    .$if(!caller.isAdmin, (q) =>
      q.where((eb) => eb.or([eb('visibility', '=', 'public'), ...(caller.projectId ? [eb('owner', '=', caller.projectId)] : [])])),
    )
    .$if(visibility !== undefined, (q) => q.where('visibility', '=', visibility!))
    .orderBy('created_at')
    .orderBy('namespace')
    .execute();
  return rows.map(toNamespace);
}

export async function insertNamespace(db: Handle, f: NamespaceFields, now: Date): Promise<string> {
  const id = randomUUID();
  const t = toDbTime(now);
  await db
    .insertInto('image_metadef_namespace')
    .values({
      id,
      namespace: f.namespace,
      display_name: f.displayName,
      description: f.description,
      visibility: f.visibility,
      protected: toDbBool(f.protected),
      owner: f.owner,
      created_at: t,
      updated_at: t,
    })
    .execute();
  return id;
}

export async function updateNamespace(db: Handle, id: string, f: NamespaceFields, now: Date): Promise<void> {
  await db
    .updateTable('image_metadef_namespace')
    .set({
      namespace: f.namespace,
      display_name: f.displayName,
      description: f.description,
      visibility: f.visibility,
      protected: toDbBool(f.protected),
      owner: f.owner,
      updated_at: toDbTime(now),
    })
    .where('id', '=', id)
    .execute();
}

/** Removes a namespace with everything in it. */
export async function deleteNamespace(db: ImageDb, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const table of [...Object.values(TABLE), 'image_metadef_resource_type_assoc'] as const) {
      await trx.deleteFrom(table).where('namespace_id', '=', id).execute();
    }
    await trx.deleteFrom('image_metadef_namespace').where('id', '=', id).execute();
  });
}

function bodyOf(kind: ChildKind, row: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'property') return fromDbJson<Record<string, unknown>>(row.json_schema as string);
  if (kind === 'object') {
    return {
      ...(row.description !== null ? { description: row.description } : {}),
      ...(row.required !== null ? { required: fromDbJson(row.required as string) } : {}),
      ...(row.properties !== null ? { properties: fromDbJson(row.properties as string) } : {}),
    };
  }
  return {};
}

function columnsOf(kind: ChildKind, body: Record<string, unknown>): Record<string, string | null> {
  if (kind === 'property') return { json_schema: toDbJson(body) };
  if (kind === 'object') {
    return {
      description: typeof body.description === 'string' ? body.description : null,
      required: body.required === undefined ? null : toDbJson(body.required),
      properties: body.properties === undefined ? null : toDbJson(body.properties),
    };
  }
  return {};
}

export async function listChildren(db: Handle, kind: ChildKind, namespaceId: string): Promise<MetadefChild[]> {
  const rows = await db.selectFrom(TABLE[kind]).selectAll().where('namespace_id', '=', namespaceId).orderBy('created_at').orderBy('name').execute();
  return rows.map((r) => ({
    name: r.name,
    body: bodyOf(kind, r as unknown as Record<string, unknown>),
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
  }));
}

export async function findChild(db: Handle, kind: ChildKind, namespaceId: string, name: string): Promise<MetadefChild | undefined> {
  return (await listChildren(db, kind, namespaceId)).find((c) => c.name === name);
}

export async function insertChild(db: Handle, kind: ChildKind, namespaceId: string, name: string, body: Record<string, unknown>, now: Date): Promise<void> {
  const t = toDbTime(now);
  await db
    .insertInto(TABLE[kind])
    .values({ id: randomUUID(), namespace_id: namespaceId, name, ...columnsOf(kind, body), created_at: t, updated_at: t } as never)
    .execute();
}

export async function updateChild(db: Handle, kind: ChildKind, namespaceId: string, name: string, newName: string, body: Record<string, unknown>, now: Date): Promise<void> {
  await db
    .updateTable(TABLE[kind])
    .set({ name: newName, ...columnsOf(kind, body), updated_at: toDbTime(now) } as never)
    .where('namespace_id', '=', namespaceId)
    .where('name', '=', name)
    .execute();
}

export async function deleteChildren(db: Handle, kind: ChildKind, namespaceId: string, name?: string): Promise<number> {
  const res = await db
    .deleteFrom(TABLE[kind])
    .where('namespace_id', '=', namespaceId)
    .$if(name !== undefined, (q) => q.where('name', '=', name!))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function listResourceTypes(db: Handle): Promise<Array<{ name: string; createdAt: Date; updatedAt: Date }>> {
  const rows = await db.selectFrom('image_metadef_resource_type').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, createdAt: fromDbTime(r.created_at), updatedAt: fromDbTime(r.updated_at) }));
}

export async function listAssociations(db: Handle, namespaceId: string): Promise<ResourceTypeAssociation[]> {
  const rows = await db
    .selectFrom('image_metadef_resource_type_assoc as a')
    .innerJoin('image_metadef_resource_type as t', 't.id', 'a.resource_type_id')
    .select(['t.name', 'a.prefix', 'a.properties_target', 'a.created_at', 'a.updated_at'])
    .where('a.namespace_id', '=', namespaceId)
    .orderBy('t.name')
    .execute();
  return rows.map((r) => ({ name: r.name, prefix: r.prefix, propertiesTarget: r.properties_target, createdAt: fromDbTime(r.created_at), updatedAt: fromDbTime(r.updated_at) }));
}

/** Associates a resource type (created when Glance does not know it yet) with a namespace. */
export async function insertAssociation(
  db: ImageDb,
  namespaceId: string,
  a: { name: string; prefix: string | null; propertiesTarget: string | null },
  now: Date,
): Promise<void> {
  const t = toDbTime(now);
  await db.transaction().execute(async (trx) => {
    let type = await trx.selectFrom('image_metadef_resource_type').select('id').where('name', '=', a.name).executeTakeFirst();
    if (!type) {
      const id = randomUUID();
      await trx.insertInto('image_metadef_resource_type').values({ id, name: a.name, protected: 0, created_at: t, updated_at: t }).execute();
      type = { id };
    }
    await trx
      .insertInto('image_metadef_resource_type_assoc')
      .values({ namespace_id: namespaceId, resource_type_id: type.id, prefix: a.prefix, properties_target: a.propertiesTarget, created_at: t, updated_at: t })
      .execute();
  });
}

export async function deleteAssociation(db: Handle, namespaceId: string, name: string): Promise<boolean> {
  const type = await db.selectFrom('image_metadef_resource_type').select('id').where('name', '=', name).executeTakeFirst();
  if (!type) return false;
  const res = await db
    .deleteFrom('image_metadef_resource_type_assoc')
    .where('namespace_id', '=', namespaceId)
    .where('resource_type_id', '=', type.id)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
