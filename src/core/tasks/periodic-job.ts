/**
 * Work repeated on an interval (reconcilers, cleanup) by one replica of a service. Every
 * replica runs a PeriodicJob of the same name; they compete for the lease `job:<name>`
 * and the one holding it stays leader, renewing it, while the others keep trying. Only
 * the leader runs the job. When it stops (releasing the lease) or dies (the lease lapses
 * after leaseTtlMs), another replica takes over.
 */
import { silentLogger, type Logger, type ProcessMetrics } from '../observability/index.ts';
import { LeaseLostError } from './errors.ts';
import { taskMetrics, type TaskMetrics } from './metrics.ts';

/** The part of Leases a job needs. */
export interface LeaseHandle {
  readonly owner: string;
  acquire(name: string, ttlMs: number): Promise<boolean>;
  release(name: string): Promise<void>;
}

export interface PeriodicJobOptions {
  readonly leases: LeaseHandle;
  /** Names the job in logs, metrics and its lease. */
  readonly name: string;
  readonly intervalMs: number;
  /** A random 0..jitterMs added to each interval. Default: a tenth of the interval. */
  readonly jitterMs?: number;
  /** How long leadership outlives a leader that stopped renewing. Default 30 s. */
  readonly leaseTtlMs?: number;
  /** One run. Its signal is aborted on stop() or if leadership is lost meanwhile. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  readonly logger?: Logger;
  readonly metrics?: ProcessMetrics;
}

export class JobStoppingError extends Error {
  override readonly name = 'JobStoppingError';
}

export class PeriodicJob {
  readonly name: string;
  private readonly options: PeriodicJobOptions;
  private readonly leaseName: string;
  private readonly jitterMs: number;
  private readonly leaseTtlMs: number;
  private readonly logger: Logger;
  private readonly metrics: TaskMetrics | undefined;
  private status: 'new' | 'started' | 'stopped' = 'new';
  /** Leader until this time (ms since epoch), as of the last successful renewal. */
  private leaderUntil = 0;
  private leadershipTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private current: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(options: PeriodicJobOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
    this.options = options;
    this.name = options.name;
    this.leaseName = `job:${options.name}`;
    this.jitterMs = options.jitterMs ?? options.intervalMs / 10;
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    if (!(this.jitterMs >= 0)) throw new RangeError('jitterMs must not be negative');
    if (!(this.leaseTtlMs > 0)) throw new RangeError('leaseTtlMs must be positive');
    this.logger = (options.logger ?? silentLogger()).child({ job: options.name });
    this.metrics = taskMetrics(options.metrics);
  }

  /** Whether this replica held leadership at its last renewal and it has not lapsed. */
  get isLeader(): boolean {
    return Date.now() < this.leaderUntil;
  }

  start(): void {
    if (this.status !== 'new') throw new Error(`periodic job ${this.name} was already started`);
    this.status = 'started';
    this.leadershipTimer = setInterval(() => this.renewLeadership(), this.leaseTtlMs / 3).unref();
    this.renewLeadership();
    this.scheduleTick();
  }

  /**
   * Stops scheduling, aborts a run in progress and waits for it up to `timeoutMs`
   * (default 10 s), then gives leadership up so another replica takes over at once.
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.status !== 'started') {
      this.status = 'stopped';
      return;
    }
    this.status = 'stopped';
    clearInterval(this.leadershipTimer);
    clearTimeout(this.tickTimer);
    const current = this.current;
    if (current) {
      current.controller.abort(new JobStoppingError(`job ${this.name} is stopping`));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        current.done,
        new Promise((resolve) => (timer = setTimeout(resolve, opts.timeoutMs ?? 10_000))),
      ]);
      clearTimeout(timer);
    }
    await this.renewing;
    if (this.leaderUntil > 0) {
      this.leaderUntil = 0;
      await this.options.leases
        .release(this.leaseName)
        .catch((err: unknown) => this.logger.warn({ err }, 'could not release job lease'));
    }
  }

  private renewLeadership(): void {
    if (this.renewing !== undefined || this.status !== 'started') return;
    const attemptedAt = Date.now();
    this.renewing = this.options.leases
      .acquire(this.leaseName, this.leaseTtlMs)
      .then((held) => {
        const was = this.isLeader;
        this.leaderUntil = held ? attemptedAt + this.leaseTtlMs : 0;
        if (held && !was)
          this.logger.info({ owner: this.options.leases.owner }, 'job leadership taken');
        if (!held && was) this.loseLeadership('another replica took the job over');
      })
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'could not renew job leadership');
        if (!this.isLeader) this.loseLeadership('leadership lapsed: it could not be renewed');
      })
      .finally(() => {
        this.renewing = undefined;
      });
  }

  private loseLeadership(reason: string): void {
    this.logger.info({ reason }, 'job leadership lost');
    this.current?.controller.abort(new LeaseLostError(reason));
  }

  private scheduleTick(): void {
    if (this.status !== 'started') return;
    const delay = this.options.intervalMs + Math.random() * this.jitterMs;
    this.tickTimer = setTimeout(() => this.tick(), delay).unref();
  }

  private tick(): void {
    if (this.status !== 'started') return;
    if (!this.isLeader || this.current !== undefined) {
      this.scheduleTick();
      return;
    }
    const controller = new AbortController();
    const done = this.runOnce(controller.signal).finally(() => {
      this.current = undefined;
      this.scheduleTick();
    });
    this.current = { controller, done };
  }

  private async runOnce(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    try {
      await this.options.run(signal);
      this.metrics?.jobRuns.inc({ job: this.name, outcome: 'succeeded' });
      this.logger.debug({ durationMs: Math.round(performance.now() - started) }, 'job ran');
    } catch (err) {
      this.metrics?.jobRuns.inc({ job: this.name, outcome: 'failed' });
      this.logger.error({ err }, 'job run failed');
    }
  }
}
