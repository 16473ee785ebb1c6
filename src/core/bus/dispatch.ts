/**
 * The receiving side of the bus: what happens to a delivery between the broker and a
 * handler (version check, payload check, the handler, the reply or the retry decision).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/index.ts';
import { retryDelayMs, type RetryPolicy } from '../tasks/backoff.ts';
import type { Handler, Notification, ServerTarget } from './bus.ts';
import { jsonCopy, parseNotificationEnvelope, parseRpcEnvelope } from './envelope.ts';
import { BusError, BusErrorCode, toBusFailure, type BusFailure } from './errors.ts';
import { accepts, checkPayload, parseVersion, type MessageDefinition } from './message.ts';
import type { Delivery, Transport } from './transport.ts';

export interface DispatcherDeps {
  readonly transport: Transport;
  readonly log: Logger;
  /** Delays before a retryable failure is delivered again. */
  readonly redelivery: RetryPolicy;
  /** How long sending a reply may wait for the broker. */
  readonly replyTimeoutMs: number;
  /** True once the bus is closing: failures are then handed back at once. */
  readonly closing: () => boolean;
}

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async rpc(target: ServerTarget, handlers: Map<string, Handler>, d: Delivery): Promise<void> {
    let outcome: { ok: true; reply: unknown } | { ok: false; error: BusFailure };
    let name = '?';
    try {
      const envelope = parseRpcEnvelope(d.body);
      name = envelope.message;
      const handler = handlers.get(envelope.message);
      if (!handler) {
        throw new BusError(
          BusErrorCode.unknownMessage,
          `${target.server} serves topic ${target.topic} but has no handler for ${envelope.message}`,
        );
      }
      checkVersion(handler.message, envelope.version);
      checkPayload(handler.message, envelope.payload, 'payload');
      const reply = jsonCopy(
        (await handler.run(envelope.payload, {
          redelivered: d.redelivered,
          messageId: d.messageId,
          sentVersion: envelope.version,
        })) ?? null,
      );
      if (d.replyTo !== undefined) checkPayload(handler.message, reply, 'reply');
      outcome = { ok: true, reply };
    } catch (err) {
      outcome = { ok: false, error: toBusFailure(err) };
    }
    if (d.replyTo !== undefined) {
      // a call: the outcome, failure included, is the answer; the caller decides on retries
      if (d.correlationId !== undefined) {
        await this.deps.transport
          .send(
            { kind: 'reply', queue: d.replyTo },
            {
              body: JSON.stringify(outcome),
              messageId: randomUUID(),
              correlationId: d.correlationId,
            },
            Date.now() + this.deps.replyTimeoutMs,
          )
          .catch((err: unknown) =>
            this.deps.log.warn({ err, message: name }, 'bus: reply not sent'),
          );
      }
      d.ack();
      return;
    }
    if (!outcome.ok)
      await this.settleFailure(
        d,
        `cast ${name} to ${target.topic}.${target.server}`,
        outcome.error,
      );
    else d.ack();
  }

  async notification(
    message: MessageDefinition | undefined,
    handler: (n: Notification) => Promise<void> | void,
    d: Delivery,
  ): Promise<void> {
    let eventType = '?';
    try {
      const envelope = parseNotificationEnvelope(d.body);
      eventType = envelope.event_type;
      if (message) {
        checkVersion(message, envelope.version);
        checkPayload(message, envelope.payload, 'payload');
      }
      await handler({
        eventType: envelope.event_type,
        version: envelope.version,
        payload: envelope.payload,
        messageId: d.messageId,
        publisher: envelope.publisher,
        timestamp: envelope.timestamp,
        redelivered: d.redelivered,
      });
      d.ack();
    } catch (err) {
      await this.settleFailure(d, `notification ${eventType}`, toBusFailure(err));
    }
  }

  /**
   * Nobody is waiting for a cast or a notification: a retryable failure is delivered again
   * after a growing delay (up to the queue's delivery limit), anything else is logged and
   * dropped, since delivering it again would fail the same way.
   */
  private async settleFailure(d: Delivery, what: string, failure: BusFailure): Promise<void> {
    if (failure.retryable && !this.deps.closing()) {
      this.deps.log.warn(
        { failure, attempt: d.deliveryCount },
        `bus: ${what} failed; delivering it again`,
      );
      await sleep(retryDelayMs(d.deliveryCount, this.deps.redelivery));
      d.requeue();
      return;
    }
    this.deps.log.error({ failure }, `bus: ${what} failed and is dropped`);
    d.ack();
  }
}

function checkVersion(receiver: MessageDefinition, sentVersion: string): void {
  let sent;
  try {
    sent = parseVersion(sentVersion);
  } catch {
    throw new BusError(
      BusErrorCode.versionMismatch,
      `${receiver.name}: unreadable version '${sentVersion}'`,
    );
  }
  if (!accepts(receiver, sent)) {
    throw new BusError(
      BusErrorCode.versionMismatch,
      `${receiver.name} ${sentVersion} cannot be taken by a receiver at ${receiver.version} (same major and a minor up to ${receiver.version} only)`,
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
