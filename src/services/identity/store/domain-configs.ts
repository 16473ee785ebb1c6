import { fromDbBool, fromDbJson, toDbBool, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';

/** One stored option of a domain's configuration (Keystone's whitelisted or sensitive table). */
export interface DomainConfigOption {
  readonly group: string;
  readonly option: string;
  readonly value: unknown;
  readonly sensitive: boolean;
}

export interface ConfigSelector {
  readonly group?: string | undefined;
  readonly option?: string | undefined;
  /** true: sensitive options only; false: the others only; 'all': both. */
  readonly sensitive: boolean | 'all';
}

export async function configOptions(
  db: IdentityDb,
  domainId: string,
  sel: ConfigSelector,
): Promise<DomainConfigOption[]> {
  let q = db.selectFrom('identity_domain_config').selectAll().where('domain_id', '=', domainId);
  if (sel.group !== undefined) q = q.where('group_name', '=', sel.group);
  if (sel.option !== undefined) q = q.where('option_name', '=', sel.option);
  if (sel.sensitive !== 'all') q = q.where('sensitive', '=', toDbBool(sel.sensitive));
  const rows = await q.orderBy('group_name').orderBy('option_name').execute();
  return rows.map((r) => ({
    group: r.group_name,
    option: r.option_name,
    value: fromDbJson(r.value),
    sensitive: fromDbBool(r.sensitive),
  }));
}

/** Sets options, replacing the value of those already stored. Run inside a transaction. */
export async function upsertConfigOptions(
  db: IdentityDb,
  domainId: string,
  options: readonly DomainConfigOption[],
): Promise<void> {
  for (const o of options) {
    const values = { value: toDbJson(o.value), sensitive: toDbBool(o.sensitive) };
    // Read first rather than trusting an UPDATE's row count, which MariaDB may report as
    // "rows changed" (0 when the value is the same) depending on client flags.
    const existing = await db
      .selectFrom('identity_domain_config')
      .select('option_name')
      .where('domain_id', '=', domainId)
      .where('group_name', '=', o.group)
      .where('option_name', '=', o.option)
      .executeTakeFirst();
    if (existing) {
      await db
        .updateTable('identity_domain_config')
        .set(values)
        .where('domain_id', '=', domainId)
        .where('group_name', '=', o.group)
        .where('option_name', '=', o.option)
        .execute();
    } else {
      await db
        .insertInto('identity_domain_config')
        .values({ domain_id: domainId, group_name: o.group, option_name: o.option, ...values })
        .execute();
    }
  }
}

/** Deletes the whole configuration, one group, or one option. */
export async function deleteConfigOptions(
  db: IdentityDb,
  domainId: string,
  group?: string,
  option?: string,
): Promise<void> {
  let q = db.deleteFrom('identity_domain_config').where('domain_id', '=', domainId);
  if (group !== undefined) q = q.where('group_name', '=', group);
  if (option !== undefined) q = q.where('option_name', '=', option);
  await q.execute();
}
