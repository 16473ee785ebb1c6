import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AmqpBus, type AmqpBusOptions } from './amqp-bus.ts';
import { handle } from './bus.ts';
import { describeBusContract } from './bus-contract.ts';
import { BusError } from './errors.ts';
import { defineMessage } from './message.ts';
import { deleteDeclared, ensureRabbitMq, rabbitmqctl, TEST_TRANSPORT_URL } from './testing.ts';

const RUN = `t${randomUUID().slice(0, 8)}`;
let namespaces = 0;

beforeAll(async () => {
  await ensureRabbitMq();
});

/** Buses of one test share a namespace unique to this run; cleanup removes what they declared. */
function harness(): {
  bus(opts?: Partial<AmqpBusOptions>): Promise<AmqpBus>;
  cleanup(): Promise<void>;
} {
  const namespace = `${RUN}-${++namespaces}`;
  const buses: AmqpBus[] = [];
  return {
    bus: async (opts = {}) => {
      const bus = new AmqpBus({
        transportUrl: TEST_TRANSPORT_URL,
        namespace,
        rpcResponseTimeoutMs: 20_000,
        reconnect: { baseDelayMs: 100, maxDelayMs: 1_000 },
        publisherId: `test-${buses.length}`,
        ...opts,
      });
      buses.push(bus);
      await bus.amqp.connected(30_000);
      return bus;
    },
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
      await deleteDeclared(buses.flatMap((b) => b.amqp.declaredNames()));
    },
  };
}

describeBusContract('amqp', async () => harness());

const Work = defineMessage({
  name: 'work',
  version: '1.0',
  schema: Type.Object({ n: Type.Integer() }),
});
const Ping = defineMessage({
  name: 'ping',
  version: '1.0',
  schema: Type.Object({}),
  reply: Type.Literal('pong'),
});
const WAIT = { timeout: 60_000, interval: 50 };

interface QueueRow {
  name: string;
  type: string;
  durable: string;
  exclusive: string;
  auto_delete: string;
}

async function queuesOf(prefix: string): Promise<QueueRow[]> {
  const out = await rabbitmqctl(
    'list_queues',
    '--no-table-headers',
    'name',
    'type',
    'durable',
    'exclusive',
    'auto_delete',
  );
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[0]?.startsWith(`${prefix}.`))
    .map(([name, type, durable, exclusive, auto_delete]) => ({
      name: name!,
      type: type!,
      durable: durable!,
      exclusive: exclusive!,
      auto_delete: auto_delete!,
    }));
}

