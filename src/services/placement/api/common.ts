import { Type } from 'typebox';
import type { ApiCall } from '../../../core/http/index.ts';
import { placementErrors } from '../errors.ts';

/** Placement's maximum microversion: Yoga's 1.39. */
export const PLACEMENT_MAX = '1.39';

/** Whether the call asked for 1.minor or later. */
export const at = (call: ApiCall, minor: number): boolean => (call.microversion?.minor ?? 0) >= minor;

export const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Placement stores UUIDs in their dashed lower-case form. */
export function normalizeUuid(text: string, what = 'uuid'): string {
  if (!UUID_RE.test(text)) throw placementErrors.badRequest(`Malformed ${what}: '${text}' is not a valid UUID.`);
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const ProviderParams = Type.Object({ uuid: Type.String() });

export const CUSTOM_NAME = /^CUSTOM_[A-Z0-9_]+$/;

/** Cache headers Placement adds from 1.15 on GET responses. */
export function cacheHeaders(call: ApiCall, lastModified?: string): void {
  if (!at(call, 15)) return;
  call.reply.header('cache-control', 'no-cache');
  call.reply.header('last-modified', new Date(lastModified ?? Date.now()).toUTCString());
}
