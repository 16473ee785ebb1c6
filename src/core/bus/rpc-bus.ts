/**
 * The one implementation of the Bus semantics (versions, validation, replies, timeouts,
 * error transport, retries) over any Transport: the in-process broker or RabbitMQ.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { TSchema } from 'typebox';
import type { Logger } from '../observability/index.ts';
import { silentLogger } from '../observability/index.ts';
import type { RetryPolicy } from '../tasks/backoff.ts';
import type {
  Bus,
  CallOptions,
  CastOptions,
  Handler,
  Notification,
  ServerTarget,
  Stoppable,
  SubscribeOptions,
  Target,
} from './bus.ts';
import { Dispatcher } from './dispatch.ts';
import {
  jsonCopy,
  parseReplyEnvelope,
  type NotificationEnvelope,
  type ReplyEnvelope,
  type RpcEnvelope,
} from './envelope.ts';
import { BusError, BusErrorCode, toBusFailure } from './errors.ts';
import { checkPayload, type MessageDefinition, type PayloadOf, type ReplyOf } from './message.ts';
import { checkGroup, checkServer, checkTopic, Naming } from './naming.ts';
import type { Address, Reply, Transport } from './transport.ts';

export interface BusOptions {
  /** Prefix of every queue and exchange (oslo's control_exchange). */
  readonly namespace?: string;
  /** This process in notifications; defaults to host:pid. */
  readonly publisherId?: string;
  /** Default timeout of calls and of casts waiting for the broker. */
  readonly rpcResponseTimeoutMs?: number;
  /** Delays before a cast or notification whose handler failed retryable is delivered again. */
  readonly redeliveryDelay?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  readonly logger?: Logger;
}

interface PendingCall {
  readonly message: MessageDefinition;
  /** Sent and confirmed: from now on only a reply (or its loss) settles it. */
  sent: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: BusError) => void;
}

