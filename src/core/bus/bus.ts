/**
 * The bus as services see it, modelled on oslo.messaging: RPC `call` (with a reply) and
 * `cast` (no reply) to a Target, servers that `serve` a target, and notifications that
 * anyone may `subscribe` to. The in-process and the AMQP bus implement the same interface
 * and pass the same contract suite (bus-contract.ts).
 */
import type { TSchema } from 'typebox';
import type { MessageDefinition, PayloadOf, ReplyOf } from './message.ts';

/**
 * Where an RPC message goes, like oslo.messaging's Target: `topic` alone reaches one of the
 * topic's servers; with `server`, that server; with `fanout`, a cast reaches every server
 * of the topic.
 */
export interface Target {
  readonly topic: string;
  readonly server?: string;
  readonly fanout?: boolean;
}

/** What a server serves: its topic and its own name (the host). */
export interface ServerTarget {
  readonly topic: string;
  readonly server: string;
}

export interface DeliveryInfo {
  /**
   * The bus delivers at least once: a handler may see the same message again after a
   * crash, a lost connection or a retryable failure. Handlers must be idempotent; this
   * flag says the broker knows it delivered the message before.
   */
  readonly redelivered: boolean;
  /** Stable across redeliveries, usable as an idempotency key. */
  readonly messageId: string;
  /** The version the sender declared, e.g. `1.2` for a receiver at `1.4`. */
  readonly sentVersion: string;
}

export interface Handler {
  readonly message: MessageDefinition;
  readonly run: (payload: unknown, info: DeliveryInfo) => Promise<unknown> | unknown;
}

/** Pairs a message with the function serving it, with the payload's type from its schema. */
export function handle<M extends MessageDefinition>(
  message: M,
  run: (payload: PayloadOf<M>, info: DeliveryInfo) => Promise<ReplyOf<M>> | ReplyOf<M>,
): Handler {
  return { message, run: run as Handler['run'] };
}

export interface Notification {
  readonly eventType: string;
  readonly version: string;
  readonly payload: unknown;
  readonly messageId: string;
  /** Who sent it (the bus's `publisherId`), as oslo's publisher_id. */
  readonly publisher: string;
  /** UTC ISO-8601 time it was sent. */
  readonly timestamp: string;
  readonly redelivered: boolean;
}

export interface SubscribeOptions {
  /**
   * Subscribers sharing a group share one durable queue: each notification goes to one of
   * them and waits there while none runs (oslo's listener pools). Without a group the
   * subscription gets its own queue that lives as long as it does.
   */
  readonly group?: string;
}

export interface CallOptions {
  /** Defaults to the bus's `rpc_response_timeout`. */
  readonly timeoutMs?: number;
}

export interface CastOptions {
  /** How long a cast may wait for the broker (while reconnecting) before failing retryable. */
  readonly timeoutMs?: number;
}

export interface Stoppable {
  /** Stops consuming; deliveries in progress finish first. */
  stop(): Promise<void>;
}

export interface Bus {
  /** Who this process is in notifications and logs. */
  readonly publisherId: string;
  call<M extends MessageDefinition<TSchema, TSchema>>(
    target: Target,
    message: M,
    payload: PayloadOf<M>,
    opts?: CallOptions,
  ): Promise<ReplyOf<M>>;
  /** Resolves once the message is held by the broker (at-least-once delivery from there). */
  cast<M extends MessageDefinition<TSchema, TSchema>>(
    target: Target,
    message: M,
    payload: PayloadOf<M>,
    opts?: CastOptions,
  ): Promise<void>;
  serve(target: ServerTarget, handlers: readonly Handler[]): Promise<Stoppable>;
  notify<M extends MessageDefinition<TSchema, TSchema>>(
    message: M,
    payload: PayloadOf<M>,
    opts?: CastOptions,
  ): Promise<void>;
  /**
   * `pattern` matches event types word by word (`*` one word, `#` any number), e.g.
   * `compute.instance.*`; or pass a message to get only its events, version-checked and
   * validated on receipt.
   */
  subscribe(
    pattern: string | MessageDefinition,
    handler: (n: Notification) => Promise<void> | void,
    opts?: SubscribeOptions,
  ): Promise<Stoppable>;
  close(): Promise<void>;
}
