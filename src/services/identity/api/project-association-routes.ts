import type { TSchema } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import type { ApiError } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import type { IdentityDb } from '../store/db.ts';
import { identityErrors } from '../errors.ts';
import { linkBase } from './base-url.ts';

/**
 * A link between a project and something else (an endpoint, an endpoint group) that one
 * URL checks (GET, which also answers HEAD), adds (PUT) and removes (DELETE). The ways
 * Keystone's families differ are spelled out here; the routes are the same.
 */
export interface ProjectAssociation {
  /** Route URL holding `:project_id` and `:<otherParam>`. */
  readonly url: string;
  readonly params: TSchema;
  readonly otherParam: string;
  readonly policies: { readonly check: string; readonly add: string; readonly remove: string };
  /** What the 409 of a duplicate association says is being stored. */
  readonly kind: string;
  /** Loads both ends, throwing the 404 of the first missing one in Keystone's order. */
  requireEnds(env: IdentityEnv, projectId: string, otherId: string): Promise<void>;
  /** Keystone checks the ends before a removal for some families only. */
  readonly removeChecksEnds: boolean;
  has(db: IdentityDb, projectId: string, otherId: string): Promise<boolean>;
  add(db: IdentityDb, projectId: string, otherId: string): Promise<void>;
  /** False when there was no such association. */
  remove(db: IdentityDb, projectId: string, otherId: string): Promise<boolean>;
  missing(projectId: string, otherId: string): ApiError;
  /** The body of a successful check (200); without it the check answers 204. */
  checkBody?(base: string, projectId: string, otherId: string): unknown;
}

export function projectAssociationRoutes(env: IdentityEnv, a: ProjectAssociation): RouteSpec[] {
  // The params schema names both ids; the route validated them as strings.
  const ends = (call: ApiCall) => {
    const params = call.params as Readonly<Record<string, string>>;
    return { projectId: params.project_id!, otherId: params[a.otherParam]! };
  };
  return [
    defineRoute({
      method: 'GET',
      url: a.url,
      policy: a.policies.check,
      schema: { params: a.params },
      ...(a.checkBody ? {} : { status: 204 }),
      async handler(call) {
        const { projectId, otherId } = ends(call);
        await a.requireEnds(env, projectId, otherId);
        if (!(await a.has(env.db, projectId, otherId))) throw a.missing(projectId, otherId);
        return a.checkBody?.(linkBase(env, call), projectId, otherId);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: a.url,
      policy: a.policies.add,
      schema: { params: a.params },
      status: 204,
      async handler(call) {
        const { projectId, otherId } = ends(call);
        await a.requireEnds(env, projectId, otherId);
        try {
          await a.add(env.db, projectId, otherId);
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw identityErrors.conflict(
              `Conflict occurred attempting to store ${a.kind} - Duplicate entry.`,
            );
          }
          throw err;
        }
        return undefined;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: a.url,
      policy: a.policies.remove,
      schema: { params: a.params },
      status: 204,
      async handler(call) {
        const { projectId, otherId } = ends(call);
        if (a.removeChecksEnds) await a.requireEnds(env, projectId, otherId);
        if (!(await a.remove(env.db, projectId, otherId))) throw a.missing(projectId, otherId);
        return undefined;
      },
    }),
  ];
}
