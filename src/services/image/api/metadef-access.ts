import { ApiError } from '../../../core/errors/index.ts';
import type { ApiCall } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { findNamespace, type MetadefNamespace } from '../store/metadefs.ts';
import { glanceTime } from './image-views.ts';
import { callerOf } from './image-access.ts';

export const NS_URL = '/v2/metadefs/namespaces/:namespace_name';

/** The namespace a request names, or 404 when it does not exist or the caller may not see it. */
export async function namespaceInReach(env: ImageEnv, call: ApiCall): Promise<MetadefNamespace> {
  const name = (call.params as { namespace_name: string }).namespace_name;
  const ns = await findNamespace(env.db, name);
  const caller = callerOf(call);
  if (!ns || (!caller.isAdmin && ns.visibility !== 'public' && ns.owner !== caller.projectId)) throw imageErrors.namespaceNotFound(name);
  return ns;
}

/** Policy target of routes under a namespace: its owner and visibility. */
export const namespaceTarget = (env: ImageEnv) => async (call: ApiCall) => {
  const ns = await namespaceInReach(env, call);
  return { project_id: ns.owner, owner: ns.owner, visibility: ns.visibility, namespace: ns.namespace };
};

/** A JSON object body, or 400. */
export function objectBody(body: unknown, schema: string): Record<string, unknown> {
  if (body === undefined) throw imageErrors.badRequest('Body expected in request.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw imageErrors.schemaMismatch(schema, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A required or optional string member of a body, checked like Glance's schema does. */
export function stringField(body: Record<string, unknown>, key: string, schema: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (opts.required) throw imageErrors.schemaMismatch(schema, `'${key}' is a required property`);
    return undefined;
  }
  if (typeof v !== 'string') throw imageErrors.schemaMismatch(schema, `${JSON.stringify(v)} is not of type 'string'`);
  if (opts.required && v.trim() === '') throw imageErrors.badRequest(`${key} cannot be blank.`);
  // A lone surrogate cannot be stored as UTF-8: the row would come back under another name.
  if (/\p{Cs}/u.test(v)) throw imageErrors.badRequest(`Invalid value for '${key}': it is not valid Unicode text.`);
  if (opts.max !== undefined && v.length > opts.max) throw imageErrors.schemaMismatch(schema, `'${v}' is too long`);
  return v;
}

export const times = (x: { createdAt: Date; updatedAt: Date }) => ({ created_at: glanceTime(x.createdAt), updated_at: glanceTime(x.updatedAt) });

export const duplicate = (what: string, name: string, namespace: string) =>
  new ApiError(409, 'image.metadef_duplicate', `A metadata definition ${what} with name=${name} already exists in namespace=${namespace}.`);

export const childNotFound = (what: string, name: string, namespace: string) =>
  new ApiError(404, 'image.metadef_not_found', `Metadata definition ${what} not found for namespace=${namespace} and name=${name}.`);
