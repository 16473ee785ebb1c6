/**
 * The contract every Bus implementation passes: the in-process bus and the AMQP bus run
 * this same suite (in-process-bus.test.ts, amqp-bus.test.ts).
 */
import { Type } from 'typebox';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../errors/index.ts';
import { TaskError } from '../tasks/errors.ts';
import { handle, type Bus, type DeliveryInfo, type Notification } from './bus.ts';
import { BusError } from './errors.ts';
import { defineMessage } from './message.ts';
import type { BusOptions } from './rpc-bus.ts';

export interface BusHarness {
  /** Another process's bus on the same broker and namespace. */
  bus(opts?: BusOptions & { prefetch?: number }): Promise<Bus>;
  /** Closes every bus it made and removes what they declared. */
  cleanup(): Promise<void>;
}

const WAIT = { timeout: 20_000, interval: 20 };

const Echo = defineMessage({
  name: 'echo',
  version: '1.0',
  schema: Type.Object(
    { text: Type.String(), times: Type.Optional(Type.Integer({ minimum: 1 })) },
    { additionalProperties: false },
  ),
  reply: Type.Object({ text: Type.String(), server: Type.String() }),
});

const Record = defineMessage({
  name: 'record',
  version: '1.0',
  schema: Type.Object({ id: Type.String() }),
});

const Boot = (version: string, extra = {}) =>
  defineMessage({
    name: 'boot',
    version,
    schema: Type.Object({ server_id: Type.String({ format: 'uuid' }), ...extra }),
    reply: Type.Object({ accepted: Type.Boolean() }),
  });

const InstanceCreated = defineMessage({
  name: 'compute.instance.create.end',
  version: '1.0',
  schema: Type.Object({ instance_id: Type.String() }),
});
const InstanceDeleted = defineMessage({
  name: 'compute.instance.delete.end',
  version: '1.0',
  schema: Type.Object({ instance_id: Type.String() }),
});
const VolumeCreated = defineMessage({
  name: 'volume.create.end',
  version: '1.0',
  schema: Type.Object({ volume_id: Type.String() }),
});

const UUID = '6f1c9a8e-2b7d-4c1e-9f0a-3d5b7c9e1a2b';

function echoOn(server: string) {
  return handle(Echo, (p) => ({ text: p.text.repeat(p.times ?? 1), server }));
}

async function rejection(p: Promise<unknown>): Promise<BusError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BusError);
  return err as BusError;
}

