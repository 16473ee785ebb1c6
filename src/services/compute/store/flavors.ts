import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { applyPage, isUniqueViolation, toDbTime } from '../../../core/db/index.ts';
import type { ComputeDb } from './db.ts';
import type { ComputeTables, FlavorTable } from './tables.ts';

type Db = Kysely<ComputeTables>;
export type FlavorRow = Selectable<FlavorTable>;
export type ExtraSpecs = Record<string, string>;

/** Who is looking: admins see every flavor, others public ones and private ones shared with their project. */
export interface FlavorViewer {
  readonly isAdmin: boolean;
  readonly projectId: string | undefined;
}

export interface NewFlavor {
  readonly flavorid: string;
  readonly name: string;
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly rootGb: number;
  readonly ephemeralGb: number;
  readonly swap: number;
  readonly rxtxFactor: number;
  readonly isPublic: boolean;
  readonly description: string | null;
}

/** A create that collided with an existing flavor's name or id. */
export class FlavorTaken extends Error {
  constructor(
    readonly field: 'name' | 'flavorid',
    readonly value: string,
  ) {
    super(`flavor ${field} ${value} is taken`);
  }
}

/** The columns a list may sort by (Nova's flavor sort keys). */
export const FLAVOR_SORT_COLUMNS: Readonly<
  Record<string, { column: keyof FlavorTable; nullable?: boolean }>
> = {
  created_at: { column: 'created_at' },
  description: { column: 'description', nullable: true },
  disabled: { column: 'disabled' },
  ephemeral_gb: { column: 'ephemeral_gb' },
  flavorid: { column: 'flavorid' },
  id: { column: 'id' },
  is_public: { column: 'is_public' },
  memory_mb: { column: 'memory_mb' },
  name: { column: 'name' },
  root_gb: { column: 'root_gb' },
  rxtx_factor: { column: 'rxtx_factor' },
  swap: { column: 'swap' },
  updated_at: { column: 'updated_at', nullable: true },
  vcpu_weight: { column: 'vcpu_weight', nullable: true },
  vcpus: { column: 'vcpus' },
};

export async function insertFlavor(db: ComputeDb, f: NewFlavor, now: Date): Promise<FlavorRow> {
  // Checked first for the message; the unique keys settle races.
  const clash = await db
    .selectFrom('compute_flavor')
    .select(['name', 'flavorid'])
    .where((eb) => eb.or([eb('name', '=', f.name), eb('flavorid', '=', f.flavorid)]))
    .executeTakeFirst();
  if (clash)
    throw clash.flavorid === f.flavorid
      ? new FlavorTaken('flavorid', f.flavorid)
      : new FlavorTaken('name', f.name);
  try {
    await db
      .insertInto('compute_flavor')
      .values({
        flavorid: f.flavorid,
        name: f.name,
        memory_mb: f.memoryMb,
        vcpus: f.vcpus,
        root_gb: f.rootGb,
        ephemeral_gb: f.ephemeralGb,
        swap: f.swap,
        rxtx_factor: f.rxtxFactor,
        vcpu_weight: null,
        disabled: 0,
        is_public: f.isPublic ? 1 : 0,
        description: f.description,
        created_at: toDbTime(now),
        updated_at: null,
      })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new FlavorTaken('name', f.name);
    throw err;
  }
  return await db
    .selectFrom('compute_flavor')
    .selectAll()
    .where('flavorid', '=', f.flavorid)
    .executeTakeFirstOrThrow();
}

function visibleQuery(db: Db, viewer: FlavorViewer) {
  let q = db.selectFrom('compute_flavor').selectAll('compute_flavor');
  if (!viewer.isAdmin) q = q.where((eb) => sharedOrPublic(eb, viewer.projectId, true));
  return q;
}

// `is_public = wanted`, or (when public flavors are wanted) a private one shared with the project.
function sharedOrPublic(
  eb: ExpressionBuilder<ComputeTables, 'compute_flavor'>,
  projectId: string | undefined,
  wanted: boolean,
) {
  const branches = [eb('compute_flavor.is_public', '=', wanted ? 1 : 0)];
  if (wanted && projectId !== undefined) {
    branches.push(
      eb.exists(
        eb
          .selectFrom('compute_flavor_project')
          .select('compute_flavor_project.flavor_id')
          .whereRef('compute_flavor_project.flavor_id', '=', 'compute_flavor.id')
          .where('compute_flavor_project.project_id', '=', projectId),
      ),
    );
  }
  return eb.or(branches);
}

/** A flavor by its public id, if the viewer may see it. */
export async function getFlavor(
  db: ComputeDb,
  flavorid: string,
  viewer: FlavorViewer,
): Promise<FlavorRow | undefined> {
  return visibleQuery(db, viewer).where('flavorid', '=', flavorid).executeTakeFirst();
}

