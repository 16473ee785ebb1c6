/**
 * How a failure crosses the bus: DESIGN.md's `{ code, message, retryable }`. A handler may
 * throw anything; its caller receives a BusError carrying the handler's code (an ApiError's
 * or TaskError's `code`, else the error's class name), message and retry decision.
 */
import { toTaskFailure } from '../tasks/errors.ts';

export interface BusFailure {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** Codes the bus itself raises; a handler's own codes pass through unchanged. */
export const BusErrorCode = {
  /** No reply within the call's timeout (the server may still run it). */
  timeout: 'bus.timeout',
  /** The broker connection dropped while the call waited; the call may or may not have run. */
  connectionLost: 'bus.connection_lost',
  /** The bus is closed, or was never connected before the deadline. */
  unavailable: 'bus.unavailable',
  /** The payload (or reply) does not match the message's schema. */
  invalidPayload: 'bus.invalid_payload',
  /** The receiver cannot accept the sender's version of the message. */
  versionMismatch: 'bus.version_mismatch',
  /** The server serves the topic but has no handler for the message. */
  unknownMessage: 'bus.unknown_message',
  /** The broker refused a declaration or publish (access, a queue declared otherwise elsewhere). */
  brokerRefused: 'bus.broker_refused',
  /** The handler threw something that is not an Error. */
  handlerFailed: 'bus.handler_failed',
} as const;

export class BusError extends Error implements BusFailure {
  override readonly name = 'BusError';
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }

  static from(failure: BusFailure): BusError {
    return new BusError(failure.code, failure.message, { retryable: failure.retryable });
  }
}

export function isBusError(err: unknown): err is BusError {
  return err instanceof BusError;
}

/** Reads the transportable failure from whatever a handler threw. */
export function toBusFailure(err: unknown): BusFailure {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) {
    return { code: BusErrorCode.handlerFailed, message: String(err), retryable: false };
  }
  return toTaskFailure(err);
}
