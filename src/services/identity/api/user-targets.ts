import type { IdentityEnv } from '../env.ts';
import { getUser } from '../store/users.ts';

/**
 * The policy target of a route on /v3/users/{user_id}: the path's user_id, and the user's
 * id and domain when it exists. A missing user leaves the target bare, as Keystone does,
 * so an admin gets the 404 from the handler and anyone else a 403 that reveals nothing.
 */
export async function userTarget(
  env: IdentityEnv,
  userId: string,
): Promise<Record<string, unknown>> {
  const user = await getUser(env.db, userId);
  if (!user) return { user_id: userId };
  return { user_id: userId, 'target.user.id': user.id, 'target.user.domain_id': user.domainId };
}
