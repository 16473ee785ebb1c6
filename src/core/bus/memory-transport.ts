/**
 * The in-process broker of the embedded default: queues and exchanges in memory with
 * RabbitMQ's routing, so one process gets the same asynchronous, at-least-once semantics
 * as several processes over RabbitMQ. Several transports may share one broker, like
 * processes sharing a RabbitMQ; nothing survives the process.
 */
import type { Stoppable } from './bus.ts';
import { BusError, BusErrorCode } from './errors.ts';
import { settleWithin } from './settle-within.ts';
import { topicMatches } from './topic-pattern.ts';
import type {
  Address,
  Delivery,
  ExchangeType,
  OutgoingMessage,
  QueueSpec,
  Reply,
  Transport,
} from './transport.ts';

interface StoredMessage {
  readonly message: OutgoingMessage;
  readonly expiresAt: number;
  deliveries: number;
}

interface MemoryConsumer {
  readonly prefetch: number;
  readonly onDelivery: (d: Delivery) => Promise<void>;
  unacked: number;
  stopped: boolean;
}

interface MemoryQueue {
  readonly name: string;
  readonly durable: boolean;
  readonly messages: StoredMessage[];
  readonly consumers: MemoryConsumer[];
  next: number;
  scheduled: boolean;
}

interface MemoryExchange {
  readonly type: ExchangeType;
  readonly bindings: { queue: string; pattern: string }[];
}

export interface MemoryBrokerOptions {
  /** Returns of one message to its queue before it is dropped (RabbitMQ's x-delivery-limit). */
  readonly deliveryLimit?: number;
}

export class MemoryBroker {
  readonly deliveryLimit: number;
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly exchanges = new Map<string, MemoryExchange>();

  constructor(opts: MemoryBrokerOptions = {}) {
    this.deliveryLimit = opts.deliveryLimit ?? 20;
  }

  /** Names of the queues that exist, for tests. */
  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Messages waiting in a queue (not counting those being handled). */
  depth(queue: string): number {
    return this.queues.get(queue)?.messages.length ?? 0;
  }

  declareQueue(spec: { name: string; durable: boolean }): MemoryQueue {
    let q = this.queues.get(spec.name);
    if (!q) {
      q = {
        name: spec.name,
        durable: spec.durable,
        messages: [],
        consumers: [],
        next: 0,
        scheduled: false,
      };
      this.queues.set(spec.name, q);
    }
    return q;
  }

  deleteQueue(name: string): void {
    this.queues.delete(name);
    for (const ex of this.exchanges.values()) {
      for (let i = ex.bindings.length - 1; i >= 0; i--)
        if (ex.bindings[i]!.queue === name) ex.bindings.splice(i, 1);
    }
  }

  bind(queue: string, exchange: string, type: ExchangeType, pattern: string): void {
    const ex = this.declareExchange(exchange, type);
    if (!ex.bindings.some((b) => b.queue === queue && b.pattern === pattern))
      ex.bindings.push({ queue, pattern });
  }

  publish(address: Address, message: OutgoingMessage): void {
    const expiresAt =
      message.expirationMs === undefined ? Infinity : Date.now() + message.expirationMs;
    const enqueue = (q: MemoryQueue | undefined) => {
      if (!q) return;
      q.messages.push({ message, expiresAt, deliveries: 0 });
      this.schedule(q);
    };
    switch (address.kind) {
      case 'queue':
        enqueue(this.declareQueue({ name: address.queue, durable: true }));
        return;
      case 'reply':
        enqueue(this.queues.get(address.queue));
        return;
      case 'exchange': {
        const ex = this.declareExchange(address.exchange, address.type);
        const targets = new Set(
          ex.bindings
            .filter((b) => ex.type === 'fanout' || topicMatches(b.pattern, address.routingKey))
            .map((b) => b.queue),
        );
        for (const name of targets) enqueue(this.queues.get(name));
      }
    }
  }

  addConsumer(q: MemoryQueue, consumer: MemoryConsumer): void {
    q.consumers.push(consumer);
    this.schedule(q);
  }

  removeConsumer(q: MemoryQueue, consumer: MemoryConsumer): void {
    consumer.stopped = true;
    const i = q.consumers.indexOf(consumer);
    if (i >= 0) q.consumers.splice(i, 1);
    if (!q.durable && q.consumers.length === 0) this.deleteQueue(q.name);
  }

  private declareExchange(name: string, type: ExchangeType): MemoryExchange {
    let ex = this.exchanges.get(name);
    if (!ex) {
      ex = { type, bindings: [] };
      this.exchanges.set(name, ex);
    }
    return ex;
  }

