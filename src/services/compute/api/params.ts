import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import { ApiError, badRequest } from '../../../core/errors/index.ts';
import {
  nextPageUrl,
  parsePageQuery,
  type ApiCall,
  type RouteSchemas,
  type RouteSpec,
} from '../../../core/http/index.ts';
import { computeErrors } from '../errors.ts';

/** Nova's parameter_types.boolean: JSON booleans and the spellings oslo's strutils accepts. */
const TRUE_WORDS = ['True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'];
const FALSE_WORDS = ['False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'];
export const NovaBoolean = Type.Union([
  Type.Boolean(),
  Type.String({ enum: [...TRUE_WORDS, ...FALSE_WORDS] }),
]);
export const novaBool = (v: boolean | string): boolean =>
  typeof v === 'boolean' ? v : TRUE_WORDS.includes(v);

/** parameter_types.name: 1-255 printable characters, no leading or trailing white space. */
export const Name = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^(?![\\s])[^\\x00-\\x1f\\x7f]*(?<![\\s])$',
});
/** parameter_types.description: up to 65535 printable characters, or null. */
export const Description = Type.Union([
  Type.String({ maxLength: 65535, pattern: '^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$' }),
  Type.Null(),
]);

/** A query parameter as one string: the last of repeated ones, as webob's params.get does. */
export function queryValue(call: Pick<ApiCall, 'query'>, name: string): string | undefined {
  const v = (call.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? String(v[v.length - 1]) : String(v);
}

/** oslo's bool_from_string, strict: a query flag that is not a boolean word is a 400. */
export function queryBool(call: Pick<ApiCall, 'query'>, name: string): boolean | undefined {
  const raw = queryValue(call, name);
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw badRequest(`Invalid value '${raw}' for ${name}.`, 'compute.invalid_boolean');
}

/** limit and marker as Nova reads them: limit a non-negative integer capped at max_limit. */
export function pageOf(
  call: Pick<ApiCall, 'query'>,
  maxLimit: number,
): { limit: number; marker: string | undefined } {
  const limit = queryValue(call, 'limit');
  if (limit !== undefined && !/^\d+$/.test(limit.trim())) {
    throw computeErrors.invalid(
      `Invalid input for query parameters limit. Value: ${limit}. '${limit}' does not match '^[0-9]*$'`,
    );
  }
  const marker = queryValue(call, 'marker');
  return parsePageQuery({ limit, marker }, { defaultLimit: maxLimit, maxLimit });
}

/** `{"<name>_links": [{"rel": "next", "href": ...}]}` when the page is full. */
export function collectionLinks(
  call: ApiCall,
  name: string,
  page: { limit: number; count: number; lastMarker: string | undefined },
): Record<string, unknown> {
  const href = nextPageUrl(call.request.url, call.baseUrl, page);
  return href === undefined ? {} : { [`${name}_links`]: [{ rel: 'next', href }] };
}

export function callerProject(call: ApiCall): string {
  const id = projectIdOf(call.ctx.auth);
  if (!id)
    throw badRequest('The request must be made with a project-scoped token.', 'compute.no_project');
  return id;
}

/** The default policy target: the caller's project and user. */
export function callerTarget(call: ApiCall): Record<string, unknown> {
  return { project_id: projectIdOf(call.ctx.auth), user_id: call.ctx.auth.userId };
}

/** Nova has no policy rule for listing or showing flavors, but a token is still required (401 without). */
export function requireToken(call: ApiCall): void {
  void call.ctx;
}

export function isAdmin(call: ApiCall): boolean {
  return call.can('context_is_admin', {});
}

type Path = `/${string}`;

/**
 * Declares a compute route at both of Nova's paths: `/v2.1<path>` (the catalog's) and
 * the legacy `/v2.1/{project_id}<path>`, where the URL's project must be the token's
 * (Nova answers a mismatch with 400 before any controller runs).
 */
export function novaRoute<S extends RouteSchemas>(
  path: Path,
  spec: Omit<RouteSpec<S>, 'url'>,
): RouteSpec[] {
  const checkUrlProject = (call: ApiCall<S>) => {
    const inUrl = (call.params as Record<string, unknown>).project_id;
    if (typeof inUrl !== 'string' || !call.context) return;
    const own = projectIdOf(call.context.auth);
    if (inUrl !== own) {
      throw new ApiError(
        400,
        'compute.url_project_mismatch',
        `Malformed request URL: URL's project_id '${inUrl}' doesn't match Context's project_id '${own ?? 'None'}'`,
      );
    }
  };
  const target = async (call: ApiCall<S>) => {
    checkUrlProject(call);
    return spec.target ? spec.target(call) : callerTarget(call as unknown as ApiCall);
  };
  const handler = async (call: ApiCall<S>) => {
    if (spec.policy === null) checkUrlProject(call);
    return spec.handler(call);
  };
  return [
    { ...spec, url: `/v2.1${path}`, target, handler } as unknown as RouteSpec,
    { ...spec, url: `/v2.1/:project_id${path}`, target, handler } as unknown as RouteSpec,
  ];
}
