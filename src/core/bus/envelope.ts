/**
 * What travels in a message body. Field names are snake_case like the rest of what
 * strata puts on a wire; the format is versioned by the messages, not here.
 */
import type { BusFailure } from './errors.ts';

export interface RpcEnvelope {
  readonly message: string;
  readonly version: string;
  readonly payload: unknown;
  readonly publisher: string;
  readonly sent_at: string;
}

export type ReplyEnvelope =
  | { readonly ok: true; readonly reply: unknown }
  | { readonly ok: false; readonly error: BusFailure };

export interface NotificationEnvelope {
  readonly event_type: string;
  readonly version: string;
  readonly payload: unknown;
  readonly publisher: string;
  readonly timestamp: string;
}

function parseObject(body: string): Record<string, unknown> {
  const value: unknown = JSON.parse(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

const isString = (v: unknown): v is string => typeof v === 'string';

export function parseRpcEnvelope(body: string): RpcEnvelope {
  const o = parseObject(body);
  if (!isString(o.message) || !isString(o.version) || !('payload' in o)) {
    throw new Error('not an RPC envelope (message, version and payload expected)');
  }
  return {
    message: o.message,
    version: o.version,
    payload: o.payload,
    publisher: isString(o.publisher) ? o.publisher : '',
    sent_at: isString(o.sent_at) ? o.sent_at : '',
  };
}

export function parseReplyEnvelope(body: string): ReplyEnvelope {
  const o = parseObject(body);
  if (o.ok === true) return { ok: true, reply: o.reply ?? null };
  const e = (o.error ?? {}) as Record<string, unknown>;
  return {
    ok: false,
    error: {
      code: isString(e.code) ? e.code : 'bus.handler_failed',
      message: isString(e.message) ? e.message : 'the server failed without saying why',
      retryable: e.retryable === true,
    },
  };
}

export function parseNotificationEnvelope(body: string): NotificationEnvelope {
  const o = parseObject(body);
  if (!isString(o.event_type) || !isString(o.version) || !('payload' in o)) {
    throw new Error('not a notification (event_type, version and payload expected)');
  }
  return {
    event_type: o.event_type,
    version: o.version,
    payload: o.payload,
    publisher: isString(o.publisher) ? o.publisher : '',
    timestamp: isString(o.timestamp) ? o.timestamp : '',
  };
}

/** The value as the receiver will see it after JSON (undefined becomes null). */
export function jsonCopy(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