  // Deliveries are always asynchronous, as over a socket: a sender never runs the
  // handler on its own stack.
  private schedule(q: MemoryQueue): void {
    if (q.scheduled) return;
    q.scheduled = true;
    setImmediate(() => {
      q.scheduled = false;
      this.dispatch(q);
    });
  }

  private dispatch(q: MemoryQueue): void {
    while (q.messages.length > 0) {
      const consumer = this.nextFreeConsumer(q);
      if (!consumer) return;
      const stored = q.messages.shift()!;
      if (stored.expiresAt <= Date.now()) continue;
      this.deliver(q, consumer, stored);
    }
  }

  /** Round robin over the consumers with room under their prefetch. */
  private nextFreeConsumer(q: MemoryQueue): MemoryConsumer | undefined {
    for (let i = 0; i < q.consumers.length; i++) {
      const c = q.consumers[(q.next + i) % q.consumers.length]!;
      if (!c.stopped && c.unacked < c.prefetch) {
        q.next = (q.next + i + 1) % q.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  private deliver(q: MemoryQueue, consumer: MemoryConsumer, stored: StoredMessage): void {
    consumer.unacked++;
    stored.deliveries++;
    let settled = false;
    const settle = (requeue: boolean) => {
      if (settled) return;
      settled = true;
      consumer.unacked--;
      // like a quorum queue, a message returned more often than the limit is dropped
      if (requeue && stored.deliveries <= this.deliveryLimit && this.queues.get(q.name) === q) {
        q.messages.unshift(stored);
      }
      this.schedule(q);
    };
    const { message } = stored;
    const delivery: Delivery = {
      body: message.body,
      messageId: message.messageId,
      ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
      ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
      redelivered: stored.deliveries > 1,
      deliveryCount: stored.deliveries,
      ack: () => settle(false),
      requeue: () => settle(true),
    };
    // a handler that never settles (it threw past its own error handling) gives the message
    // back, as a broker does when the consumer's channel dies
    consumer.onDelivery(delivery).catch(() => settle(true));
  }
}

export interface MemoryTransportOptions {
  /** The broker to share with other transports; a private one when absent. */
  readonly broker?: MemoryBroker;
  /** Deliveries handled at once per consumer. */
  readonly prefetch?: number;
  /** How long stopping waits for handlers in progress; what is unfinished then is redelivered. */
  readonly shutdownGraceMs?: number;
}

export class MemoryTransport implements Transport {
  readonly broker: MemoryBroker;
  private readonly prefetch: number;
  private readonly shutdownGraceMs: number;
  private readonly consumers = new Set<Stoppable>();
  private closed = false;

  constructor(opts: MemoryTransportOptions = {}) {
    this.broker = opts.broker ?? new MemoryBroker();
    this.prefetch = opts.prefetch ?? 10;
    this.shutdownGraceMs = opts.shutdownGraceMs ?? 30_000;
  }

  async send(address: Address, message: OutgoingMessage): Promise<void> {
    this.assertOpen();
    this.broker.publish(address, message);
  }

  async consume(spec: QueueSpec, onDelivery: (d: Delivery) => Promise<void>): Promise<Stoppable> {
    this.assertOpen();
    const q = this.broker.declareQueue(spec);
    for (const b of spec.bindings) this.broker.bind(spec.name, b.exchange, b.type, b.pattern);
    const inFlight = new Map<Promise<void>, Delivery>();
    const consumer: MemoryConsumer = {
      prefetch: this.prefetch,
      unacked: 0,
      stopped: false,
      onDelivery: (d) => {
        const p = onDelivery(d);
        inFlight.set(p, d);
        return p.finally(() => inFlight.delete(p));
      },
    };
    this.broker.addConsumer(q, consumer);
    const handle: Stoppable = {
      stop: async () => {
        this.consumers.delete(handle);
        this.broker.removeConsumer(q, consumer);
        if (!(await settleWithin([...inFlight.keys()], this.shutdownGraceMs))) {
          // handlers still running are abandoned, as by a process that exits: their
          // messages go back to the queue (a late ack of theirs no longer counts)
          for (const d of inFlight.values()) d.requeue();
        }
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  async openReplyQueue(name: string, onReply: (r: Reply) => void): Promise<void> {
    await this.consume({ name, durable: false, bindings: [] }, async (d) => {
      d.ack();
      if (d.correlationId !== undefined) onReply({ correlationId: d.correlationId, body: d.body });
    });
  }

  onConnectionLost(): void {
    // one process, no connection to lose
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }

  private assertOpen(): void {
    if (this.closed) throw new BusError(BusErrorCode.unavailable, 'the bus is closed');
  }
}
