/**
 * The contract every Bus implementation passes: the in-process bus and the AMQP bus run
 * this same suite (in-process-bus.test.ts, amqp-bus.test.ts).
 */
import { Type } from 'typebox';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../errors/index.ts';
import { TaskError } from '../tasks/errors.ts';
import { handle, type Bus, type DeliveryInfo } from './bus.ts';
import { describeDeliveryContract } from './bus-contract-delivery.ts';
import {
  Boot,
  Echo,
  echoOn,
  InstanceCreated,
  Record,
  rejection,
  UUID,
  WAIT,
} from './bus-contract-fixtures.ts';
import { defineMessage } from './message.ts';
import type { BusOptions } from './rpc-bus.ts';

export interface BusHarness {
  /** Another process's bus on the same broker and namespace. */
  bus(opts?: BusOptions & { prefetch?: number }): Promise<Bus>;
  /** Closes every bus it made and removes what they declared. */
  cleanup(): Promise<void>;
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

    describeDeliveryContract(() => h);

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
