/**
 * One AMQP connection that stays up: opened in the background, re-opened with exponential
 * backoff (each broker of the URL in turn) when it drops, with the owner's `setup` run on
 * every new connection before anyone may use it.
 */
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Options,
} from 'amqplib';
import type { Logger } from '../observability/index.ts';
import { retryDelayMs, type RetryPolicy } from '../tasks/backoff.ts';
import type { BrokerAddress } from './amqp-url.ts';
import { BusError, BusErrorCode } from './errors.ts';

/** A live connection with its two channels. */
export interface Link {
  readonly model: ChannelModel;
  /** Publishes wait for the broker's confirm here. */
  readonly publish: ConfirmChannel;
  readonly consume: Channel;
  /** Queues and exchanges asserted on this connection. */
  readonly declared: Set<string>;
}

export interface AmqpConnectionOptions {
  readonly brokers: readonly BrokerAddress[];
  /** Seconds; 0 disables. */
  readonly heartbeat: number;
  /** basic.qos per consumer on the consuming channel. */
  readonly prefetch: number;
  readonly reconnect: RetryPolicy;
  readonly connectionName: string;
  readonly logger: Logger;
  /** Runs on each new connection before it is handed out (declare consumers again). */
  readonly setup: (link: Link) => Promise<void>;
  /** Called when a connection that was up drops. */
  readonly onLost: () => void;
}

class Gate {
  promise!: Promise<void>;
  open = false;
  private release!: () => void;
  constructor() {
    this.reset();
  }
  reset(): void {
    this.open = false;
    this.promise = new Promise((r) => (this.release = r));
  }
  pass(): void {
    this.open = true;
    this.release();
  }
}

export class AmqpConnection {
  private current?: Link;
  private readonly ready = new Gate();
  private connecting?: Promise<void>;
  private attempts = 0;
  private connects = 0;
  private closed = false;
  private wakeSleeper?: () => void;

  constructor(private readonly opts: AmqpConnectionOptions) {
    if (opts.brokers.length === 0) throw new Error('no broker to connect to');
  }

  start(): void {
    if (this.connecting || this.closed) return;
    this.connecting = this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
  }

  /** The live connection, if any. */
  get link(): Link | undefined {
    return this.current;
  }

  /** Successful connections so far: 1 after the first, one more per recovery. */
  get count(): number {
    return this.connects;
  }

  /** The connection once it is up; `bus.unavailable` (retryable) at the deadline or when closed. */
  async whenReady(deadline: number): Promise<Link> {
    for (;;) {
      if (this.closed) {
        throw new BusError(BusErrorCode.unavailable, 'the bus is closed', { retryable: true });
      }
      if (this.ready.open && this.current) return this.current;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new BusError(BusErrorCode.unavailable, 'the message broker is unreachable', {
          retryable: true,
        });
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.ready.promise,
        new Promise<void>((r) => (timer = setTimeout(r, Math.min(left, 2_147_483_647)))),
      ]);
      clearTimeout(timer);
    }
  }

  /** Cuts the TCP connection without a goodbye, as a network failure would (tests). */
  drop(): void {
    const socket = (
      this.current?.model.connection as unknown as
        { stream?: { destroy(err?: Error): void } } | undefined
    )?.stream;
    socket?.destroy(new Error('connection dropped (simulated network failure)'));
  }

  /** Stops reconnecting; with `graceful`, waits for confirms and says goodbye to the broker. */
  async close(graceful = true): Promise<void> {
    this.closed = true;
    this.wakeSleeper?.();
    this.ready.pass(); // wake the waiters: they see `closed`
    const link = this.current;
    if (!graceful) {
      this.drop();
      return;
    }
    this.current = undefined;
    if (link) {
      await link.publish.waitForConfirms().catch(() => undefined);
      await link.model.close().catch(() => undefined);
    }
    await this.connecting?.catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    const log = this.opts.logger;
    while (!this.closed) {
      const broker = this.opts.brokers[this.attempts % this.opts.brokers.length]!;
      try {
        await this.establish(broker);
        if (this.attempts > 0) {
          log.info(
            { broker: broker.hostname, attempts: this.attempts },
            'bus: reconnected to the broker',
          );
        }
        this.attempts = 0;
        return;
      } catch (err) {
        this.attempts++;
        const delay = retryDelayMs(this.attempts, this.opts.reconnect);
        log.warn(
          { err: String(err), broker: broker.hostname, attempt: this.attempts, delayMs: delay },
          'bus: cannot reach the broker; trying again',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeSleeper = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeSleeper = undefined;
      }
    }
  }

  private async establish(broker: BrokerAddress): Promise<void> {
    const log = this.opts.logger;
    const connectOptions: Options.Connect = {
      protocol: 'amqp',
      hostname: broker.hostname,
      port: broker.port,
      username: broker.username,
      password: broker.password,
      vhost: broker.vhost,
      heartbeat: this.opts.heartbeat,
    };
    const model = await connect(connectOptions, {
      clientProperties: { connection_name: this.opts.connectionName },
      timeout: 10_000,
    });
    model.on('error', (err: Error) =>
      log.warn({ err: err.message }, 'bus: broker connection error'),
    );
    model.on('close', () => this.onClosed(model));
    try {
      const publish = await model.createConfirmChannel();
      const consume = await model.createChannel();
      for (const ch of [publish, consume]) {
        ch.on('error', (err: Error) => log.warn({ err: err.message }, 'bus: channel error'));
        // a channel closed under a live connection (a refused declaration) takes the
        // connection down with it: everything is set up again from scratch
        ch.on('close', () => {
          if (this.current?.model === model) model.close().catch(() => undefined);
        });
      }
      await consume.prefetch(this.opts.prefetch, false);
      const link: Link = { model, publish, consume, declared: new Set() };
      this.current = link;
      await this.opts.setup(link);
      if (this.current !== link) throw new Error('the connection closed while being set up');
      this.connects++;
      this.ready.pass();
    } catch (err) {
      if (this.current?.model === model) this.current = undefined;
      await model.close().catch(() => undefined);
      throw err;
    }
  }

  private onClosed(model: ChannelModel): void {
    if (this.current?.model !== model) return;
    this.current = undefined;
    if (this.closed) return;
    const wasReady = this.ready.open;
    if (wasReady) this.ready.reset();
    this.opts.logger.warn('bus: lost the broker connection; reconnecting');
    if (wasReady) this.opts.onLost();
    this.start();
  }
}
