import { Counter, Histogram, type Registry } from 'prom-client';
import type { ProcessMetrics } from '../observability/index.ts';

/**
 * Metrics of task queues and periodic jobs. Every queue and job in a process shares one
 * set per registry (prom-client refuses a name registered twice), told apart by labels.
 */
export interface TaskMetrics {
  /** Transitions into a state (queued counts enqueue calls, also ones later rolled back). */
  readonly transitions: Counter<'service' | 'kind' | 'state'>;
  /** Handler run time by outcome: succeeded, retry, failed, interrupted, lost. */
  readonly duration: Histogram<'service' | 'kind' | 'outcome'>;
  /** Periodic job runs by outcome: succeeded, failed. */
  readonly jobRuns: Counter<'job' | 'outcome'>;
}

const TRANSITIONS = 'strata_tasks_total';
const DURATION = 'strata_task_duration_seconds';
const JOB_RUNS = 'strata_periodic_job_runs_total';

export function taskMetrics(metrics: ProcessMetrics | undefined): TaskMetrics | undefined {
  if (metrics === undefined) return undefined;
  const registry = metrics.registry;
  return {
    transitions:
      existing(registry, TRANSITIONS) ??
      new Counter({
        name: TRANSITIONS,
        help: 'Tasks entering a state, by service, kind and state.',
        labelNames: ['service', 'kind', 'state'] as const,
        registers: [registry],
      }),
    duration:
      existing(registry, DURATION) ??
      new Histogram({
        name: DURATION,
        help: 'Time a task handler ran, by service, kind and outcome.',
        labelNames: ['service', 'kind', 'outcome'] as const,
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
        registers: [registry],
      }),
    jobRuns:
      existing(registry, JOB_RUNS) ??
      new Counter({
        name: JOB_RUNS,
        help: 'Periodic job runs on this replica, by job and outcome.',
        labelNames: ['job', 'outcome'] as const,
        registers: [registry],
      }),
  };
}

function existing<M>(registry: Registry, name: string): M | undefined {
  return registry.getSingleMetric(name) as M | undefined;
}
