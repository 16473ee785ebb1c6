import { projectIdOf } from '../../../core/auth/index.ts';
import type { ApiCall } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { getFlavor, type FlavorRow } from '../store/flavors.ts';
import { isAdmin } from './params.ts';

/** Admins see every flavor; others public ones and the private ones shared with their project. */
export function viewer(call: ApiCall) {
  return { isAdmin: isAdmin(call), projectId: projectIdOf(call.ctx.auth) };
}

/** The flavor a path names, as the caller may see it, or Nova's 404. */
export async function visibleFlavor(
  env: ComputeEnv,
  call: ApiCall,
  flavorid: string,
): Promise<FlavorRow> {
  const row = await getFlavor(env.db, flavorid, viewer(call));
  if (!row) throw computeErrors.flavorNotFound(flavorid);
  return row;
}
