/** The bus contract, part two: casts, fanout, redelivery and notifications. */
import { Type } from 'typebox';
import { describe, expect, it, vi } from 'vitest';
import { TaskError } from '../tasks/errors.ts';
import { handle, type Notification } from './bus.ts';
import type { BusHarness } from './bus-contract.ts';
import {
  InstanceCreated,
  InstanceDeleted,
  Record,
  VolumeCreated,
  WAIT,
} from './bus-contract-fixtures.ts';
import { defineMessage } from './message.ts';

export function describeDeliveryContract(harness: () => BusHarness): void {
  describe('cast', () => {
    it('resolves without waiting for the handler, which runs once', async () => {
      const seen: string[] = [];
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      await (
        await harness().bus()
      ).serve({ topic: 'conductor', server: 'a' }, [
        handle(Record, async (p) => {
          await released;
          seen.push(p.id);
        }),
      ]);
      await (await harness().bus()).cast({ topic: 'conductor' }, Record, { id: 'r1' });
      expect(seen).toEqual([]);
      release();
      await vi.waitFor(() => expect(seen).toEqual(['r1']), WAIT);
    });

    it('fanout reaches every server of the topic once', async () => {
      const seen: string[] = [];
      for (const host of ['a', 'b', 'c']) {
        await (
          await harness().bus()
        ).serve({ topic: 'compute', server: host }, [
          handle(Record, (p) => void seen.push(`${host}:${p.id}`)),
        ]);
      }
      await (
        await harness().bus()
      ).serve({ topic: 'other', server: 'z' }, [
        handle(Record, (p) => void seen.push(`z:${p.id}`)),
      ]);
      await (await harness().bus()).cast({ topic: 'compute', fanout: true }, Record, { id: 'f1' });
      await vi.waitFor(() => expect(seen.sort()).toEqual(['a:f1', 'b:f1', 'c:f1']), WAIT);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toHaveLength(3);
    });

    it('a cast sent while no server runs is delivered when one starts', async () => {
      const client = await harness().bus();
      await client.cast({ topic: 'agent', server: 'host-a' }, Record, { id: 'early' });
      const seen: string[] = [];
      await (
        await harness().bus()
      ).serve({ topic: 'agent', server: 'host-a' }, [handle(Record, (p) => void seen.push(p.id))]);
      await vi.waitFor(() => expect(seen).toEqual(['early']), WAIT);
    });

    it('delivers again after a retryable failure, telling the handler; drops other failures', async () => {
      const attempts: { id: string; redelivered: boolean }[] = [];
      const server = await harness().bus({ redeliveryDelay: { baseDelayMs: 10, maxDelayMs: 50 } });
      await server.serve({ topic: 'conductor', server: 'a' }, [
        handle(Record, (p, info) => {
          attempts.push({ id: p.id, redelivered: info.redelivered });
          const tries = attempts.filter((a) => a.id === p.id).length;
          if (p.id === 'flaky' && tries < 3)
            throw new TaskError('db.deadlock', 'try again', { retryable: true });
          if (p.id === 'broken') throw new TaskError('bad.data', 'never works');
        }),
      ]);
      const client = await harness().bus();
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
      const server = await harness().bus({ redeliveryDelay: { baseDelayMs: 5, maxDelayMs: 20 } });
      await server.serve({ topic: 'poison', server: 'a' }, [
        handle(Record, () => {
          deliveries++;
          throw new TaskError('always.busy', 'try later', { retryable: true });
        }),
      ]);
      await (await harness().bus()).cast({ topic: 'poison' }, Record, { id: 'p' });
      // the first delivery and 20 returns (RabbitMQ's x-delivery-limit semantics)
      await vi.waitFor(() => expect(deliveries).toBe(21), WAIT);
      await new Promise((r) => setTimeout(r, 500));
      expect(deliveries).toBe(21);
    });

    it('a stopped server finishes what it handles and gets nothing more', async () => {
      const seen: string[] = [];
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const server = await harness().bus();
      const running = await server.serve({ topic: 'agent', server: 'a' }, [
        handle(Record, async (p) => {
          if (p.id === 'first') await released;
          seen.push(p.id);
        }),
      ]);
      const client = await harness().bus();
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
        await harness().bus()
      ).serve({ topic: 'agent', server: 'a' }, [handle(Record, (p) => void seen.push(p.id))]);
      await vi.waitFor(() => expect(seen).toEqual(['first', 'second']), WAIT);
    });
  });

  describe('notifications', () => {
    it('subscribers get the events matching their pattern', async () => {
      const all: string[] = [];
      const compute: Notification[] = [];
      const sub = await harness().bus();
      await sub.subscribe('#', (n) => void all.push(n.eventType));
      await sub.subscribe('compute.instance.*.end', (n) => void compute.push(n));
      const publisher = await harness().bus({ publisherId: 'compute.host-a' });
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
        await harness().bus()
      ).subscribe(
        'compute.#',
        (n) => void got.push(`a:${(n.payload as { instance_id: string }).instance_id}`),
        { group: 'billing' },
      );
      await (
        await harness().bus()
      ).subscribe(
        'compute.#',
        (n) => void got.push(`b:${(n.payload as { instance_id: string }).instance_id}`),
        { group: 'billing' },
      );
      const publisher = await harness().bus();
      for (const id of ['1', '2', '3', '4'])
        await publisher.notify(InstanceCreated, { instance_id: id });
      await vi.waitFor(() => expect(got).toHaveLength(4), WAIT);
      await new Promise((r) => setTimeout(r, 300));
      expect(got.map((g) => g.split(':')[1]).sort()).toEqual(['1', '2', '3', '4']);
    });

    it('a group keeps events while no member runs', async () => {
      const first = await harness().bus();
      const sub = await first.subscribe('compute.#', () => undefined, { group: 'audit' });
      await sub.stop();
      await (await harness().bus()).notify(InstanceCreated, { instance_id: 'while-down' });
      const got: string[] = [];
      await (
        await harness().bus()
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
      await (await harness().bus()).subscribe(InstanceCreated, (n) => void got.push(n.payload));
      const publisher = await harness().bus();
      await publisher.notify(NewerCreated, { instance_id: 'too-new', host: 'a' });
      await publisher.notify(InstanceDeleted, { instance_id: 'other-event' });
      await publisher.notify(InstanceCreated, { instance_id: 'ok' });
      await vi.waitFor(() => expect(got).toEqual([{ instance_id: 'ok' }]), WAIT);
    });
  });
}