export function describeBusContract(name: string, makeHarness: () => Promise<BusHarness>): void {
  describe(`${name}: bus contract`, () => {
    let h: BusHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    describe('call', () => {
      it('returns the reply of a server of the topic', async () => {
        const server = await h.bus();
        await server.serve({ topic: 'conductor', server: 'host-a' }, [echoOn('host-a')]);
        const client = await h.bus();
        const reply = await client.call(
          { topic: 'conductor' },
          Echo,
          { text: 'ab', times: 2 },
          { timeoutMs: 20_000 },
        );
        expect(reply).toEqual({ text: 'abab', server: 'host-a' });
      });

      it('reaches the named server only', async () => {
        const a = await h.bus();
        const b = await h.bus();
        await a.serve({ topic: 'compute', server: 'host-a' }, [echoOn('host-a')]);
        await b.serve({ topic: 'compute', server: 'host-b' }, [echoOn('host-b')]);
        const client = await h.bus();
        for (let i = 0; i < 4; i++) {
          const reply = await client.call(
            { topic: 'compute', server: 'host-b' },
            Echo,
            { text: 'x' },
            { timeoutMs: 20_000 },
          );
          expect(reply.server).toBe('host-b');
        }
      });

      it('runs each call of a topic on exactly one of its servers', async () => {
        const seen: string[] = [];
        const serverOf = (host: string) =>
          handle(Echo, (p) => {
            seen.push(`${host}:${p.text}`);
            return { text: p.text, server: host };
          });
        await (await h.bus()).serve({ topic: 'scheduler', server: 'a' }, [serverOf('a')]);
        await (await h.bus()).serve({ topic: 'scheduler', server: 'b' }, [serverOf('b')]);
        const client = await h.bus();
        const replies = await Promise.all(
          ['1', '2', '3', '4', '5', '6'].map((t) =>
            client.call({ topic: 'scheduler' }, Echo, { text: t }, { timeoutMs: 20_000 }),
          ),
        );
        expect(replies.map((r) => r.text)).toEqual(['1', '2', '3', '4', '5', '6']);
        expect(seen).toHaveLength(6);
        expect(new Set(seen.map((s) => s.split(':')[1]))).toEqual(
          new Set(['1', '2', '3', '4', '5', '6']),
        );
      });

      it('times out, retryable, when nobody serves the topic', async () => {
        const client = await h.bus();
        const err = await rejection(
          client.call({ topic: 'nobody' }, Echo, { text: 'x' }, { timeoutMs: 300 }),
        );
        expect(err.code).toBe('bus.timeout');
        expect(err.retryable).toBe(true);
        expect(err.message).toContain('echo');
      });

      it('times out when the handler takes longer than the timeout, and the late reply is ignored', async () => {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const server = await h.bus();
        await server.serve({ topic: 'slow', server: 'a' }, [
          handle(Echo, async (p) => {
            await released;
            return { text: p.text, server: 'a' };
          }),
        ]);
        const client = await h.bus();
        const err = await rejection(
          client.call({ topic: 'slow' }, Echo, { text: 'x' }, { timeoutMs: 500 }),
        );
        expect(err.code).toBe('bus.timeout');
        release();
        // the bus keeps working after a late reply arrives
        await server.serve({ topic: 'fast', server: 'a' }, [echoOn('a')]);
        await expect(
          client.call({ topic: 'fast' }, Echo, { text: 'y' }, { timeoutMs: 20_000 }),
        ).resolves.toEqual({ text: 'y', server: 'a' });
      });

      it('a call that timed out is not run by a server that starts later', async () => {
        const client = await h.bus();
        const err = await rejection(
          client.call({ topic: 'late' }, Echo, { text: 'stale' }, { timeoutMs: 300 }),
        );
        expect(err.code).toBe('bus.timeout');
        await new Promise((r) => setTimeout(r, 200));
        const seen: string[] = [];
        await (
          await h.bus()
        ).serve({ topic: 'late', server: 'a' }, [
          handle(Echo, (p) => {
            seen.push(p.text);
            return { text: p.text, server: 'a' };
          }),
        ]);
        await expect(
          client.call({ topic: 'late' }, Echo, { text: 'fresh' }, { timeoutMs: 20_000 }),
        ).resolves.toMatchObject({
          text: 'fresh',
        });
        expect(seen).toEqual(['fresh']);
      });

      it('a server handles at most `prefetch` messages at once', async () => {
        let running = 0;
        let most = 0;
        const done: string[] = [];
        const server = await h.bus({ prefetch: 2 });
        await server.serve({ topic: 'busy', server: 'a' }, [
          handle(Record, async (p) => {
            running++;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, 100));
            running--;
            done.push(p.id);
          }),
        ]);
        const client = await h.bus();
        for (let i = 0; i < 8; i++)
          await client.cast({ topic: 'busy', server: 'a' }, Record, { id: String(i) });
        await vi.waitFor(() => expect(done).toHaveLength(8), WAIT);
        expect(most).toBe(2);
      });

      it('transports a handler error as { code, message, retryable }', async () => {
        const server = await h.bus();
        await server.serve({ topic: 'compute', server: 'a' }, [
          handle(Echo, (p) => {
            if (p.text === 'api')
              throw new ApiError(409, 'compute.instance_locked', 'Instance is locked');
            if (p.text === 'task')
              throw new TaskError('virt.busy', 'hypervisor busy', { retryable: true });
            throw new Error('plain failure');
          }),
        ]);
        const client = await h.bus();
        const api = await rejection(
          client.call({ topic: 'compute' }, Echo, { text: 'api' }, { timeoutMs: 20_000 }),
        );
        expect([api.code, api.message, api.retryable]).toEqual([
          'compute.instance_locked',
          'Instance is locked',
          false,
        ]);
        const task = await rejection(
          client.call({ topic: 'compute' }, Echo, { text: 'task' }, { timeoutMs: 20_000 }),
        );
        expect([task.code, task.message, task.retryable]).toEqual([
          'virt.busy',
          'hypervisor busy',
          true,
        ]);
        const plain = await rejection(
          client.call({ topic: 'compute' }, Echo, { text: 'other' }, { timeoutMs: 20_000 }),
        );
        expect([plain.code, plain.message, plain.retryable]).toEqual([
          'Error',
          'plain failure',
          false,
        ]);
      });

      it('answers a message the server has no handler for with bus.unknown_message', async () => {
        await (await h.bus()).serve({ topic: 'compute', server: 'a' }, [echoOn('a')]);
        const err = await rejection(
          (await h.bus()).call(
            { topic: 'compute' },
            Boot('1.0'),
            { server_id: UUID },
            { timeoutMs: 20_000 },
          ),
        );
        expect(err.code).toBe('bus.unknown_message');
        expect(err.message).toContain('boot');
      });
    });

    describe('versions', () => {
      it('a receiver takes the same major with an older or equal minor', async () => {
        const got: { payload: unknown; info: DeliveryInfo }[] = [];
        await (
          await h.bus()
        ).serve({ topic: 'compute', server: 'a' }, [
          handle(Boot('1.3', { flavor: Type.Optional(Type.String()) }), (payload, info) => {
            got.push({ payload, info });
            return { accepted: true };
          }),
        ]);
        const client = await h.bus();
        await expect(
          client.call(
            { topic: 'compute' },
            Boot('1.2'),
            { server_id: UUID },
            { timeoutMs: 20_000 },
          ),
        ).resolves.toEqual({ accepted: true });
        await expect(
          client.call(
            { topic: 'compute' },
            Boot('1.3'),
            { server_id: UUID },
            { timeoutMs: 20_000 },
          ),
        ).resolves.toEqual({ accepted: true });
        expect(got.map((g) => g.info.sentVersion)).toEqual(['1.2', '1.3']);
      });

      it('a receiver refuses a newer minor and another major with bus.version_mismatch', async () => {
        let ran = 0;
        await (
          await h.bus()
        ).serve({ topic: 'compute', server: 'a' }, [
          handle(Boot('1.1'), () => {
            ran++;
            return { accepted: true };
          }),
        ]);
        const client = await h.bus();
        const newer = await rejection(
          client.call(
            { topic: 'compute' },
            Boot('1.2'),
            { server_id: UUID },
            { timeoutMs: 20_000 },
          ),
        );
        expect(newer.code).toBe('bus.version_mismatch');
        expect(newer.message).toContain('1.2');
        expect(newer.retryable).toBe(false);
        const older = await rejection(
          client.call(
            { topic: 'compute' },
            Boot('0.9'),
            { server_id: UUID },
            { timeoutMs: 20_000 },
          ),
        );
        expect(older.code).toBe('bus.version_mismatch');
        const major = await rejection(
          client.call(
            { topic: 'compute' },
            Boot('2.0'),
            { server_id: UUID },
            { timeoutMs: 20_000 },
          ),
        );
        expect(major.code).toBe('bus.version_mismatch');
        expect(ran).toBe(0);
      });
    });

    describe('schemas', () => {
      it('refuses a bad payload before sending, naming the field', async () => {
        let ran = 0;
        await (
          await h.bus()
        ).serve({ topic: 'compute', server: 'a' }, [
          handle(Echo, (p) => {
            ran++;
            return { text: p.text, server: 'a' };
          }),
        ]);
        const client = await h.bus();
        const bad = { text: 'x', times: 0 };
        const call = await rejection(
          client.call({ topic: 'compute' }, Echo, bad, { timeoutMs: 20_000 }),
        );
        expect(call.code).toBe('bus.invalid_payload');
        expect(call.message).toContain("'times'");
        const cast = await rejection(client.cast({ topic: 'compute' }, Echo, { text: 3 } as never));
        expect(cast.code).toBe('bus.invalid_payload');
        expect(cast.message).toContain("'text'");
        const missing = await rejection(client.notify(InstanceCreated, {} as never));
        expect(missing.message).toContain("'instance_id'");
        // a good call afterwards is the first the server sees
        await client.call({ topic: 'compute' }, Echo, { text: 'ok' }, { timeoutMs: 20_000 });
        expect(ran).toBe(1);
      });

      it('the receiver checks the payload against its own declaration', async () => {
        const strict = defineMessage({
          name: 'resize',
          version: '1.0',
          schema: Type.Object({ flavor_id: Type.String(), disk_gb: Type.Integer() }),
        });
        const loose = defineMessage({
          name: 'resize',
          version: '1.0',
          schema: Type.Object({ flavor_id: Type.String() }),
        });
        let ran = 0;
        await (
          await h.bus()
        ).serve({ topic: 'compute', server: 'a' }, [handle(strict, () => void ran++)]);
        const err = await rejection(
          (await h.bus()).call(
            { topic: 'compute' },
            loose,
            { flavor_id: 'm1' },
            { timeoutMs: 20_000 },
          ),
        );
        expect(err.code).toBe('bus.invalid_payload');
        expect(err.message).toContain("'disk_gb'");
        expect(ran).toBe(0);
      });

      it('a reply that does not match the reply schema fails the call', async () => {
        await (
          await h.bus()
        ).serve({ topic: 'compute', server: 'a' }, [handle(Echo, () => ({ text: 1 }) as never)]);
        const err = await rejection(
          (await h.bus()).call({ topic: 'compute' }, Echo, { text: 'x' }, { timeoutMs: 20_000 }),
        );
        expect(err.code).toBe('bus.invalid_payload');
        expect(err.message).toMatch(/reply/);
      });
    });

    describe('cast', () => {
      it('resolves without waiting for the handler, which runs once', async () => {
        const seen: string[] = [];
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        await (
          await h.bus()
        ).serve({ topic: 'conductor', server: 'a' }, [
          handle(Record, async (p) => {
            await released;
            seen.push(p.id);
          }),
        ]);
        await (await h.bus()).cast({ topic: 'conductor' }, Record, { id: 'r1' });
        expect(seen).toEqual([]);
        release();
        await vi.waitFor(() => expect(seen).toEqual(['r1']), WAIT);
      });

      it('fanout reaches every server of the topic once', async () => {
        const seen: string[] = [];
        for (const host of ['a', 'b', 'c']) {
          await (
            await h.bus()
          ).serve({ topic: 'compute', server: host }, [
            handle(Record, (p) => void seen.push(`${host}:${p.id}`)),
          ]);
        }
        await (
          await h.bus()
        ).serve({ topic: 'other', server: 'z' }, [
          handle(Record, (p) => void seen.push(`z:${p.id}`)),
        ]);
        await (await h.bus()).cast({ topic: 'compute', fanout: true }, Record, { id: 'f1' });
        await vi.waitFor(() => expect(seen.sort()).toEqual(['a:f1', 'b:f1', 'c:f1']), WAIT);
        await new Promise((r) => setTimeout(r, 300));
        expect(seen).toHaveLength(3);
      });

      it('a cast sent while no server runs is delivered when one starts', async () => {
        const client = await h.bus();
        await client.cast({ topic: 'agent', server: 'host-a' }, Record, { id: 'early' });
        const seen: string[] = [];
        await (
          await h.bus()
        ).serve({ topic: 'agent', server: 'host-a' }, [
          handle(Record, (p) => void seen.push(p.id)),
        ]);
        await vi.waitFor(() => expect(seen).toEqual(['early']), WAIT);
      });

      it('delivers again after a retryable failure, telling the handler; drops other failures', async () => {
        const attempts: { id: string; redelivered: boolean }[] = [];
        const server = await h.bus({ redeliveryDelay: { baseDelayMs: 10, maxDelayMs: 50 } });
        await server.serve({ topic: 'conductor', server: 'a' }, [
          handle(Record, (p, info) => {
            attempts.push({ id: p.id, redelivered: info.redelivered });
            const tries = attempts.filter((a) => a.id === p.id).length;
            if (p.id === 'flaky' && tries < 3)
              throw new TaskError('db.deadlock', 'try again', { retryable: true });
            if (p.id === 'broken') throw new TaskError('bad.data', 'never works');
          }),
        ]);
        const client = await h.bus();
        await client.cast({ topic: 'conductor' }, Record, { id: 'broken' });
        await client.cast({ topic: 'conductor' }, Record, { id: 'flaky' });
        await vi.waitFor(
          () => expect(attempts.filter((a) => a.id === 'flaky')).toHaveLength(3),
          WAIT,
        );
        expect(attempts.filter((a) => a.id === 'flaky').map((a) => a.redelivered)).toEqual([
          false,
          true,
          true,
        ]);
        await new Promise((r) => setTimeout(r, 300));
        expect(attempts.filter((a) => a.id === 'broken')).toHaveLength(1);
        expect(attempts.filter((a) => a.id === 'flaky')).toHaveLength(3);
      });

      it('a message that keeps failing retryable is dropped after the delivery limit', async () => {
        let deliveries = 0;
        const server = await h.bus({ redeliveryDelay: { baseDelayMs: 5, maxDelayMs: 20 } });
        await server.serve({ topic: 'poison', server: 'a' }, [
          handle(Record, () => {
            deliveries++;
            throw new TaskError('always.busy', 'try later', { retryable: true });
          }),
        ]);
        await (await h.bus()).cast({ topic: 'poison' }, Record, { id: 'p' });
        // the first delivery and 20 returns (RabbitMQ's x-delivery-limit semantics)
        await vi.waitFor(() => expect(deliveries).toBe(21), WAIT);
        await new Promise((r) => setTimeout(r, 500));
        expect(deliveries).toBe(21);
      });

      it('a stopped server finishes what it handles and gets nothing more', async () => {
        const seen: string[] = [];
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const server = await h.bus();
        const running = await server.serve({ topic: 'agent', server: 'a' }, [
          handle(Record, async (p) => {
            if (p.id === 'first') await released;
            seen.push(p.id);
          }),
        ]);
        const client = await h.bus();
        await client.cast({ topic: 'agent', server: 'a' }, Record, { id: 'first' });
        await new Promise((r) => setTimeout(r, 200));
        const stopped = running.stop();
        release();
        await stopped;
        expect(seen).toEqual(['first']);
        await client.cast({ topic: 'agent', server: 'a' }, Record, { id: 'second' });
        await new Promise((r) => setTimeout(r, 300));
        expect(seen).toEqual(['first']);
        // it waits in the queue for the next server
        await (
          await h.bus()
        ).serve({ topic: 'agent', server: 'a' }, [handle(Record, (p) => void seen.push(p.id))]);
        await vi.waitFor(() => expect(seen).toEqual(['first', 'second']), WAIT);
      });
    });

    describe('notifications', () => {
      it('subscribers get the events matching their pattern', async () => {
        const all: string[] = [];
        const compute: Notification[] = [];
        const sub = await h.bus();
        await sub.subscribe('#', (n) => void all.push(n.eventType));
        await sub.subscribe('compute.instance.*.end', (n) => void compute.push(n));
        const publisher = await h.bus({ publisherId: 'compute.host-a' });
        await publisher.notify(InstanceCreated, { instance_id: 'i1' });
        await publisher.notify(VolumeCreated, { volume_id: 'v1' });
        await publisher.notify(InstanceDeleted, { instance_id: 'i1' });
        await vi.waitFor(
          () =>
            expect(all.sort()).toEqual([
              'compute.instance.create.end',
              'compute.instance.delete.end',
              'volume.create.end',
            ]),
          WAIT,
        );
        await vi.waitFor(() => expect(compute).toHaveLength(2), WAIT);
        const created = compute.find((n) => n.eventType === 'compute.instance.create.end')!;
        expect(created).toMatchObject({
          version: '1.0',
          payload: { instance_id: 'i1' },
          publisher: 'compute.host-a',
          redelivered: false,
        });
        expect(Number.isNaN(Date.parse(created.timestamp))).toBe(false);
      });

      it('members of a group share the events; each goes to one member', async () => {
        const got: string[] = [];
        await (
          await h.bus()
        ).subscribe(
          'compute.#',
          (n) => void got.push(`a:${(n.payload as { instance_id: string }).instance_id}`),
          { group: 'billing' },
        );
        await (
          await h.bus()
        ).subscribe(
          'compute.#',
          (n) => void got.push(`b:${(n.payload as { instance_id: string }).instance_id}`),
          { group: 'billing' },
        );
        const publisher = await h.bus();
        for (const id of ['1', '2', '3', '4'])
          await publisher.notify(InstanceCreated, { instance_id: id });
        await vi.waitFor(() => expect(got).toHaveLength(4), WAIT);
        await new Promise((r) => setTimeout(r, 300));
        expect(got.map((g) => g.split(':')[1]).sort()).toEqual(['1', '2', '3', '4']);
      });

      it('a group keeps events while no member runs', async () => {
        const first = await h.bus();
        const sub = await first.subscribe('compute.#', () => undefined, { group: 'audit' });
        await sub.stop();
        await (await h.bus()).notify(InstanceCreated, { instance_id: 'while-down' });
        const got: string[] = [];
        await (
          await h.bus()
        ).subscribe(
          'compute.#',
          (n) => void got.push((n.payload as { instance_id: string }).instance_id),
          { group: 'audit' },
        );
        await vi.waitFor(() => expect(got).toEqual(['while-down']), WAIT);
      });

      it('a subscription to a message checks its version and schema', async () => {
        const got: unknown[] = [];
        const NewerCreated = defineMessage({
          name: 'compute.instance.create.end',
          version: '1.1',
          schema: Type.Object({ instance_id: Type.String(), host: Type.String() }),
        });
        await (await h.bus()).subscribe(InstanceCreated, (n) => void got.push(n.payload));
        const publisher = await h.bus();
        await publisher.notify(NewerCreated, { instance_id: 'too-new', host: 'a' });
        await publisher.notify(InstanceDeleted, { instance_id: 'other-event' });
        await publisher.notify(InstanceCreated, { instance_id: 'ok' });
        await vi.waitFor(() => expect(got).toEqual([{ instance_id: 'ok' }]), WAIT);
      });
    });

    it('close fails the calls still waiting and refuses new ones', async () => {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let started = false;
      await (
        await h.bus()
      ).serve({ topic: 'slow', server: 'a' }, [
        handle(Echo, async () => {
          started = true;
          await released;
          return { text: 'late', server: 'a' };
        }),
      ]);
      const client = await h.bus();
      const waiting = rejection(
        client.call({ topic: 'slow' }, Echo, { text: 'x' }, { timeoutMs: 60_000 }),
      );
      await vi.waitFor(() => expect(started).toBe(true), WAIT);
      await client.close();
      expect((await waiting).code).toBe('bus.unavailable');
      expect((await rejection(client.cast({ topic: 'slow' }, Record, { id: 'x' }))).code).toBe(
        'bus.unavailable',
      );
      release();
    });
  });
}
