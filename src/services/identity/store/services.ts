import { fromDbBool, fromDbJson, toDbBool, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { ServiceTable } from './tables.ts';

/**
 * A catalog service. As in Keystone, only id, type and enabled are columns: the name, the
 * description and anything else the client sent live in `extra` (the token catalog reads
 * the name from there too).
 */
export interface Service {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly name: string;
  /** Every other attribute (description included), shown merged into the view. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export function serviceFromRow(row: ServiceTable): Service {
  const { name, ...extra } = fromDbJson<Record<string, unknown>>(row.extra);
  return {
    id: row.id,
    type: row.type,
    enabled: fromDbBool(row.enabled),
    name: typeof name === 'string' ? name : '',
    extra,
  };
}

function toRow(s: Service): ServiceTable {
  return {
    id: s.id,
    type: s.type,
    enabled: toDbBool(s.enabled),
    extra: toDbJson({ ...s.extra, name: s.name }),
  };
}

export async function getService(db: IdentityDb, id: string): Promise<Service | undefined> {
  const row = await db
    .selectFrom('identity_service')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? serviceFromRow(row) : undefined;
}

/** Services, filtered by type in SQL and by name (kept in extra) after reading. */
export async function listServices(
  db: IdentityDb,
  filters: { type?: string; name?: string } = {},
): Promise<Service[]> {
  let q = db.selectFrom('identity_service').selectAll();
  if (filters.type !== undefined) q = q.where('type', '=', filters.type);
  const rows = await q.orderBy('id').execute();
  const services = rows.map(serviceFromRow);
  return filters.name === undefined ? services : services.filter((s) => s.name === filters.name);
}

export async function insertService(db: IdentityDb, s: Service): Promise<void> {
  await db.insertInto('identity_service').values(toRow(s)).execute();
}

export async function updateServiceRow(db: IdentityDb, s: Service): Promise<void> {
  const { id: _id, ...row } = toRow(s);
  await db.updateTable('identity_service').set(row).where('id', '=', s.id).execute();
}

/** How many registered limits name the service: they block its deletion. */
export async function registeredLimitsOfService(
  db: IdentityDb,
  serviceId: string,
): Promise<number> {
  const row = await db
    .selectFrom('identity_registered_limit')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Deletes the service with its endpoints and their project associations. The endpoint
 * rows would go by the foreign key's cascade, but the associations have no foreign key.
 */
export async function deleteService(db: IdentityDb, serviceId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const endpointIds = (
      await trx
        .selectFrom('identity_endpoint')
        .select('id')
        .where('service_id', '=', serviceId)
        .execute()
    ).map((e) => e.id);
    if (endpointIds.length) {
      await trx
        .deleteFrom('identity_project_endpoint')
        .where('endpoint_id', 'in', endpointIds)
        .execute();
      await trx.deleteFrom('identity_endpoint').where('id', 'in', endpointIds).execute();
    }
    await trx.deleteFrom('identity_service').where('id', '=', serviceId).execute();
  });
}
