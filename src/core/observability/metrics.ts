import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metrics of one process. Every HTTP listener in the process serves the same registry
 * at /metrics, so an all-in-one process and a single-service pod expose the same names.
 */
export interface ProcessMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'service' | 'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'service' | 'method' | 'route' | 'status'>;
  /** Registers a callback that reports a database pool's connections at scrape time. */
  watchDbPool(service: string, stats: () => { size: number; idle: number; waiting: number }): void;
}

export function createProcessMetrics(opts: { defaultMetrics?: boolean } = {}): ProcessMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'strata_' });
  const httpRequests = new Counter({
    name: 'strata_http_requests_total',
    help: 'HTTP requests answered, by service, method, route template and status code.',
    labelNames: ['service', 'method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'strata_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route template and status.',
    labelNames: ['service', 'method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const pools = new Map<string, () => { size: number; idle: number; waiting: number }>();
  new Gauge({
    name: 'strata_db_pool_connections',
    help: 'Database pool connections by service and state (open, idle, waiting requests).',
    labelNames: ['service', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [service, stats] of pools) {
        const s = stats();
        this.set({ service, state: 'open' }, s.size);
        this.set({ service, state: 'idle' }, s.idle);
        this.set({ service, state: 'waiting' }, s.waiting);
      }
    },
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    watchDbPool(service, stats) {
      pools.set(service, stats);
    },
  };
}
