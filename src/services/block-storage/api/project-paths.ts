import { ApiError, badRequest } from '../../../core/errors/index.ts';
import {
  compareMicroversions,
  parseMicroversion,
  type ApiCall,
  type RouteSchemas,
  type RouteSpec,
} from '../../../core/http/index.ts';
import { projectIdOf } from '../../../core/auth/index.ts';

/** From this microversion Cinder also serves every resource at /v3/... without the project id. */
export const PROJECT_ID_OPTIONAL_FROM = '3.67';

type Path = `/${string}`;

/** The project a call acts in: the token's (the URL's, when present, equals it). */
export function callProject(call: ApiCall): string {
  const id = projectIdOf(call.ctx.auth);
  if (!id) throw badRequest('The request must be made with a project-scoped token.', 'block_storage.no_project');
  return id;
}

/** Cinder's default policy target when there is no object yet: the caller's project and user. */
export function callerTarget(call: ApiCall): Record<string, unknown> {
  return { project_id: projectIdOf(call.ctx.auth), user_id: call.ctx.auth.userId };
}

function assertUrlProject(call: ApiCall): void {
  // Cinder's router does not strip a trailing slash: `volumes/` names nothing (this is
  // what a request with an empty id looks like).
  if ((call.request.url.split('?')[0] ?? '').endsWith('/')) {
    throw new ApiError(404, 'not_found', 'The resource could not be found.');
  }
  const inUrl = (call.params as Record<string, unknown>).project_id;
  // Cinder compares the URL's project with the token's before any controller runs and
  // answers 400 on a mismatch, for admins too.
  if (typeof inUrl === 'string' && inUrl !== projectIdOf(call.ctx.auth)) {
    throw badRequest('Malformed request url', 'block_storage.url_project_mismatch');
  }
}

function laterOf(a: string, b: string | undefined): string {
  if (b === undefined) return a;
  return compareMicroversions(parseMicroversion(a)!, parseMicroversion(b)!) >= 0 ? a : b;
}

/**
 * Declares a project-scoped Cinder route once and registers it at both of Cinder's paths:
 * `/v3/:project_id<path>` for every microversion of the route, and `/v3<path>` from 3.67.
 * The URL's project must be the token's; the default policy target is the caller's project
 * (Cinder's target when no object is involved), so `params` no longer decides it.
 */
export function projectScoped<S extends RouteSchemas>(
  path: Path,
  spec: Omit<RouteSpec<S>, 'url'>,
): RouteSpec[] {
  const target = async (call: ApiCall<S>) => {
    assertUrlProject(call as unknown as ApiCall);
    return spec.target ? spec.target(call) : callerTarget(call as unknown as ApiCall);
  };
  const handler = async (call: ApiCall<S>) => {
    // Routes without a policy never ran the target: check the URL here too.
    if (spec.policy === null) assertUrlProject(call as unknown as ApiCall);
    return spec.handler(call);
  };
  const withProject = { ...spec, url: `/v3/:project_id${path}`, target, handler } as RouteSpec<S>;
  const routes: RouteSpec[] = [withProject as unknown as RouteSpec];
  const max = spec.versions?.max;
  if (max === undefined || compareMicroversions(parseMicroversion(max)!, parseMicroversion(PROJECT_ID_OPTIONAL_FROM)!) >= 0) {
    const min = laterOf(PROJECT_ID_OPTIONAL_FROM, spec.versions?.min);
    const bare = {
      ...spec,
      url: `/v3${path}`,
      target,
      handler,
      versions: { min, ...(max === undefined ? {} : { max }) },
    } as RouteSpec<S>;
    routes.push(bare as unknown as RouteSpec);
  }
  return routes;
}
