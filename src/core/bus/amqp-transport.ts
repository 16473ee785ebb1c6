/**
 * RabbitMQ (AMQP 0-9-1) under the bus. Work queues are durable quorum queues, replies go to
 * one exclusive auto-delete classic queue per process (quorum queues cannot be exclusive),
 * every publish waits for the broker's confirm, and deliveries are acked only once their
 * handler has finished. When the connection drops it is re-opened with exponential backoff
 * and every queue, binding and consumer is declared again.
 */
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import type { Logger } from '../observability/index.ts';
import { silentLogger } from '../observability/index.ts';
import type { RetryPolicy } from '../tasks/backoff.ts';
import { AmqpConnection, type Link } from './amqp-connection.ts';
import type { BrokerAddress } from './amqp-url.ts';
import type { Stoppable } from './bus.ts';
import { BusError, BusErrorCode } from './errors.ts';
import { settleWithin } from './settle-within.ts';
import type {
  Address,
  Delivery,
  OutgoingMessage,
  QueueSpec,
  Reply,
  Transport,
} from './transport.ts';

/** Deliveries of one message before the quorum queue drops it (a poison message). */
export const DELIVERY_LIMIT = 20;

export interface AmqpTransportOptions {
  readonly brokers: readonly BrokerAddress[];
  /** Seconds; 0 disables. */
  readonly heartbeat?: number;
  readonly prefetch?: number;
  readonly reconnect?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  /** Shown by the broker (rabbitmqctl list_connections client_properties). */
  readonly connectionName?: string;
  /** How long stopping waits for handlers in progress; what is unfinished then is redelivered. */
  readonly shutdownGraceMs?: number;
  readonly logger?: Logger;
}

interface ConsumerRecord {
  readonly spec: QueueSpec;
  readonly onDelivery: (d: Delivery) => Promise<void>;
  readonly inFlight: Map<Promise<void>, Delivery>;
  /** The channel and tag it consumes with on the current connection. */
  active?: { channel: Channel; tag: string };
  stopped: boolean;
}

const PERMANENT_CODES = new Set([403, 404, 405, 406, 530]);

