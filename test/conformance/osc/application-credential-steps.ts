import { withoutOpenstackVariables } from '../lib/openstack-env.ts';
import { applicationCredentialOptions } from './cli-identities.ts';
import type { Resource, Token } from './cli-output.ts';
import type { OpenstackCli } from './openstack-cli.ts';
import type { IdentityScenarioContext } from './scenario-context.ts';
import type { CleanupHandle } from './scenario-runner.ts';
import { expect, need } from './scenario-runner.ts';

/**
 * The member creates an application credential, a process that knows nothing but its id
 * and secret gets a token with it (same user, same project), and after deletion it no
 * longer can.
 */
export async function applicationCredentialSteps(
  ctx: IdentityScenarioContext,
  member: OpenstackCli,
  ids: () => Partial<Record<'projectA' | 'user', string>>,
): Promise<void> {
  const { runner, credentials, names } = ctx;
  let credential: { id: string; secret: string } | undefined;
  let cleanup: CleanupHandle | undefined;
  await runner.step('application credential create (as the member)', async () => {
    const ac = await member.json<
      Resource & { secret?: string; project_id?: string; roles?: unknown }
    >(['application', 'credential', 'create', names.appCredential]);
    expect(typeof ac.secret === 'string' && ac.secret.length > 0, 'no secret returned');
    expect(ac.project_id === ids().projectA, `project_id is ${String(ac.project_id)}`);
    expect(
      JSON.stringify(ac.roles ?? '').includes('member'),
      `roles are ${JSON.stringify(ac.roles)}`,
    );
    credential = { id: ac.id, secret: ac.secret };
    cleanup = runner.created(`application credential ${ac.id}`, () =>
      member.ok(['application', 'credential', 'delete', ac.id]),
    );
  });
  // a process with no OS_* at all: only the options below say who it is
  const appCredentialCli = member.as(withoutOpenstackVariables(ctx.baseEnv));
  await runner.step('token issue with the application credential', async () => {
    const c = need(credential, 'the application credential');
    const token = await appCredentialCli.json<Token>([
      ...applicationCredentialOptions(credentials, c.id, c.secret),
      'token',
      'issue',
    ]);
    expect(token.project_id === ids().projectA, `token project_id is ${token.project_id}`);
    expect(token.user_id === ids().user, `token user_id is ${token.user_id}`);
  });
  await runner.step('application credential delete', async () => {
    await member.ok([
      'application',
      'credential',
      'delete',
      need(credential, 'the application credential').id,
    ]);
    cleanup?.done();
  });
  // Keystone (Zed) answers 404 "Could not find Application Credential" here, not 401
  await runner.step('deleted application credential is refused (HTTP 401 or 404)', async () => {
    const c = need(credential, 'the application credential');
    const refusal = await appCredentialCli.refused([
      ...applicationCredentialOptions(credentials, c.id, c.secret),
      'token',
      'issue',
    ]);
    expect(
      refusal.httpStatus === 401 || refusal.httpStatus === 404,
      `expected HTTP 401 or 404, got: ${refusal.message}`,
    );
    return `HTTP ${refusal.httpStatus}`;
  });
}
