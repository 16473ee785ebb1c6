import { dbNow, toDbTime } from '../../../core/db/index.ts';
import type { NetworkTx } from './db.ts';
import type { NetworkTable, PortTable, SubnetTable } from './tables.ts';

/** Fresh standard attributes for a new row. */
export function newStandardAttributes(now: Date, description = '') {
  const t = toDbTime(now);
  return { description, revision_number: 1, created_at: t, updated_at: t };
}

export async function getNetworkRow(db: NetworkTx, id: string): Promise<NetworkTable | undefined> {
  return db.selectFrom('network_network').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getSubnetRow(db: NetworkTx, id: string): Promise<SubnetTable | undefined> {
  return db.selectFrom('network_subnet').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getPortRow(db: NetworkTx, id: string): Promise<PortTable | undefined> {
  return db.selectFrom('network_port').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function subnetsOfNetwork(db: NetworkTx, networkId: string): Promise<SubnetTable[]> {
  return db.selectFrom('network_subnet').selectAll().where('network_id', '=', networkId).orderBy('created_at').orderBy('id').execute();
}

type Table = 'network_network' | 'network_subnet' | 'network_port' | 'network_security_group' | 'network_router' | 'network_floatingip';

/**
 * Applies a change and bumps the revision in one statement, so two concurrent updates
 * each get their own revision number (the data plane keeps the highest).
 */
export async function reviseRow(db: NetworkTx, table: Table, id: string, changes: Record<string, unknown>, now = new Date()): Promise<void> {
  await db
    .updateTable(table)
    .set((eb) => ({ ...changes, revision_number: eb('revision_number', '+', 1), updated_at: toDbTime(now) }) as never)
    .where('id', '=', id)
    .execute();
}

export { dbNow };
