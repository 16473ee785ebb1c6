import type { BlockStorageQueryable } from './volumes.ts';
import {
  extraSpecsOfType,
  findVolumeType,
  getProjectDefaultType,
  getVolumeType,
  getVolumeTypeByName,
  volumeTypeVisibleTo,
  type VolumeTypeRow,
} from './volume-types.ts';

/** A volume type as volume operations use it: identity, visibility and extra specs. */
export interface VolumeTypeRef {
  readonly id: string;
  readonly name: string;
  readonly isPublic: boolean;
  readonly qosSpecsId: string | null;
  readonly extraSpecs: Readonly<Record<string, string>>;
  readonly row: VolumeTypeRow;
}

async function withSpecs(db: BlockStorageQueryable, row: VolumeTypeRow): Promise<VolumeTypeRef> {
  return {
    id: row.id,
    name: row.name,
    isPublic: Number(row.is_public) === 1,
    qosSpecsId: row.qos_specs_id,
    extraSpecs: await extraSpecsOfType(db, row.id),
    row,
  };
}

export async function getVolumeTypeRef(db: BlockStorageQueryable, id: string): Promise<VolumeTypeRef | undefined> {
  const row = await getVolumeType(db, id);
  return row ? withSpecs(db, row) : undefined;
}

/**
 * A type by id or name as a caller may use it (Cinder's get_by_name_or_id): private types
 * only for admins and the projects given access.
 */
export async function findVolumeTypeRef(
  db: BlockStorageQueryable,
  ref: string,
  caller: { projectId: string | undefined; isAdmin: boolean },
): Promise<VolumeTypeRef | undefined> {
  const row = await findVolumeType(db, ref);
  if (!row) return undefined;
  if (!caller.isAdmin && !(await volumeTypeVisibleTo(db, row, caller.projectId))) return undefined;
  return withSpecs(db, row);
}

/**
 * The type a volume gets when the request names none: the project's default (3.62), else
 * the configured default type by name.
 */
export async function defaultVolumeTypeRef(
  db: BlockStorageQueryable,
  projectId: string,
  configuredName: string,
): Promise<VolumeTypeRef | undefined> {
  const own = await getProjectDefaultType(db, projectId);
  if (own) {
    const t = await getVolumeTypeRef(db, own.volumeTypeId);
    if (t) return t;
  }
  const row = await getVolumeTypeByName(db, configuredName);
  return row ? withSpecs(db, row) : undefined;
}

/** Type names by id, for volume views of a page. */
export async function volumeTypeNames(db: BlockStorageQueryable, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('block_storage_volume_type').select(['id', 'name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Cinder's `multiattach` extra spec: `<is> True` makes the type's volumes multiattach. */
export function isMultiattachType(t: VolumeTypeRef): boolean {
  return t.extraSpecs.multiattach === '<is> True';
}
