import { imageErrors } from '../errors.ts';

export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'] as const;
export type ImportMethod = (typeof IMPORT_METHODS)[number];

/** A POST /v2/images/{id}/import body that passed Glance's checks. */
export interface ImportRequest {
  readonly method: ImportMethod;
  /** web-download's source. */
  readonly uri: string | undefined;
  readonly allStores: boolean;
  readonly allStoresMustSucceed: boolean;
  /** `stores` as given, or undefined. */
  readonly stores: readonly string[] | undefined;
  /** The body as received, kept in the task's input (Glance's `import_req`). */
  readonly body: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Glance's RequestDeserializer._validate_import_body: a method with a name among the enabled
 * import methods, and boolean all_stores / all_stores_must_succeed. Methods Glance knows but
 * this cloud does not run (glance-download) are unknown here as they are in a Glance whose
 * enabled_import_methods leaves them out.
 */
export function parseImportRequest(
  body: unknown,
  enabledMethods: readonly string[],
): ImportRequest {
  if (!isRecord(body)) throw imageErrors.badRequest("Import request requires a 'method' field.");
  const method = body.method;
  if (!isRecord(method)) throw imageErrors.badRequest("Import request requires a 'method' field.");
  const name = method.name;
  if (name === undefined) throw imageErrors.badRequest("Import request requires a 'name' field.");
  if (
    typeof name !== 'string' ||
    !enabledMethods.includes(name) ||
    !(IMPORT_METHODS as readonly string[]).includes(name)
  ) {
    throw imageErrors.badRequest(`Unknown import method name '${String(name)}'.`);
  }
  const mustSucceed = body.all_stores_must_succeed ?? true;
  if (typeof mustSucceed !== 'boolean')
    throw imageErrors.badRequest("'all_stores_must_succeed' must be boolean value only");
  const allStores = body.all_stores ?? false;
  if (typeof allStores !== 'boolean')
    throw imageErrors.badRequest("'all_stores' must be boolean value only");
  let stores: string[] | undefined;
  if (body.stores !== undefined) {
    if (
      !Array.isArray(body.stores) ||
      !body.stores.every((s): s is string => typeof s === 'string')
    ) {
      throw imageErrors.badRequest("'stores' must be a list of store identifiers");
    }
    if (body.stores.length === 0)
      throw imageErrors.badRequest("'stores' must name at least one store");
    stores = body.stores;
  }
  const uri = method.uri;
  return {
    method: name as ImportMethod,
    uri: typeof uri === 'string' ? uri : undefined,
    allStores,
    allStoresMustSucceed: mustSucceed,
    stores,
    body,
  };
}

/**
 * The stores an import writes to (Glance's get_stores_from_request): every enabled store with
 * all_stores, the `stores` list, the x-image-meta-store header, or the default store. An
 * unknown store is a conflict, as Glance's import answers it.
 */
export function importStores(
  req: ImportRequest,
  headerStore: string | undefined,
  enabled: readonly string[],
): string[] {
  let stores: string[];
  if (req.allStores) {
    if (req.stores !== undefined || headerStore !== undefined) {
      throw imageErrors.badRequest(
        "All_stores parameter can't be used with x-image-meta-store header or stores parameter",
      );
    }
    stores = [...enabled];
  } else if (req.stores !== undefined) {
    if (headerStore !== undefined)
      throw imageErrors.badRequest(
        "Stores parameter and x-image-meta-store header can't be both specified",
      );
    stores = [...new Set(req.stores)];
  } else {
    stores = [headerStore ?? enabled[0]!];
  }
  for (const s of stores)
    if (!enabled.includes(s)) throw imageErrors.conflict(`Unknown scheme '${s}' found in URI`);
  return stores;
}
