import { randomUUID } from 'node:crypto';
import { imageErrors } from '../errors.ts';
import { RESERVED_NAMESPACE } from '../image-patch.ts';
import type { Visibility } from '../image-model.ts';
import type { NewImage } from '../store/images.ts';

/** Attributes a create body may never carry (Glance: RequestDeserializer._disallowed_properties). */
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];
/** Attributes that are the image's own, not additional properties (RequestDeserializer._base_properties). */
const BASE = ['checksum', 'created_at', 'container_format', 'disk_format', 'id', 'min_disk', 'min_ram', 'name', 'size', 'virtual_size', 'status', 'tags', 'owner', 'updated_at', 'visibility', 'protected', 'os_hidden', 'os_hash_algo', 'os_hash_value'];
/** Set by the service, never by the client (ImageFactory._readonly_properties). */
const READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size'];
/** Additional properties that may not be set (deserializer and ImageFactory reserved names). */
const RESERVED = ['location', 'deleted', 'deleted_at', 'owner', 'locations', 'direct_url', 'self', 'file', 'schema'];

/**
 * Reads a POST /v2/images body in Glance's order: disallowed attributes (403), the image
 * schema (400), property names (400/403), read-only attributes (403), domain checks (400).
 * The owner is left unset when the body names none.
 */
export function parseCreateBody(body: unknown, validate: (value: unknown) => void): NewImage & { ownerGiven: boolean } {
  if (body === undefined) throw imageErrors.badRequest('Body expected in request.');
  // Glance's image schema declares no top-level type, so the validator alone would let
  // null, a number or a string through to be read as an attribute list.
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw imageErrors.schemaMismatch('image', `${pythonRepr(body)} is not of type 'object'`);
  }
  for (const key of DISALLOWED) if (Object.hasOwn(body, key)) throw imageErrors.readOnly(key);
  validate(body);
  const input = body as Record<string, unknown>;
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    if (BASE.includes(key)) continue;
    if (key.length > 255) throw imageErrors.badRequest('Custom property should not be greater than 255 characters.');
    if (RESERVED.includes(key) || key.startsWith(RESERVED_NAMESPACE)) throw imageErrors.reserved(key);
    properties[key] = value === null ? '' : String(value);
  }
  for (const key of READ_ONLY) if (Object.hasOwn(input, key)) throw imageErrors.readOnly(key);
  for (const key of ['min_disk', 'min_ram'] as const) {
    const v = input[key];
    if (typeof v === 'number' && v < 0) throw imageErrors.badRequest(`Invalid value '${v}' for parameter '${key}': Cannot be a negative value.`);
  }
  const ownerGiven = Object.hasOwn(input, 'owner');
  return {
    id: typeof input.id === 'string' ? input.id : randomUUID(),
    name: (input.name as string | null | undefined) ?? null,
    visibility: (input.visibility as Visibility | undefined) ?? 'shared',
    protected: (input.protected as boolean | undefined) ?? false,
    osHidden: (input.os_hidden as boolean | undefined) ?? false,
    owner: ownerGiven ? ((input.owner as string | null) ?? null) : null,
    diskFormat: (input.disk_format as string | null | undefined) ?? null,
    containerFormat: (input.container_format as string | null | undefined) ?? null,
    minDisk: (input.min_disk as number | undefined) ?? 0,
    minRam: (input.min_ram as number | undefined) ?? 0,
    properties,
    tags: [...new Set((input.tags as string[] | undefined) ?? [])],
    ownerGiven,
  };
}

function pythonRepr(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value);
}
