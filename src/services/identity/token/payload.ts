// The binary payload sealed inside a token. Every byte here becomes 4/3 of a character in
// every request header, so the layout is packed by hand:
//
//   version(1) flags(1) expiresAt(6) issuedAt(6) methods(1 bitmask)
//   [unknown methods: varint count, texts] userId [scope ids] [appCredId] [accessTokenId]
//   auditId [parentAuditId]
//
// Both times are ms since epoch, big-endian. issuedAt is here, not taken from the Fernet
// timestamp, because that one has whole seconds only and revocation events need to tell a
// token issued just before an event from one issued just after it in the same second.
// flags: bits 0-2 scope kind, bit 3 appCredId present, bit 4 accessTokenId present,
// bit 5 a parent audit id follows; bits 6-7 must be zero (room for the next version).
// Each id is a tag byte then either 16 raw bytes (hex, UUID or 22-char base64url ids) or a
// varint length and UTF-8 text, so any id round-trips to exactly the string it was.
import { randomBytes } from 'node:crypto';
import { InvalidTokenError } from './errors.ts';

export const PAYLOAD_VERSION = 1;

export type TokenScope =
  | { kind: 'unscoped' }
  | { kind: 'project'; projectId: string }
  | { kind: 'domain'; domainId: string }
  | { kind: 'system'; system: 'all' }
  | { kind: 'trust'; projectId: string; trustId: string };

export interface TokenPayload {
  userId: string;
  /**
   * Authentication methods used. Decoding returns them deduplicated, known methods in the
   * order of KNOWN_AUTH_METHODS, then unknown ones in their original order (Keystone also
   * keeps methods as a bitmask and so does not preserve their order).
   */
  methods: string[];
  scope: TokenScope;
  appCredId?: string;
  /** The OAuth1 access token this token was made from. */
  accessTokenId?: string;
  /** Millisecond precision. */
  expiresAt: Date;
  /** Millisecond precision; never after expiresAt. */
  issuedAt: Date;
  /** The token's own audit id, then its parent's when it was rescoped (1 or 2 ids). */
  auditIds: string[];
}

/** Bit i of the methods byte stands for KNOWN_AUTH_METHODS[i]. Append only: never reorder. */
export const KNOWN_AUTH_METHODS = [
  'password',
  'token',
  'application_credential',
  'oauth1',
  'totp',
  'mapped',
  'external',
] as const;
const UNKNOWN_METHODS_BIT = 0x80;

const SCOPE_CODES = { unscoped: 0, project: 1, domain: 2, system: 3, trust: 4 } as const;
const SCOPE_MASK = 0x07;
const FLAG_APP_CRED = 0x08;
const FLAG_ACCESS_TOKEN = 0x10;
const FLAG_PARENT_AUDIT_ID = 0x20;
const RESERVED_FLAGS = 0xc0;

const TIME_LENGTH = 6;
const MAX_TIME_MS = 2 ** (8 * TIME_LENGTH) - 1;

const IdTag = { Text: 0, Hex: 1, Uuid: 2, Base64Url: 3 } as const;
const HEX_ID = /^[0-9a-f]{32}$/;
const UUID_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL_ID = /^[A-Za-z0-9_-]{22}$/;