export class RpcBus implements Bus {
  readonly publisherId: string;
  private readonly naming: Naming;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly pending = new Map<string, PendingCall>();
  private readonly running = new Set<Stoppable>();
  private replyQueue?: Promise<string>;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    opts: BusOptions = {},
  ) {
    this.naming = new Naming(opts.namespace ?? 'strata');
    this.publisherId = opts.publisherId ?? `${os.hostname()}:${process.pid}`;
    this.timeoutMs = opts.rpcResponseTimeoutMs ?? 60_000;
    this.dispatcher = new Dispatcher({
      transport,
      log: opts.logger ?? silentLogger(),
      redelivery: {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        baseDelayMs: opts.redeliveryDelay?.baseDelayMs ?? 1_000,
        maxDelayMs: opts.redeliveryDelay?.maxDelayMs ?? 30_000,
      },
      replyTimeoutMs: this.timeoutMs,
      closing: () => this.closed,
    });
    transport.onConnectionLost(() => this.failSentCalls());
  }

  // ---- sending -------------------------------------------------------------

  async call<M extends MessageDefinition<TSchema, TSchema>>(
    target: Target,
    message: M,
    payload: PayloadOf<M>,
    opts: CallOptions = {},
  ): Promise<ReplyOf<M>> {
    if (target.fanout) throw new TypeError('a call goes to one server: fanout is for casts');
    const address = this.rpcAddress(target);
    const body = this.rpcBody(message, payload);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const correlationId = randomUUID();
    return new Promise<ReplyOf<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new BusError(
            BusErrorCode.timeout,
            `no reply to ${message.name} from ${describeTarget(target)} within ${timeoutMs} ms`,
            { retryable: true },
          ),
        );
      }, timeoutMs);
      const call: PendingCall = {
        message,
        sent: false,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as ReplyOf<M>);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.pending.set(correlationId, call);
      const fail = (err: unknown) => {
        if (this.pending.delete(correlationId)) call.reject(asBusError(err));
      };
      this.ensureReplyQueue()
        .then((replyTo) =>
          this.transport.send(
            address,
            {
              body,
              messageId: randomUUID(),
              correlationId,
              replyTo,
              expirationMs: Math.max(1, deadline - Date.now()),
            },
            deadline,
          ),
        )
        .then(() => {
          call.sent = true;
        }, fail);
    });
  }

  async cast<M extends MessageDefinition<TSchema, TSchema>>(
    target: Target,
    message: M,
    payload: PayloadOf<M>,
    opts: CastOptions = {},
  ): Promise<void> {
    const address: Address = target.fanout
      ? { kind: 'exchange', exchange: this.fanoutExchange(target), type: 'fanout', routingKey: '' }
      : this.rpcAddress(target);
    const body = this.rpcBody(message, payload);
    await this.transport.send(
      address,
      { body, messageId: randomUUID() },
      Date.now() + (opts.timeoutMs ?? this.timeoutMs),
    );
  }

  async notify<M extends MessageDefinition<TSchema, TSchema>>(
    message: M,
    payload: PayloadOf<M>,
    opts: CastOptions = {},
  ): Promise<void> {
    this.assertOpen();
    const copy = jsonCopy(payload);
    checkPayload(message, copy, 'payload');
    const envelope: NotificationEnvelope = {
      event_type: message.name,
      version: message.version,
      payload: copy,
      publisher: this.publisherId,
      timestamp: new Date().toISOString(),
    };
    await this.transport.send(
      {
        kind: 'exchange',
        exchange: this.naming.notificationExchange,
        type: 'topic',
        routingKey: message.name,
      },
      { body: JSON.stringify(envelope), messageId: randomUUID() },
      Date.now() + (opts.timeoutMs ?? this.timeoutMs),
    );
  }

  private rpcAddress(target: Target): Address {
    checkTopic(target.topic);
    if (target.server === undefined)
      return { kind: 'queue', queue: this.naming.topicQueue(target.topic) };
    checkServer(target.server);
    return { kind: 'queue', queue: this.naming.serverQueue(target.topic, target.server) };
  }

  private fanoutExchange(target: Target): string {
    checkTopic(target.topic);
    if (target.server !== undefined)
      throw new TypeError('a fanout cast goes to every server of a topic: drop the server');
    return this.naming.fanoutExchange(target.topic);
  }

  /** Validates a copy of the payload as it will arrive (JSON), then wraps it. */
  private rpcBody(message: MessageDefinition, payload: unknown): string {
    this.assertOpen();
    const copy = jsonCopy(payload);
    checkPayload(message, copy, 'payload');
    const envelope: RpcEnvelope = {
      message: message.name,
      version: message.version,
      payload: copy,
      publisher: this.publisherId,
      sent_at: new Date().toISOString(),
    };
    return JSON.stringify(envelope);
  }

  private ensureReplyQueue(): Promise<string> {
    if (!this.replyQueue) {
      const name = this.naming.replyQueue(randomUUID());
      this.replyQueue = this.transport
        .openReplyQueue(name, (r) => this.onReply(r))
        .then(() => name);
      this.replyQueue.catch(() => {
        this.replyQueue = undefined;
      });
    }
    return this.replyQueue;
  }

  private onReply(r: Reply): void {
    const call = this.pending.get(r.correlationId);
    if (!call) return; // the caller gave up already
    this.pending.delete(r.correlationId);
    let envelope: ReplyEnvelope;
    try {
      envelope = parseReplyEnvelope(r.body);
    } catch (err) {
      call.reject(
        new BusError(
          BusErrorCode.invalidPayload,
          `unreadable reply to ${call.message.name}: ${String(err)}`,
        ),
      );
      return;
    }
    if (!envelope.ok) {
      call.reject(BusError.from(envelope.error));
      return;
    }
    try {
      checkPayload(call.message, envelope.reply, 'reply');
      call.resolve(envelope.reply);
    } catch (err) {
      call.reject(asBusError(err));
    }
  }

  /** The reply queue went with the connection: replies to calls already sent are lost. */
  private failSentCalls(): void {
    for (const [id, call] of this.pending) {
      if (!call.sent) continue; // still being sent: goes out on the new connection
      this.pending.delete(id);
      call.reject(
        new BusError(
          BusErrorCode.connectionLost,
          `the connection to the broker dropped while ${call.message.name} waited for its reply; it may or may not have run`,
          { retryable: true },
        ),
      );
    }
  }

  // ---- receiving -----------------------------------------------------------

  async serve(target: ServerTarget, handlers: readonly Handler[]): Promise<Stoppable> {
    this.assertOpen();
    checkTopic(target.topic);
    checkServer(target.server);
    const byName = new Map<string, Handler>();
    for (const h of handlers) {
      if (byName.has(h.message.name)) throw new TypeError(`two handlers for ${h.message.name}`);
      byName.set(h.message.name, h);
    }
    const consumers: Stoppable[] = [];
    try {
      for (const spec of this.naming.serverQueues(target.topic, target.server)) {
        consumers.push(
          await this.transport.consume(spec, (d) => this.dispatcher.rpc(target, byName, d)),
        );
      }
    } catch (err) {
      await Promise.allSettled(consumers.map((c) => c.stop()));
      throw err;
    }
    return this.track(consumers);
  }

  async subscribe(
    pattern: string | MessageDefinition,
    handler: (n: Notification) => Promise<void> | void,
    opts: SubscribeOptions = {},
  ): Promise<Stoppable> {
    this.assertOpen();
    if (opts.group !== undefined) checkGroup(opts.group);
    const message = typeof pattern === 'string' ? undefined : pattern;
    const routing = typeof pattern === 'string' ? pattern : pattern.name;
    if (!/^([A-Za-z0-9_-]+|\*|#)(\.([A-Za-z0-9_-]+|\*|#))*$/.test(routing)) {
      throw new TypeError(`invalid notification pattern '${routing}'`);
    }
    const spec = this.naming.notificationQueue(routing, opts.group, randomUUID());
    const consumer = await this.transport.consume(spec, (d) =>
      this.dispatcher.notification(message, handler, d),
    );
    return this.track([consumer]);
  }

  private track(consumers: Stoppable[]): Stoppable {
    const handle: Stoppable = {
      stop: async () => {
        this.running.delete(handle);
        await Promise.all(consumers.map((c) => c.stop()));
      },
    };
    this.running.add(handle);
    return handle;
  }

  // ---- lifecycle -----------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.running].map((r) => r.stop()));
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(
        new BusError(BusErrorCode.unavailable, `the bus closed while ${call.message.name} waited`, {
          retryable: true,
        }),
      );
    }
    await this.transport.close();
  }

  private assertOpen(): void {
    if (this.closed)
      throw new BusError(BusErrorCode.unavailable, 'the bus is closed', { retryable: true });
  }
}

function describeTarget(t: Target): string {
  return t.server === undefined ? `topic ${t.topic}` : `${t.topic}.${t.server}`;
}

function asBusError(err: unknown): BusError {
  if (err instanceof BusError) return err;
  return BusError.from(toBusFailure(err));
}