export interface FlavorListQuery {
  /** true: public (plus shared with the project), false: private only, null: all. */
  readonly isPublic: boolean | null;
  readonly projectId: string | undefined;
  readonly minRam?: number | undefined;
  readonly minDisk?: number | undefined;
  readonly sort: readonly { key: string; dir: 'asc' | 'desc' }[];
  readonly marker?: FlavorRow | undefined;
  readonly limit: number;
}

export async function listFlavors(db: ComputeDb, q: FlavorListQuery): Promise<FlavorRow[]> {
  let query = db.selectFrom('compute_flavor').selectAll('compute_flavor');
  if (q.isPublic !== null) {
    const wanted = q.isPublic;
    query = query.where((eb) => sharedOrPublic(eb, q.projectId, wanted));
  }
  if (q.minRam !== undefined) query = query.where('memory_mb', '>=', q.minRam);
  if (q.minDisk !== undefined) query = query.where('root_gb', '>=', q.minDisk);
  const sort = q.sort.map((s) => {
    const col = FLAVOR_SORT_COLUMNS[s.key]!;
    return {
      column: `compute_flavor.${col.column}`,
      dir: s.dir,
      ...(col.nullable ? { nullable: true } : {}),
    };
  });
  // flavorid is unique: it ends every order so a marker is exact.
  if (!q.sort.some((s) => s.key === 'flavorid' || s.key === 'id'))
    sort.push({ column: 'compute_flavor.flavorid', dir: q.sort[0]?.dir ?? 'asc' });
  return applyPage(query, { sort, marker: q.marker, limit: q.limit }).execute();
}

/** Deletes a flavor with its extra specs and access list; false when there was none. */
export async function deleteFlavor(db: ComputeDb, flavorid: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('compute_flavor')
      .select('id')
      .where('flavorid', '=', flavorid)
      .executeTakeFirst();
    if (!row) return false;
    // Explicit, since SQLite connections may run without foreign key enforcement.
    await trx.deleteFrom('compute_flavor_extra_spec').where('flavor_id', '=', row.id).execute();
    await trx.deleteFrom('compute_flavor_project').where('flavor_id', '=', row.id).execute();
    await trx.deleteFrom('compute_flavor').where('id', '=', row.id).execute();
    return true;
  });
}

export async function updateFlavorDescription(
  db: ComputeDb,
  id: number,
  description: string | null,
  now: Date,
): Promise<void> {
  await db
    .updateTable('compute_flavor')
    .set({ description, updated_at: toDbTime(now) })
    .where('id', '=', id)
    .execute();
}

/** Extra specs of several flavors at once, by internal id (empty objects for flavors without). */
export async function extraSpecsOf(
  db: ComputeDb,
  ids: readonly number[],
): Promise<Map<number, ExtraSpecs>> {
  const out = new Map<number, ExtraSpecs>(ids.map((id) => [id, {}]));
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('compute_flavor_extra_spec')
    .selectAll()
    .where('flavor_id', 'in', [...new Set(ids)])
    .execute();
  for (const r of rows) out.get(r.flavor_id)![r.key] = r.value;
  return out;
}

/** Sets extra specs, replacing the values of keys that exist, in one transaction. */
export async function setExtraSpecs(
  db: ComputeDb,
  flavorId: number,
  specs: ExtraSpecs,
): Promise<void> {
  const keys = Object.keys(specs);
  if (keys.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('compute_flavor_extra_spec')
      .where('flavor_id', '=', flavorId)
      .where('key', 'in', keys)
      .execute();
    await trx
      .insertInto('compute_flavor_extra_spec')
      .values(keys.map((key) => ({ flavor_id: flavorId, key, value: specs[key]! })))
      .execute();
  });
}

/** Removes one extra spec; false when the flavor had no such key. */
export async function deleteExtraSpec(
  db: ComputeDb,
  flavorId: number,
  key: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('compute_flavor_extra_spec')
    .where('flavor_id', '=', flavorId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function flavorProjects(db: ComputeDb, flavorId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('compute_flavor_project')
    .select('project_id')
    .where('flavor_id', '=', flavorId)
    .orderBy('project_id')
    .execute();
  return rows.map((r) => r.project_id);
}

/** Shares a flavor with a project; false when it already was. */
export async function addFlavorProject(
  db: ComputeDb,
  flavorId: number,
  projectId: string,
): Promise<boolean> {
  try {
    await db
      .insertInto('compute_flavor_project')
      .values({ flavor_id: flavorId, project_id: projectId })
      .execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Takes a project's access away; false when it had none. */
export async function removeFlavorProject(
  db: ComputeDb,
  flavorId: number,
  projectId: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('compute_flavor_project')
    .where('flavor_id', '=', flavorId)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
