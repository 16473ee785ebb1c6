import { fromDbJson, fromDbTime } from '../db/index.ts';
import type { TaskRow } from './tables.ts';

export const TASK_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Done: nothing will run for it again. */
export const FINISHED_STATES: readonly TaskState[] = ['succeeded', 'failed', 'cancelled'];

/** A task as its handler and the service see it. */
export interface Task<P extends object = object> {
  readonly id: string;
  readonly kind: string;
  readonly resourceId: string;
  readonly state: TaskState;
  readonly payload: P;
  /** The last step its handler recorded with setStep; null before the first. */
  readonly step: string | null;
  /** Runs started so far, this one included. */
  readonly attempts: number;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly notBefore: Date;
  /** Which worker holds it while it runs (`host:pid:random`). */
  readonly leaseOwner: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export function rowToTask<P extends object>(row: TaskRow): Task<P> {
  return {
    id: row.id,
    kind: row.kind,
    resourceId: row.resource_id,
    state: toState(row.state),
    payload: fromDbJson<P>(row.payload),
    step: row.step,
    attempts: Number(row.attempts),
    lastError: row.last_error === null ? null : parseError(row.last_error),
    notBefore: fromDbTime(row.not_before),
    leaseOwner: row.lease_owner,
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
  };
}

function toState(value: string): TaskState {
  if ((TASK_STATES as readonly string[]).includes(value)) return value as TaskState;
  throw new TypeError(`task row has unknown state ${JSON.stringify(value)}`);
}

function parseError(text: string): { code: string; message: string } {
  try {
    const value = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof value.code === 'string' && typeof value.message === 'string') {
      return { code: value.code, message: value.message };
    }
  } catch {
    // Written by hand or by an older version: show it as it is.
  }
  return { code: 'Error', message: text };
}