/** A new audit id: 16 random bytes as 22 characters of unpadded base64url, like Keystone's. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

export function encodePayload(payload: TokenPayload): Buffer {
  const { auditIds } = payload;
  if (auditIds.length < 1 || auditIds.length > 2) {
    throw new RangeError('a token carries its own audit id and at most its parent one');
  }
  const expiresMs = timeMs(payload.expiresAt, 'expiresAt');
  const issuedMs = timeMs(payload.issuedAt, 'issuedAt');
  if (issuedMs > expiresMs) throw new RangeError('issuedAt must not be after expiresAt');

  let flags: number = SCOPE_CODES[payload.scope.kind];
  if (payload.appCredId !== undefined) flags |= FLAG_APP_CRED;
  if (payload.accessTokenId !== undefined) flags |= FLAG_ACCESS_TOKEN;
  if (auditIds.length === 2) flags |= FLAG_PARENT_AUDIT_ID;

  const out = new ByteWriter();
  out.byte(PAYLOAD_VERSION);
  out.byte(flags);
  out.time(expiresMs);
  out.time(issuedMs);
  writeMethods(out, payload.methods);
  writeId(out, payload.userId);
  const { scope } = payload;
  switch (scope.kind) {
    case 'project':
      writeId(out, scope.projectId);
      break;
    case 'domain':
      writeId(out, scope.domainId);
      break;
    case 'trust':
      writeId(out, scope.projectId);
      writeId(out, scope.trustId);
      break;
    case 'unscoped':
    case 'system':
      break;
  }
  if (payload.appCredId !== undefined) writeId(out, payload.appCredId);
  if (payload.accessTokenId !== undefined) writeId(out, payload.accessTokenId);
  for (const auditId of auditIds) writeId(out, auditId);
  return out.toBuffer();
}

/** Throws InvalidTokenError for anything that is not a whole, well-formed payload. */
export function decodePayload(buf: Buffer): TokenPayload {
  const input = new ByteReader(buf);
  const version = input.byte();
  if (version !== PAYLOAD_VERSION) {
    throw new InvalidTokenError('unsupported_version', `payload version ${version}`);
  }
  const flags = input.byte();
  if ((flags & RESERVED_FLAGS) !== 0) throw malformed('reserved flag bits set');
  const expiresMs = input.time();
  const issuedMs = input.time();
  if (issuedMs > expiresMs) throw malformed('issued after it expires');
  const expiresAt = new Date(expiresMs);
  const issuedAt = new Date(issuedMs);
  const methods = readMethods(input);
  const userId = readId(input);

  let scope: TokenScope;
  const scopeCode = flags & SCOPE_MASK;
  switch (scopeCode) {
    case SCOPE_CODES.unscoped:
      scope = { kind: 'unscoped' };
      break;
    case SCOPE_CODES.project:
      scope = { kind: 'project', projectId: readId(input) };
      break;
    case SCOPE_CODES.domain:
      scope = { kind: 'domain', domainId: readId(input) };
      break;
    case SCOPE_CODES.system:
      scope = { kind: 'system', system: 'all' };
      break;
    case SCOPE_CODES.trust: {
      const projectId = readId(input);
      scope = { kind: 'trust', projectId, trustId: readId(input) };
      break;
    }
    default:
      throw malformed(`unknown scope kind ${scopeCode}`);
  }

  const payload: TokenPayload = { userId, methods, scope, expiresAt, issuedAt, auditIds: [] };
  if ((flags & FLAG_APP_CRED) !== 0) payload.appCredId = readId(input);
  if ((flags & FLAG_ACCESS_TOKEN) !== 0) payload.accessTokenId = readId(input);
  payload.auditIds.push(readId(input));
  if ((flags & FLAG_PARENT_AUDIT_ID) !== 0) payload.auditIds.push(readId(input));
  input.end();
  return payload;
}

function writeMethods(out: ByteWriter, methods: readonly string[]): void {
  let mask = 0;
  const unknown: string[] = [];
  for (const method of methods) {
    const bit = (KNOWN_AUTH_METHODS as readonly string[]).indexOf(method);
    if (bit >= 0) mask |= 1 << bit;
    else if (!unknown.includes(method)) unknown.push(method);
  }
  if (unknown.length > 0) mask |= UNKNOWN_METHODS_BIT;
  out.byte(mask);
  if (unknown.length > 0) {
    out.varint(unknown.length);
    for (const method of unknown) out.text(method);
  }
}

