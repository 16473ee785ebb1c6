import { ApiError } from '../../../core/errors/index.ts';

/**
 * `expires_at` of application credentials and trusts. Keystone parses it as ISO-8601 (a
 * missing zone is UTC), refuses times in the past, and echoes it back to the microsecond,
 * so the parsed value keeps the microseconds a Date would drop.
 */
export interface Expiry {
  /** The instant, to the millisecond, for comparisons. */
  readonly date: Date;
  /** The stored form (core/db time format): `2026-11-25T04:08:06.123456Z`. */
  readonly stored: string;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export const timestampFormatError = () =>
  new ApiError(
    400,
    'identity.validation_error',
    'Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
  );

export const expiryInPastError = () =>
  new ApiError(
    400,
    'identity.validation_error',
    "The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
  );

/** Parses an ISO-8601 time; undefined when it is not one (or names an impossible date). */
export function parseIsoTime(text: string): Expiry | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offsetMin * 60_000;
  }
  const micros = (frac + '000000').slice(0, 6);
  const date = new Date(ms + Math.floor(Number(micros) / 1000));
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) return undefined;
  return { date, stored: `${iso.slice(0, 19)}.${micros}Z` };
}

/** A requested expiry: null when absent, 400 when malformed or already past. */
export function parseExpiry(value: string | null | undefined, now: Date): Expiry | null {
  if (value === null || value === undefined) return null;
  const parsed = parseIsoTime(value);
  if (!parsed) throw timestampFormatError();
  if (parsed.date.getTime() <= now.getTime()) throw expiryInPastError();
  return parsed;
}