/** Closes this bus's connection from the broker's side (rabbitmqctl close_connection). */
async function forceClose(connectionName: string): Promise<void> {
  const out = await rabbitmqctl(
    'list_connections',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  const line = out.split('\n').find((l) => l.includes(`"${connectionName}"`));
  expect(line, `connection ${connectionName} listed by the broker`).toBeDefined();
  const pid = line!.trim().split(/\s+/)[0]!;
  await rabbitmqctl('close_connection', pid, 'test: forced close');
}

describe('amqp only', () => {
  let h: ReturnType<typeof harness>;
  afterEach(async () => {
    await h.cleanup();
  });
  afterAll(async () => {
    // nothing of this run may stay on the broker
    expect(await queuesOf(RUN)).toEqual([]);
  });

  it('declares durable quorum queues per topic and per topic.server, and a classic exclusive reply queue', async () => {
    h = harness();
    const server = await h.bus();
    await server.serve({ topic: 'compute', server: 'host-a' }, [
      handle(Ping, () => 'pong' as const),
    ]);
    const client = await h.bus();
    await expect(client.call({ topic: 'compute' }, Ping, {})).resolves.toBe('pong');
    const ns = server.amqp
      .declaredNames()
      .find((n) => n.startsWith('queue:'))!
      .slice('queue:'.length)
      .split('.')[0]!;
    const rows = await queuesOf(ns);
    const byName = new Map(rows.map((r) => [r.name.slice(ns.length + 1), r]));
    expect(byName.get('rpc.compute')).toMatchObject({
      type: 'quorum',
      durable: 'true',
      exclusive: 'false',
    });
    expect(byName.get('rpc.compute.host-a')).toMatchObject({
      type: 'quorum',
      durable: 'true',
      exclusive: 'false',
    });
    const reply = rows.find((r) => r.name.startsWith(`${ns}.reply.`));
    expect(reply).toMatchObject({
      type: 'classic',
      durable: 'false',
      exclusive: 'true',
      auto_delete: 'true',
    });
  });

  it('negotiates the configured heartbeat and names its connection', async () => {
    h = harness();
    await h.bus({ publisherId: `${RUN}-beat`, heartbeat: 7 });
    const out = await rabbitmqctl(
      'list_connections',
      '--no-table-headers',
      'timeout',
      'client_properties',
    );
    const line = out.split('\n').find((l) => l.includes(`"strata ${RUN}-beat"`));
    expect(line?.trim().split(/\s+/)[0]).toBe('7');
  });

  it('a queue the broker holds with other arguments is refused, and the bus carries on', async () => {
    h = harness();
    const client = await h.bus();
    await client.cast({ topic: 'fine' }, Work, { n: 1 });
    const ns = client.amqp.declaredNames()[0]!.slice('queue:'.length).split('.')[0]!;
    // someone declared this one as a classic queue
    const model = await connect('amqp://guest:guest@127.0.0.1:5672/');
    try {
      const ch = await model.createChannel();
      await ch.assertQueue(`${ns}.rpc.clash`, { durable: true });
    } finally {
      await model.close();
    }
    try {
      const err = await client.cast({ topic: 'clash' }, Work, { n: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusError).code).toBe('bus.broker_refused');
      expect((err as BusError).message).toContain('PRECONDITION_FAILED');
      // the refused declaration closed its channel; the bus sets itself up again
      await client.cast({ topic: 'fine' }, Work, { n: 2 }, { timeoutMs: 30_000 });
      const seen: number[] = [];
      await (
        await h.bus()
      ).serve({ topic: 'fine', server: 's' }, [handle(Work, (p) => void seen.push(p.n))]);
      await vi.waitFor(() => expect(seen.sort()).toEqual([1, 2]), WAIT);
    } finally {
      await deleteDeclared([`queue:${ns}.rpc.clash`]);
    }
  });

  it('a cast resolves once the broker holds it (publisher confirm), durable while no consumer runs', async () => {
    h = harness();
    const client = await h.bus();
    await client.cast({ topic: 'agent', server: 'h1' }, Work, { n: 1 });
    await client.cast({ topic: 'agent', server: 'h1' }, Work, { n: 2 });
    const queue = client.amqp
      .declaredNames()
      .find((n) => n.endsWith('.rpc.agent.h1'))!
      .slice('queue:'.length);
    // the broker's own count (queue.declare-ok), right after the casts resolved
    const model = await connect('amqp://guest:guest@127.0.0.1:5672/');
    try {
      const ch = await model.createChannel();
      expect((await ch.checkQueue(queue)).messageCount).toBe(2);
    } finally {
      await model.close();
    }
  });

  it('a message cast while the consumer process is down is delivered when it comes back', async () => {
    h = harness();
    const first = await h.bus();
    await first.serve({ topic: 'agent', server: 'h1' }, [handle(Work, () => undefined)]);
    await first.close();
    const client = await h.bus();
    for (const n of [1, 2, 3]) await client.cast({ topic: 'agent', server: 'h1' }, Work, { n });
    const seen: number[] = [];
    const second = await h.bus();
    await second.serve({ topic: 'agent', server: 'h1' }, [
      handle(Work, (p) => void seen.push(p.n)),
    ]);
    await vi.waitFor(() => expect(seen.sort()).toEqual([1, 2, 3]), WAIT);
  });

  it('a message whose handler was running when the consumer died is delivered again, marked redelivered', async () => {
    h = harness();
    const runs: { n: number; redelivered: boolean }[] = [];
    const doomed = await h.bus({ shutdownGraceMs: 500 });
    await doomed.serve({ topic: 'agent', server: 'h1' }, [
      handle(Work, async (p, info) => {
        runs.push({ n: p.n, redelivered: info.redelivered });
        await new Promise(() => undefined); // never finishes: this process "crashes" first
      }),
    ]);
    await (await h.bus()).cast({ topic: 'agent', server: 'h1' }, Work, { n: 7 });
    await vi.waitFor(() => expect(runs).toHaveLength(1), WAIT);
    // the process dies without acking
    doomed.amqp.crash();
    const survivor = await h.bus();
    const again: { n: number; redelivered: boolean }[] = [];
    await survivor.serve({ topic: 'agent', server: 'h1' }, [
      handle(Work, (p, info) => void again.push({ n: p.n, redelivered: info.redelivered })),
    ]);
    await vi.waitFor(() => expect(again).toEqual([{ n: 7, redelivered: true }]), WAIT);
    expect(runs[0]).toEqual({ n: 7, redelivered: false });
  });

  it('recovers from a connection the broker closes: waiting calls fail retryable, consumers come back, casts get through', async () => {
    h = harness();
    const seen: number[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));
    const server = await h.bus({ publisherId: `${RUN}-server` });
    await server.serve({ topic: 'conductor', server: 'c1' }, [
      handle(Work, (p) => void seen.push(p.n)),
      handle(Ping, async () => {
        await slow;
        return 'pong' as const;
      }),
    ]);
    const client = await h.bus({ publisherId: `${RUN}-client` });
    const waiting = client.call({ topic: 'conductor' }, Ping, {}, { timeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 500));
    await forceClose(`strata ${RUN}-client`);
    const err = await waiting;
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).code).toBe('bus.connection_lost');
    expect((err as BusError).retryable).toBe(true);
    releaseSlow();

    await forceClose(`strata ${RUN}-server`);
    // sent while the server reconnects: waits in its queue, then is consumed again
    for (const n of [1, 2, 3]) await client.cast({ topic: 'conductor' }, Work, { n });
    await vi.waitFor(() => expect([...new Set(seen)].sort()).toEqual([1, 2, 3]), WAIT);
    await expect(
      client.call({ topic: 'conductor', server: 'c1' }, Ping, {}, { timeoutMs: 30_000 }),
    ).resolves.toBe('pong');
  });

  it('casts sent across a dropped socket all arrive (at least once)', async () => {
    h = harness();
    const seen = new Set<number>();
    const server = await h.bus();
    await server.serve({ topic: 'agent', server: 'h1' }, [handle(Work, (p) => void seen.add(p.n))]);
    const client = await h.bus();
    const sends: Promise<void>[] = [];
    for (let n = 0; n < 200; n++) {
      sends.push(client.cast({ topic: 'agent', server: 'h1' }, Work, { n }, { timeoutMs: 60_000 }));
      if (n === 50) client.amqp.dropConnection();
      if (n === 120) server.amqp.dropConnection();
      if (n % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    await vi.waitFor(() => expect(seen.size).toBe(200), WAIT);
    // both really lost their connection and came back
    expect(client.amqp.connectionCount).toBeGreaterThanOrEqual(2);
    expect(server.amqp.connectionCount).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('a send fails retryable when the broker cannot be reached before its deadline', async () => {
    h = harness();
    const bus = new AmqpBus({
      transportUrl: 'rabbit://guest:guest@127.0.0.1:1/',
      reconnect: { baseDelayMs: 100, maxDelayMs: 200 },
    });
    try {
      const cast = await bus
        .cast({ topic: 'agent' }, Work, { n: 1 }, { timeoutMs: 1_500 })
        .catch((e: unknown) => e);
      expect(cast).toBeInstanceOf(BusError);
      expect((cast as BusError).code).toBe('bus.unavailable');
      expect((cast as BusError).retryable).toBe(true);
      const call = await bus
        .call({ topic: 'agent' }, Ping, {}, { timeoutMs: 1_500 })
        .catch((e: unknown) => e);
      expect((call as BusError).retryable).toBe(true);
    } finally {
      await bus.close();
    }
  });

  it('closes cleanly: the handler in progress finishes and is acked, the connection goes', async () => {
    h = harness();
    const runs: number[] = [];
    let started = false;
    const server = await h.bus({ publisherId: `${RUN}-closing` });
    await server.serve({ topic: 'agent', server: 'h1' }, [
      handle(Work, async (p) => {
        started = true;
        await new Promise((r) => setTimeout(r, 500));
        runs.push(p.n);
      }),
    ]);
    await (await h.bus()).cast({ topic: 'agent', server: 'h1' }, Work, { n: 1 });
    await vi.waitFor(() => expect(started).toBe(true), WAIT);
    await server.close();
    expect(runs).toEqual([1]);
    const out = await rabbitmqctl('list_connections', '--no-table-headers', 'client_properties');
    expect(out).not.toContain(`strata ${RUN}-closing`);
    // acked before closing: a new server gets nothing again
    const again: number[] = [];
    await (
      await h.bus()
    ).serve({ topic: 'agent', server: 'h1' }, [handle(Work, (p) => void again.push(p.n))]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(again).toEqual([]);
  });
});
