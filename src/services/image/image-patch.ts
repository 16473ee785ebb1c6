import { imageErrors } from './errors.ts';

/**
 * Glance's PATCH body: a JSON-patch-like list of changes, in two dialects chosen by the
 * content type. v2.1 (`application/openstack-images-v2.1-json-patch`, JSON Schema draft 10)
 * writes `{"op": "replace", "path": "/name", "value": ...}`; v2.0 (draft 4) writes
 * `{"replace": "/name", "value": ...}`, and there `add` on an existing property conflicts.
 */
export const PATCH_CONTENT_TYPES: Readonly<Record<string, 4 | 10>> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

export type PatchOp = 'add' | 'remove' | 'replace';

export interface PatchChange {
  readonly op: PatchOp;
  /** The decoded JSON pointer: ['name'], or ['locations', '0']. */
  readonly path: readonly string[];
  readonly value?: unknown;
  readonly draft: 4 | 10;
}

const OPS: readonly PatchOp[] = ['add', 'remove', 'replace'];
const READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
export const RESERVED_NAMESPACE = 'os_glance';
/** How deep a path may go per root and operation; everything else is one level. */
const PATH_DEPTH: Readonly<Record<string, Partial<Record<PatchOp, number>>>> = { locations: { add: 2, remove: 2, replace: 1 } };

/** Rejects the attributes no client may write: read-only ones, reserved ones, the os_glance_ namespace. */
export function checkWritable(attr: string): void {
  if (READ_ONLY.includes(attr)) throw imageErrors.readOnly(attr);
  if (RESERVED.includes(attr) || attr.startsWith(RESERVED_NAMESPACE)) throw imageErrors.reserved(attr);
}

/** The dialect of a PATCH content type, or a 415 naming the accepted ones. */
export function patchDraft(contentType: string | undefined): 4 | 10 {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const draft = PATCH_CONTENT_TYPES[type];
  if (draft === undefined) {
    throw imageErrors.unsupportedMediaType('The server could not comply with the request since it is either malformed or otherwise incorrect.', {
      'Accept-Patch': Object.keys(PATCH_CONTENT_TYPES).sort().join(', '),
    });
  }
  return draft;
}

function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw imageErrors.badRequest(`Pointer \`${String(pointer)}\` does not start with "/".`);
  if (!pointer.startsWith('/')) throw imageErrors.badRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw imageErrors.badRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw imageErrors.badRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw imageErrors.badRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) {
    throw imageErrors.badRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  }
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

function operationOf(raw: Record<string, unknown>, draft: 4 | 10): { op: PatchOp; pointer: unknown } {
  if (draft === 10) {
    const op = raw.op;
    if (op === undefined) throw imageErrors.badRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`);
    if (!OPS.includes(op as PatchOp)) {
      throw imageErrors.badRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${OPS.join(', ')}.`);
    }
    if (!Object.hasOwn(raw, 'path')) throw imageErrors.badRequest("Unable to find 'path' in JSON Schema change");
    return { op: op as PatchOp, pointer: raw.path };
  }
  const present = OPS.filter((o) => Object.hasOwn(raw, o));
  if (present.length > 1) throw imageErrors.badRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  if (present.length === 0) throw imageErrors.badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  return { op: present[0]!, pointer: raw[present[0]!] };
}

/**
 * Parses and checks a PATCH body the way Glance's deserializer does: shape, pointers, path
 * depth, writable attributes, and each value against the image schema (`validate` gets the
 * partial image `{attr: value}` and throws on a mismatch).
 */
export function parseImagePatch(body: unknown, draft: 4 | 10, validate: (partial: Record<string, unknown>) => void): PatchChange[] {
  if (body === undefined) throw imageErrors.badRequest('Body expected in request.');
  if (!Array.isArray(body)) throw imageErrors.badRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw imageErrors.badRequest('Operations must be JSON objects.');
    const record = raw as Record<string, unknown>;
    const { op, pointer } = operationOf(record, draft);
    const path = decodePointer(pointer);
    const root = path[0]!;
    if (path.length !== (PATH_DEPTH[root]?.[op] ?? 1)) throw imageErrors.badRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    if (op !== 'remove' && !Object.hasOwn(record, 'value')) throw imageErrors.badRequest(`Operation "${op}" requires a member named "value".`);
    const change: PatchChange = op === 'remove' ? { op, path, draft } : { op, path, value: record.value, draft };
    checkWritable(root);
    if (op !== 'remove') {
      if (path.length === 1) validate({ [root]: change.value });
      else if (root === 'locations') validate({ [root]: [change.value] });
    }
    return change;
  });
}
