/**
 * Declared bus messages. Every RPC method and notification is a value with a name, a
 * `MAJOR.MINOR` version and a TypeBox schema; payloads are checked against the schema when
 * sent and again when received. Changes are additive: a new optional field is a minor
 * bump, anything else a major one (schema-pins.ts makes a test fail otherwise).
 */
import { Type, type Static, type TSchema, type TUnknown } from 'typebox';
import { isApiError } from '../errors/index.ts';
import { compileValidator } from '../http/validation.ts';
import { BusError, BusErrorCode } from './errors.ts';

export interface MessageVersion {
  readonly major: number;
  readonly minor: number;
}

export interface MessageDefinition<
  S extends TSchema = TSchema,
  R extends TSchema = TSchema,
> extends MessageVersion {
  readonly name: string;
  /** `MAJOR.MINOR`, e.g. `1.3`. */
  readonly version: string;
  readonly schema: S;
  /** Schema of a call's reply; a call of a message without one replies with anything. */
  readonly reply: R;
}

export type PayloadOf<M> = M extends MessageDefinition<infer S, TSchema> ? Static<S> : never;
export type ReplyOf<M> = M extends MessageDefinition<TSchema, infer R> ? Static<R> : never;

const NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_*-]+)*$/i;
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function parseVersion(version: string): MessageVersion {
  const m = VERSION.exec(version);
  if (!m) throw new Error(`message version must be MAJOR.MINOR, got '${version}'`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function defineMessage<S extends TSchema, R extends TSchema = TUnknown>(spec: {
  name: string;
  version: string;
  schema: S;
  reply?: R;
}): MessageDefinition<S, R> {
  if (!NAME.test(spec.name) || spec.name.includes('*')) {
    throw new Error(
      `invalid message name '${spec.name}': dotted words of letters, digits, _ and -`,
    );
  }
  const { major, minor } = parseVersion(spec.version);
  return Object.freeze({
    name: spec.name,
    version: spec.version,
    major,
    minor,
    schema: spec.schema,
    reply: (spec.reply ?? Type.Unknown()) as R,
  });
}

/**
 * Whether a receiver built against `receiver` can take a message sent as `sent`: same
 * major, and the receiver knows at least the sender's minor (a newer sender may fill
 * fields the older receiver would not understand).
 */
export function accepts(receiver: MessageVersion, sent: MessageVersion): boolean {
  return receiver.major === sent.major && receiver.minor >= sent.minor;
}

/** Checks a payload (or a call's reply) against its declared schema; names the bad field. */
export function checkPayload(
  message: MessageDefinition,
  value: unknown,
  part: 'payload' | 'reply',
): void {
  const schema = part === 'payload' ? message.schema : message.reply;
  try {
    // strict like a JSON body; `where` only names the root in the message
    compileValidator(schema, 'body')(value, part as 'body');
  } catch (err) {
    if (!isApiError(err)) throw err;
    throw new BusError(
      BusErrorCode.invalidPayload,
      `${message.name} ${message.version} ${part}: ${err.message}`,
    );
  }
}