function readMethods(input: ByteReader): string[] {
  const mask = input.byte();
  const methods: string[] = KNOWN_AUTH_METHODS.filter((_, bit) => (mask & (1 << bit)) !== 0);
  if ((mask & UNKNOWN_METHODS_BIT) !== 0) {
    const count = input.varint();
    if (count === 0) throw malformed('empty unknown-methods list');
    for (let i = 0; i < count; i += 1) methods.push(input.text());
  }
  return methods;
}

function writeId(out: ByteWriter, id: string): void {
  if (HEX_ID.test(id)) {
    out.byte(IdTag.Hex);
    out.bytes(Buffer.from(id, 'hex'));
  } else if (UUID_ID.test(id)) {
    out.byte(IdTag.Uuid);
    out.bytes(Buffer.from(id.replace(/-/g, ''), 'hex'));
  } else if (BASE64URL_ID.test(id) && Buffer.from(id, 'base64url').toString('base64url') === id) {
    // The second test rejects spellings whose unused low bits are set: they would decode
    // back to a different string.
    out.byte(IdTag.Base64Url);
    out.bytes(Buffer.from(id, 'base64url'));
  } else {
    out.byte(IdTag.Text);
    out.text(id);
  }
}

function readId(input: ByteReader): string {
  const tag = input.byte();
  switch (tag) {
    case IdTag.Hex:
      return input.bytes(16).toString('hex');
    case IdTag.Uuid: {
      const hex = input.bytes(16).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case IdTag.Base64Url:
      return input.bytes(16).toString('base64url');
    case IdTag.Text:
      return input.text();
    default:
      throw malformed(`unknown id tag ${tag}`);
  }
}

/** Encodable as TIME_LENGTH bytes of ms since epoch. */
function timeMs(date: Date, field: string): number {
  const ms = date.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME_MS) {
    throw new RangeError(`${field} must be a valid date after 1970`);
  }
  return ms;
}

function malformed(detail: string): InvalidTokenError {
  return new InvalidTokenError('malformed_payload', detail);
}

class ByteWriter {
  private readonly parts: Buffer[] = [];

  byte(value: number): void {
    this.parts.push(Buffer.of(value));
  }

  bytes(value: Buffer): void {
    this.parts.push(value);
  }

  time(ms: number): void {
    const value = Buffer.alloc(TIME_LENGTH);
    value.writeUIntBE(ms, 0, TIME_LENGTH);
    this.parts.push(value);
  }

  /** Unsigned LEB128. */
  varint(value: number): void {
    const out: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      out.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    out.push(rest);
    this.parts.push(Buffer.from(out));
  }

  text(value: string): void {
    const utf8 = Buffer.from(value, 'utf8');
    this.varint(utf8.length);
    this.parts.push(utf8);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Tokens are capped at 4096 characters, so no honest length needs more than 3 varint bytes. */
const MAX_VARINT_BYTES = 3;

class ByteReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  byte(): number {
    const value = this.buf[this.offset];
    if (value === undefined) throw malformed('truncated');
    this.offset += 1;
    return value;
  }

  bytes(length: number): Buffer {
    if (this.offset + length > this.buf.length) throw malformed('truncated');
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  time(): number {
    return this.bytes(TIME_LENGTH).readUIntBE(0, TIME_LENGTH);
  }

  varint(): number {
    let value = 0;
    for (let i = 0; i < MAX_VARINT_BYTES; i += 1) {
      const b = this.byte();
      value += (b & 0x7f) * 0x80 ** i;
      if ((b & 0x80) === 0) {
        // A trailing zero byte would be a second spelling of a shorter number.
        if (b === 0 && i > 0) throw malformed('non-minimal varint');
        return value;
      }
    }
    throw malformed('varint too long');
  }

  text(): string {
    const raw = this.bytes(this.varint());
    try {
      return utf8Decoder.decode(raw);
    } catch {
      throw malformed('invalid UTF-8');
    }
  }

  end(): void {
    if (this.offset !== this.buf.length) throw malformed('trailing bytes');
  }
}
