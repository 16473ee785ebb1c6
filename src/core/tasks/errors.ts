/**
 * How failures travel through a task: DESIGN.md's `{ code, message, retryable }`. A handler
 * throws anything; an error carrying `retryable: true` (TaskError, a driver's
 * RetryableDriverError, a 503 ApiError) is retried with backoff, anything else fails the
 * task at once.
 */

export interface TaskFailure {
  /** Stable machine-readable code: the error's `code`, else its class name. */
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** A handler's failure with an explicit code and retry decision. */
export class TaskError extends Error {
  override readonly name = 'TaskError';
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

/**
 * The task is no longer this worker's: its lease expired and another worker took it, or
 * it was deleted. The handler's signal is aborted with this; nothing it does afterwards
 * is recorded.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** The task was cancelled while it ran; the handler's signal is aborted with this. */
export class TaskCancelledError extends Error {
  override readonly name = 'TaskCancelledError';
}

/**
 * The queue is stopping; the handler's signal is aborted with this. A handler that then
 * throws has its task handed back (queued again from its step, the attempt not counted).
 */
export class QueueStoppingError extends Error {
  override readonly name = 'QueueStoppingError';
}

const MAX_MESSAGE_LENGTH = 2_000;

/** Reads a failure from whatever a handler threw. */
export function toTaskFailure(err: unknown): TaskFailure {
  if (typeof err === 'object' && err !== null) {
    const fields = err as {
      code?: unknown;
      message?: unknown;
      retryable?: unknown;
      name?: unknown;
    };
    const message = typeof fields.message === 'string' ? fields.message : String(err);
    const code =
      typeof fields.code === 'string' && fields.code !== ''
        ? fields.code
        : typeof fields.name === 'string' && fields.name !== ''
          ? fields.name
          : 'Error';
    return { code, message: clip(message), retryable: fields.retryable === true };
  }
  return { code: 'Error', message: clip(String(err)), retryable: false };
}

function clip(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH
    ? `${message.slice(0, MAX_MESSAGE_LENGTH)}...`
    : message;
}
