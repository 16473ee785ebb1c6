import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { changeOwnPassword } from '../password-policy.ts';
import { ChangePasswordBody, UserIdParams } from './user-schemas.ts';

export function userPasswordRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    // Keystone enforces no policy here: the original password is the proof, so a user whose
    // password expired (and who therefore cannot get a token) can still change it.
    defineRoute({
      method: 'POST',
      url: '/v3/users/:user_id/password',
      auth: 'none',
      policy: null,
      schema: { params: UserIdParams, body: ChangePasswordBody },
      status: 204,
      async handler(call) {
        const { original_password, password } = call.body.user;
        await changeOwnPassword(env, call.params.user_id, original_password, password);
        return undefined;
      },
    }),
  ];
}
