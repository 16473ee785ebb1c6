/**
 * What the bus needs from a broker, in AMQP's terms: durable work queues that senders
 * fill and servers drain, fanout and topic exchanges, and one private reply queue per
 * process. The RPC and notification semantics live once in rpc-bus.ts above this; the
 * in-process broker (memory-transport.ts) and RabbitMQ (amqp-transport.ts) sit below it.
 */
import type { Stoppable } from './bus.ts';

export interface OutgoingMessage {
  /** The JSON envelope. */
  readonly body: string;
  readonly messageId: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  /** The broker drops the message if nobody took it within this long (a call's timeout). */
  readonly expirationMs?: number;
}

export type ExchangeType = 'fanout' | 'topic';

export type Address =
  /** A durable work queue, created by the sender if missing so nothing sent is lost. */
  | { readonly kind: 'queue'; readonly queue: string }
  /** A caller's reply queue; gone with its process, and then the reply is dropped. */
  | { readonly kind: 'reply'; readonly queue: string }
  | {
      readonly kind: 'exchange';
      readonly exchange: string;
      readonly type: ExchangeType;
      readonly routingKey: string;
    };

export interface Binding {
  readonly exchange: string;
  readonly type: ExchangeType;
  /** The routing key (`*`/`#` wildcards for topic exchanges; ignored by fanout). */
  readonly pattern: string;
}

export interface QueueSpec {
  readonly name: string;
  /**
   * Durable queues (quorum queues on RabbitMQ) outlive their consumers and the broker's
   * restarts; the others belong to one consumer and go when it stops.
   */
  readonly durable: boolean;
  readonly bindings: readonly Binding[];
}

export interface Delivery {
  readonly body: string;
  readonly messageId: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly redelivered: boolean;
  /** 1 on the first delivery, counting up with each redelivery where the broker tracks it. */
  readonly deliveryCount: number;
  /** Done with it: the broker forgets the message. */
  ack(): void;
  /** Hand it back for another delivery (a retryable failure); bounded by the delivery limit. */
  requeue(): void;
}

export interface Reply {
  readonly correlationId: string;
  readonly body: string;
}

export interface Transport {
  /** Resolves once the broker holds the message; retries through reconnects until `deadline` (epoch ms). */
  send(address: Address, message: OutgoingMessage, deadline: number): Promise<void>;
  /**
   * Declares the queue and its bindings and delivers its messages, at most `prefetch` at a
   * time; each delivery is acked or requeued by the caller once its handler completes.
   * Stopping waits for the deliveries in progress.
   */
  consume(queue: QueueSpec, onDelivery: (d: Delivery) => Promise<void>): Promise<Stoppable>;
  /**
   * Creates this process's reply queue (private to it, gone with it) and passes what
   * arrives there to `onReply`; called once.
   */
  openReplyQueue(name: string, onReply: (r: Reply) => void): Promise<void>;
  /**
   * Called when the connection drops: replies to calls made before may never come (the
   * reply queue is private to the connection).
   */
  onConnectionLost(listener: () => void): void;
  close(): Promise<void>;
}
