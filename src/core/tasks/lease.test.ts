import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/index.ts';
import { describeEachDialect } from '../db/testing.ts';
import { LeaseLostError } from './errors.ts';
import { Leases } from './lease.ts';
import { PeriodicJob } from './periodic-job.ts';
import { createTaskTables } from './tables.ts';
import { gate, waitFor } from './testing.ts';

const SERVICE = 'lease_test';
const jobs: PeriodicJob[] = [];

afterEach(async () => {
  await Promise.all(jobs.splice(0).map((job) => job.stop({ timeoutMs: 200 })));
});

describeEachDialect('Leases and PeriodicJob', (suite) => {
  /** Two "replicas": separate connections to one database. */
  let a: Database;
  let b: Database;
  beforeAll(async () => {
    [a, b] = await Promise.all([suite.open(), suite.open()]);
    await createTaskTables(a.kysely, SERVICE);
  });
  const leasesOn = (db: Database) => new Leases({ db, service: SERVICE });

  it('gives a lease to one holder until it lapses or is released', async () => {
    const [one, two] = [leasesOn(a), leasesOn(b)];
    expect(await one.acquire('reconcile', 300)).toBe(true);
    expect(await two.acquire('reconcile', 300)).toBe(false);
    expect(await one.acquire('reconcile', 300)).toBe(true); // renewal
    expect((await two.holder('reconcile'))?.owner).toBe(one.owner);
    await two.release('reconcile'); // not its lease: no effect
    expect((await two.holder('reconcile'))?.owner).toBe(one.owner);

    await waitFor(() => two.acquire('reconcile', 60_000), 'the first lease to lapse');
    expect(await one.acquire('reconcile', 300)).toBe(false);
    expect((await one.holder('reconcile'))?.owner).toBe(two.owner);
    await two.release('reconcile');
    expect(await one.holder('reconcile')).toBeUndefined();
    expect(await one.acquire('reconcile', 300)).toBe(true);
  });

  it('lets exactly one of several concurrent takers win a new lease', async () => {
    const takers = [leasesOn(a), leasesOn(b), leasesOn(a), leasesOn(b)];
    const results = await Promise.all(takers.map((t) => t.acquire('fresh', 5_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = takers[results.indexOf(true)]!;
    expect((await winner.holder('fresh'))?.owner).toBe(winner.owner);
  });

  it('runExclusive runs on one holder at a time and renews while it runs', async () => {
    const [one, two] = [leasesOn(a), leasesOn(b)];
    const ttl = 900;
    const inside = gate();
    const finish = gate();
    let signal: AbortSignal | undefined;
    const first = one.runExclusive('cleanup', ttl, async (s) => {
      signal = s;
      inside.open();
      await finish.promise;
      return 'done';
    });
    await inside.promise;
    const startedAt = Date.now();
    // Well past the TTL, the running holder still has it: it renews.
    await waitFor(async () => {
      expect(await two.runExclusive('cleanup', ttl, async () => 'second')).toEqual({ ran: false });
      return Date.now() - startedAt > 2 * ttl;
    }, 'twice the lease TTL');
    expect(signal?.aborted).toBe(false);
    finish.open();
    expect(await first).toEqual({ ran: true, value: 'done' });
    // Released at once, not left to lapse.
    expect(await two.runExclusive('cleanup', ttl, async () => 'second')).toEqual({
      ran: true,
      value: 'second',
    });
  });

  it('aborts runExclusive when another holder takes the lease over', async () => {
    const [one, two] = [leasesOn(a), leasesOn(b)];
    const aborted = gate();
    const run = one.runExclusive('stolen', 300, async (signal) => {
      // Forcibly take it (as if the database had been unreachable past the TTL).
      await b.kysely
        .updateTable(`${SERVICE}_lease`)
        .set({ owner: two.owner })
        .where('name', '=', 'stolen')
        .execute();
      signal.addEventListener('abort', () => aborted.open(), { once: true });
      await aborted.promise;
      return signal.reason;
    });
    const result = await run;
    expect(result.ran && result.value).toBeInstanceOf(LeaseLostError);
    // Its release did not remove the new holder's lease.
    expect((await two.holder('stolen'))?.owner).toBe(two.owner);
  });

  it('runs a periodic job on one replica only, and on the other once it stops', async () => {
    const runs = { a: 0, b: 0 };
    const replica = (name: 'a' | 'b', db: Database) => {
      const job = new PeriodicJob({
        leases: leasesOn(db),
        name: 'sweep',
        intervalMs: 15,
        jitterMs: 5,
        leaseTtlMs: 2_000,
        run: async () => {
          runs[name]++;
        },
      });
      jobs.push(job);
      return job;
    };
    const jobA = replica('a', a);
    const jobB = replica('b', b);
    jobA.start();
    jobB.start();
    await waitFor(() => runs.a + runs.b >= 8, 'eight runs');
    const [leader, follower] = runs.a > 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    expect(runs[follower]).toBe(0);
    expect((leader === 'a' ? jobA : jobB).isLeader).toBe(true);
    expect((follower === 'a' ? jobA : jobB).isLeader).toBe(false);

    await (leader === 'a' ? jobA : jobB).stop();
    const leaderRuns = runs[leader];
    await waitFor(() => runs[follower] >= 3, 'the other replica to take over');
    expect(runs[leader]).toBe(leaderRuns);
  });

  it('keeps a periodic job going after a failed run', async () => {
    let calls = 0;
    const job = new PeriodicJob({
      leases: leasesOn(a),
      name: 'flaky',
      intervalMs: 10,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('first run fails');
      },
    });
    jobs.push(job);
    job.start();
    await waitFor(() => calls >= 3, 'runs after the failure');
  });
});