export class AmqpTransport implements Transport {
  private readonly connection: AmqpConnection;
  private readonly consumers = new Set<ConsumerRecord>();
  private readonly lostListeners: (() => void)[] = [];
  private readonly everDeclared = new Set<string>();
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly opts: AmqpTransportOptions) {
    this.log = opts.logger ?? silentLogger();
    this.connection = new AmqpConnection({
      brokers: opts.brokers,
      heartbeat: opts.heartbeat ?? 60,
      prefetch: opts.prefetch ?? 10,
      reconnect: {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        baseDelayMs: opts.reconnect?.baseDelayMs ?? 500,
        maxDelayMs: opts.reconnect?.maxDelayMs ?? 30_000,
      },
      connectionName: opts.connectionName ?? 'strata',
      logger: this.log,
      setup: async (link) => {
        for (const record of this.consumers) {
          record.active = undefined;
          if (!record.stopped) await this.startConsumer(link, record);
        }
      },
      onLost: () => {
        for (const record of this.consumers) record.active = undefined;
        for (const listener of this.lostListeners) listener();
      },
    });
    this.connection.start();
  }

  /** Resolves once connected (for startup checks); rejects after `timeoutMs`. */
  async connected(timeoutMs: number): Promise<void> {
    await this.connection.whenReady(Date.now() + timeoutMs);
  }

  /** Every queue and exchange this transport declared, for tests that clean up after themselves. */
  declaredNames(): string[] {
    return [...this.everDeclared];
  }

  /** Successful connections so far: 1 after the first, one more per recovery. */
  get connectionCount(): number {
    return this.connection.count;
  }

  /** Dies like a killed process (tests): no more reconnects, the socket cut without a goodbye. */
  crash(): void {
    this.closed = true;
    void this.connection.close(false);
  }

  /** Cuts the TCP connection without a goodbye, as a network failure would (tests). */
  dropConnection(): void {
    this.connection.drop();
  }

  onConnectionLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  // ---- declarations --------------------------------------------------------

  private queueOptions(durable: boolean): Options.AssertQueue {
    return durable
      ? {
          durable: true,
          arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': DELIVERY_LIMIT },
        }
      : {
          durable: false,
          exclusive: true,
          autoDelete: true,
          arguments: { 'x-queue-type': 'classic' },
        };
  }

  private async declareQueue(
    link: Link,
    channel: Channel,
    name: string,
    durable: boolean,
  ): Promise<void> {
    if (link.declared.has(`q:${name}`)) return;
    await channel.assertQueue(name, this.queueOptions(durable));
    link.declared.add(`q:${name}`);
    this.everDeclared.add(`queue:${name}`);
  }

  private async declareExchange(
    link: Link,
    channel: Channel,
    name: string,
    type: 'fanout' | 'topic',
  ): Promise<void> {
    if (link.declared.has(`x:${name}`)) return;
    await channel.assertExchange(name, type, { durable: true });
    link.declared.add(`x:${name}`);
    this.everDeclared.add(`exchange:${name}`);
  }

  // ---- sending -------------------------------------------------------------

  async send(address: Address, message: OutgoingMessage, deadline: number): Promise<void> {
    for (;;) {
      const link = await this.connection.whenReady(deadline);
      try {
        await this.publishOnce(link, address, message);
        return;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number' && PERMANENT_CODES.has(code)) {
          throw new BusError(
            BusErrorCode.brokerRefused,
            `the broker refused the message: ${(err as Error).message}`,
          );
        }
        if (err instanceof RangeError) throw err;
        // the connection went away under us: once it is back, send again (at-least-once)
        this.log.debug(
          { err: String(err) },
          'bus: publish not confirmed; sending again after reconnecting',
        );
        if (this.connection.link === link) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async publishOnce(link: Link, address: Address, message: OutgoingMessage): Promise<void> {
    let exchange = '';
    let routingKey: string;
    switch (address.kind) {
      case 'queue':
        await this.declareQueue(link, link.publish, address.queue, true);
        routingKey = address.queue;
        break;
      case 'reply':
        routingKey = address.queue;
        break;
      case 'exchange':
        await this.declareExchange(link, link.publish, address.exchange, address.type);
        exchange = address.exchange;
        routingKey = address.routingKey;
    }
    const props: Options.Publish = {
      persistent: true,
      contentType: 'application/json',
      messageId: message.messageId,
      ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
      ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
      ...(message.expirationMs === undefined
        ? {}
        : { expiration: String(Math.max(1, Math.ceil(message.expirationMs))) }),
    };
    await new Promise<void>((resolve, reject) => {
      try {
        link.publish.publish(
          exchange,
          routingKey,
          Buffer.from(message.body, 'utf8'),
          props,
          (err: unknown) =>
            err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
        );
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  // ---- consuming -----------------------------------------------------------

  async consume(spec: QueueSpec, onDelivery: (d: Delivery) => Promise<void>): Promise<Stoppable> {
    if (this.closed)
      throw new BusError(BusErrorCode.unavailable, 'the bus is closed', { retryable: true });
    const record: ConsumerRecord = { spec, onDelivery, inFlight: new Map(), stopped: false };
    this.consumers.add(record);
    // when not connected, the connection's setup starts it with the others
    for (;;) {
      const link = await this.connection.whenReady(Infinity);
      if (record.active) break;
      try {
        await this.startConsumer(link, record);
        break;
      } catch (err) {
        if (this.connection.link === link) {
          this.consumers.delete(record);
          throw err;
        }
      }
    }
    return { stop: () => this.stopConsumer(record) };
  }

  private async startConsumer(link: Link, record: ConsumerRecord): Promise<void> {
    const { spec } = record;
    const channel = link.consume;
    await this.declareQueue(link, channel, spec.name, spec.durable);
    for (const b of spec.bindings) {
      await this.declareExchange(link, channel, b.exchange, b.type);
      await channel.bindQueue(spec.name, b.exchange, b.pattern);
    }
    const { consumerTag } = await channel.consume(spec.name, (msg) => {
      if (msg) this.deliver(record, channel, msg);
    });
    record.active = { channel, tag: consumerTag };
  }

  private deliver(record: ConsumerRecord, channel: Channel, msg: ConsumeMessage): void {
    let settled = false;
    // an ack on a channel that died since is meaningless: the broker has already put the
    // message back for another delivery
    const settle = (requeue: boolean) => {
      if (settled) return;
      settled = true;
      try {
        if (requeue) channel.nack(msg, false, true);
        else channel.ack(msg);
      } catch {
        // channel closed
      }
    };
    if (record.stopped) {
      // stopping: handed straight back for another consumer (see stopConsumer)
      settle(true);
      return;
    }
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const previous =
      typeof headers['x-delivery-count'] === 'number' ? headers['x-delivery-count'] : 0;
    const p = msg.properties as { messageId?: string; correlationId?: string; replyTo?: string };
    const delivery: Delivery = {
      body: msg.content.toString('utf8'),
      messageId: p.messageId ?? '',
      ...(p.correlationId ? { correlationId: p.correlationId } : {}),
      ...(p.replyTo ? { replyTo: p.replyTo } : {}),
      redelivered: msg.fields.redelivered || previous > 0,
      deliveryCount: previous + 1,
      ack: () => settle(false),
      requeue: () => settle(true),
    };
    const run: Promise<void> = record
      .onDelivery(delivery)
      .catch(() => settle(true))
      .finally(() => record.inFlight.delete(run));
    record.inFlight.set(run, delivery);
  }

  private async stopConsumer(record: ConsumerRecord): Promise<void> {
    if (record.stopped) return;
    record.stopped = true;
    this.consumers.delete(record);
    // Acks of messages a quorum queue delivered to a consumer that is cancelled since are
    // not honoured (RabbitMQ 3.10 returns them to the queue, and they run twice): finish
    // and ack what is in hand first, hand back what still arrives, then cancel.
    if (!(await settleWithin([...record.inFlight.keys()], this.opts.shutdownGraceMs ?? 30_000))) {
      // abandoned, as by a process that exits: back to the queue for another consumer
      for (const d of record.inFlight.values()) d.requeue();
    }
    const active = record.active;
    record.active = undefined;
    if (active) await active.channel.cancel(active.tag).catch(() => undefined);
  }

  async openReplyQueue(name: string, onReply: (r: Reply) => void): Promise<void> {
    await this.consume({ name, durable: false, bindings: [] }, async (d) => {
      d.ack();
      if (d.correlationId !== undefined) onReply({ correlationId: d.correlationId, body: d.body });
    });
  }

  // ---- shutdown ------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // handlers finish and ack on the live connection first
    await Promise.allSettled([...this.consumers].map((c) => this.stopConsumer(c)));
    await this.connection.close();
  }
}
