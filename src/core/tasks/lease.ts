/**
 * Named leases in `<service>_lease`, so that among a service's replicas one at a time does
 * a thing (run a reconciler, a cleanup). A lease is a row: its owner and the time it
 * lapses. Taking one is a conditional write, so two replicas never both succeed; a holder
 * that dies simply stops renewing and the lease lapses after its TTL.
 */
import type { Database, UntypedTables } from '../db/index.ts';
import { fromDbTime, toDbTime } from '../db/index.ts';
import { silentLogger, type Logger } from '../observability/index.ts';
import { LeaseLostError } from './errors.ts';
import { newOwnerId } from './owner.ts';
import { checkServiceName, leaseTable, MAX_LEASE_NAME_LENGTH, type LeaseDb } from './tables.ts';

export interface LeasesOptions<DB> {
  readonly db: Database<DB>;
  /** Table prefix, as given to createTaskTables. */
  readonly service: string;
  readonly logger?: Logger;
}

export interface LeaseHolder {
  readonly owner: string;
  readonly until: Date;
}

export type ExclusiveResult<T> =
  { readonly ran: true; readonly value: T } | { readonly ran: false };

export class Leases<DB = UntypedTables> {
  /** This holder's name in the lease table; unique per Leases object. */
  readonly owner: string;
  private readonly db: LeaseDb;
  private readonly upsert: Database<DB>['caps']['upsert'];
  private readonly table: string;
  private readonly logger: Logger;

  constructor(options: LeasesOptions<DB>) {
    checkServiceName(options.service);
    this.db = options.db.kysely as unknown as LeaseDb;
    this.upsert = options.db.caps.upsert;
    this.table = leaseTable(options.service);
    this.owner = newOwnerId();
    this.logger = options.logger ?? silentLogger();
  }

  /**
   * Takes the lease, or renews it if this holder has it, for `ttlMs` from now. False when
   * someone else holds it and it has not lapsed.
   */
  async acquire(name: string, ttlMs: number): Promise<boolean> {
    checkLeaseName(name);
    const now = toDbTime(new Date());
    const until = toDbTime(new Date(Date.now() + ttlMs));
    const taken = await this.db
      .updateTable(this.table)
      .set({ owner: this.owner, lease_until: until, updated_at: now })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('owner', '=', this.owner), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (taken.numUpdatedRows > 0n) return true;
    // No row yet, or someone else's. If two insert at once the key lets one in.
    const insert = this.db
      .insertInto(this.table)
      .values({ name, owner: this.owner, lease_until: until, updated_at: now });
    const inserted = await (
      this.upsert === 'on-conflict'
        ? insert.onConflict((oc) => oc.column('name').doNothing())
        : insert.ignore()
    ).executeTakeFirst();
    return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** Gives the lease up if this holder has it. */
  async release(name: string): Promise<void> {
    await this.db
      .deleteFrom(this.table)
      .where('name', '=', name)
      .where('owner', '=', this.owner)
      .execute();
  }

  /** Who holds the lease now, if anyone (a lapsed lease is held by no one). */
  async holder(name: string): Promise<LeaseHolder | undefined> {
    const row = await this.db
      .selectFrom(this.table)
      .select(['owner', 'lease_until'])
      .where('name', '=', name)
      .where('lease_until', '>=', toDbTime(new Date()))
      .executeTakeFirst();
    return row === undefined ? undefined : { owner: row.owner, until: fromDbTime(row.lease_until) };
  }

  /**
   * Runs `fn` if the lease can be taken, renewing it every third of `ttlMs` while `fn`
   * runs and releasing it afterwards. `fn`'s signal is aborted (LeaseLostError) if the
   * lease is lost meanwhile, e.g. the database was unreachable for longer than the TTL.
   * `{ ran: false }` when another holder has it.
   */
  async runExclusive<T>(
    name: string,
    ttlMs: number,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<ExclusiveResult<T>> {
    if (!(await this.acquire(name, ttlMs))) return { ran: false };
    const keeper = this.keep(name, ttlMs, Date.now() + ttlMs);
    try {
      return { ran: true, value: await fn(keeper.signal) };
    } finally {
      keeper.stop();
      await this.release(name).catch((err: unknown) =>
        this.logger.warn({ lease: name, err }, 'could not release lease; it lapses by itself'),
      );
    }
  }

  /**
   * Renews a held lease every third of its TTL until stopped; the signal is aborted when
   * it cannot be renewed (taken over, or unreachable past its end).
   */
  private keep(
    name: string,
    ttlMs: number,
    heldUntil: number,
  ): { signal: AbortSignal; stop(): void } {
    const controller = new AbortController();
    let until = heldUntil;
    let renewing = false;
    const timer = setInterval(() => {
      if (renewing || controller.signal.aborted) return;
      renewing = true;
      const attemptedAt = Date.now();
      this.acquire(name, ttlMs)
        .then((held) => {
          if (held) until = attemptedAt + ttlMs;
          else controller.abort(new LeaseLostError(`lease ${name} was taken over`));
        })
        .catch((err: unknown) => {
          this.logger.warn({ lease: name, err }, 'could not renew lease');
          if (Date.now() >= until) {
            controller.abort(new LeaseLostError(`lease ${name} lapsed: it could not be renewed`));
          }
        })
        .finally(() => {
          renewing = false;
        });
    }, ttlMs / 3).unref();
    return { signal: controller.signal, stop: () => clearInterval(timer) };
  }
}

function checkLeaseName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.length > MAX_LEASE_NAME_LENGTH) {
    throw new TypeError(`lease name must be 1 to ${MAX_LEASE_NAME_LENGTH} characters`);
  }
}
