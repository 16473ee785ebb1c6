import { randomBytes } from 'node:crypto';
import { applicationCredentialSteps } from './application-credential-steps.ts';
import { catalogSteps } from './catalog-steps.ts';
import { passwordUserEnvironment } from './cli-identities.ts';
import type { Resource, Row, Token } from './cli-output.ts';
import { column, includesAll } from './cli-output.ts';
import type { IdentityScenarioContext } from './scenario-context.ts';
import type { CleanupHandle } from './scenario-runner.ts';
import { expect, need } from './scenario-runner.ts';

/**
 * Identity scenario: token, CRUD of project/user/group/role, a role assignment, an
 * application credential used to authenticate, the catalog, and the refusals (401 for a
 * wrong password, 403 for a member listing users, a member not seeing another project).
 */
export async function runIdentityScenario(ctx: IdentityScenarioContext): Promise<void> {
  const { runner, admin, credentials, names } = ctx;
  const domain = credentials.userDomainName;
  const userPassword = `Osc-${randomBytes(12).toString('base64url')}-9z`;
  const ids: Partial<Record<'projectA' | 'projectB' | 'user' | 'group' | 'role', string>> = {};
  const cleanups = new Map<string, CleanupHandle>();
  const remember = (key: keyof typeof ids, id: string, kind: string): void => {
    ids[key] = id;
    cleanups.set(
      key,
      runner.created(`${kind} ${id}`, () => admin.ok([kind, 'delete', id])),
    );
  };

  await runner.step('token issue (admin)', async () => {
    const token = await admin.json<Token>(['token', 'issue']);
    expect(typeof token.id === 'string' && token.id.length > 0, 'token id is empty');
    expect(Date.parse(token.expires) > Date.now(), `token expires in the past: ${token.expires}`);
    expect(
      Boolean(token.project_id) && Boolean(token.user_id),
      'token has no project_id or user_id',
    );
    return `expires ${token.expires}`;
  });

  await catalogSteps(ctx);

  // ---- projects ----------------------------------------------------------------------
  for (const [key, name] of [
    ['projectA', names.projectA],
    ['projectB', names.projectB],
  ] as const) {
    await runner.step(`project create ${key === 'projectA' ? 'A' : 'B'}`, async () => {
      const p = await admin.json<Resource>([
        'project',
        'create',
        name,
        '--domain',
        domain,
        '--description',
        'made by osc conformance',
      ]);
      expect(p.name === name, `name is ${p.name}`);
      expect(p.enabled === true, `enabled is ${String(p.enabled)}`);
      expect(p.description === 'made by osc conformance', `description is ${p.description}`);
      remember(key, p.id, 'project');
    });
  }
  await runner.step('project list shows A and B', async () => {
    const rows = await admin.json<Row[]>(['project', 'list']);
    includesAll(
      column(rows, 'ID'),
      [need(ids.projectA, 'project A'), need(ids.projectB, 'project B')],
      'project list',
    );
  });
  await runner.step('project set A (description, tag)', async () => {
    await admin.ok([
      'project',
      'set',
      need(ids.projectA, 'project A'),
      '--description',
      'changed',
      '--tag',
      'conformance',
    ]);
  });
  await runner.step('project show A has the new description and tag', async () => {
    const p = await admin.json<Resource>(['project', 'show', need(ids.projectA, 'project A')]);
    expect(p.description === 'changed', `description is ${p.description}`);
    expect(
      Array.isArray(p.tags) && p.tags.includes('conformance'),
      `tags are ${JSON.stringify(p.tags)}`,
    );
  });

  // ---- user, group, role ------------------------------------------------------------------
  await runner.step('user create (default project A)', async () => {
    const u = await admin.json<Resource>([
      'user',
      'create',
      names.user,
      '--domain',
      domain,
      '--password',
      userPassword,
      '--project',
      need(ids.projectA, 'project A'),
    ]);
    expect(u.name === names.user, `name is ${u.name}`);
    expect(u.enabled === true, `enabled is ${String(u.enabled)}`);
    expect(
      u.default_project_id === ids.projectA,
      `default_project_id is ${String(u.default_project_id)}`,
    );
    expect(!('password' in u), 'the password is echoed back');
    remember('user', u.id, 'user');
  });
  await crudChecks(
    ctx,
    'user',
    () => ids.user,
    ['--email', 'osc@example.invalid'],
    (u) => {
      expect(u.email === 'osc@example.invalid', `email is ${String(u.email)}`);
    },
  );

  await runner.step('group create', async () => {
    const g = await admin.json<Resource>([
      'group',
      'create',
      names.group,
      '--domain',
      domain,
      '--description',
      'first',
    ]);
    expect(g.name === names.group && g.description === 'first', `got ${JSON.stringify(g)}`);
    remember('group', g.id, 'group');
  });
  await crudChecks(
    ctx,
    'group',
    () => ids.group,
    ['--description', 'second'],
    (g) => {
      expect(g.description === 'second', `description is ${g.description}`);
    },
  );

  await runner.step('role create', async () => {
    const r = await admin.json<Resource>(['role', 'create', names.role]);
    expect(r.name === names.role, `name is ${r.name}`);
    remember('role', r.id, 'role');
  });
  await crudChecks(
    ctx,
    'role',
    () => ids.role,
    ['--description', 'conformance role'],
    (r) => {
      expect(r.description === 'conformance role', `description is ${r.description}`);
    },
  );
  await runner.step('role list has admin, member, reader', async () => {
    includesAll(
      column(await admin.json<Row[]>(['role', 'list']), 'Name'),
      ['admin', 'member', 'reader'],
      'role list',
    );
  });

  // ---- role assignment ------------------------------------------------------------------------
  await runner.step('role add member (user on project A)', async () => {
    await admin.ok([
      'role',
      'add',
      '--user',
      need(ids.user, 'the user'),
      '--project',
      need(ids.projectA, 'project A'),
      'member',
    ]);
  });
  await runner.step('role assignment list --names shows it', async () => {
    const rows = await admin.json<Row[]>([
      'role',
      'assignment',
      'list',
      '--user',
      need(ids.user, 'the user'),
      '--project',
      need(ids.projectA, 'project A'),
      '--names',
    ]);
    const match = rows.find(
      (r) =>
        r.Role === 'member' &&
        String(r.User).startsWith(`${names.user}@`) &&
        String(r.Project).startsWith(`${names.projectA}@`),
    );
    expect(
      match !== undefined,
      `no member assignment of ${names.user} on ${names.projectA} in ${JSON.stringify(rows)}`,
    );
    return `${String(match.User)} on ${String(match.Project)}`;
  });

  // ---- acting as the member -------------------------------------------------------------------
  const member = admin.as(
    passwordUserEnvironment(ctx.baseEnv, credentials, {
      name: names.user,
      password: userPassword,
      domain,
      project: names.projectA,
    }),
  );
  await applicationCredentialSteps(ctx, member, () => ids);
  await runner.step('member sees project A only (--my-projects)', async () => {
    const names_ = column(await member.json<Row[]>(['project', 'list', '--my-projects']), 'Name');
    expect(names_.includes(names.projectA), `project A missing from ${JSON.stringify(names_)}`);
    expect(!names_.includes(names.projectB), 'project B is visible to a member of A only');
  });
  await runner.step('member listing users is refused with HTTP 403', async () => {
    const refusal = await member.refused(['user', 'list']);
    expect(refusal.httpStatus === 403, `expected HTTP 403, got: ${refusal.message}`);
  });
  await runner.step('wrong password is refused with HTTP 401', async () => {
    const wrong = admin.as(
      passwordUserEnvironment(ctx.baseEnv, credentials, {
        name: names.user,
        password: `${userPassword}x`,
        domain,
        project: names.projectA,
      }),
    );
    const refusal = await wrong.refused(['token', 'issue']);
    expect(refusal.httpStatus === 401, `expected HTTP 401, got: ${refusal.message}`);
  });

  // ---- deletes ------------------------------------------------------------------------------
  for (const kind of ['role', 'group', 'user'] as const) {
    await runner.step(`${kind} delete`, async () => {
      await admin.ok([kind, 'delete', need(ids[kind], `the ${kind}`)]);
      cleanups.get(kind)?.done();
    });
  }
  await runner.step('project delete A B', async () => {
    await admin.ok([
      'project',
      'delete',
      need(ids.projectA, 'project A'),
      need(ids.projectB, 'project B'),
    ]);
    cleanups.get('projectA')?.done();
    cleanups.get('projectB')?.done();
  });
  await runner.step('deleted project, user, group and role are gone', async () => {
    const [projects, users, groups, roles] = await Promise.all(
      ['project', 'user', 'group', 'role'].map((kind) => admin.json<Row[]>([kind, 'list'])),
    );
    const present = [
      ...column(projects ?? [], 'Name').filter((n) => n === names.projectA || n === names.projectB),
      ...column(users ?? [], 'Name').filter((n) => n === names.user),
      ...column(groups ?? [], 'Name').filter((n) => n === names.group),
      ...column(roles ?? [], 'Name').filter((n) => n === names.role),
    ];
    expect(present.length === 0, `still listed: ${present.join(', ')}`);
  });
}

/** `<kind> list` shows it, `<kind> set` changes it, `<kind> show` reflects the change. */
async function crudChecks(
  ctx: IdentityScenarioContext,
  kind: 'user' | 'group' | 'role',
  id: () => string | undefined,
  setOptions: string[],
  checkShown: (shown: Resource) => void,
): Promise<void> {
  const { runner, admin } = ctx;
  await runner.step(`${kind} list shows it`, async () => {
    includesAll(
      column(await admin.json<Row[]>([kind, 'list']), 'ID'),
      [need(id(), `the ${kind}`)],
      `${kind} list`,
    );
  });
  await runner.step(`${kind} set ${setOptions.join(' ')}`, async () => {
    await admin.ok([kind, 'set', ...setOptions, need(id(), `the ${kind}`)]);
  });
  await runner.step(`${kind} show has the change`, async () => {
    const shown = await admin.json<Resource>([kind, 'show', need(id(), `the ${kind}`)]);
    expect(shown.id === id(), `show returned id ${shown.id}`);
    checkShown(shown);
  });
}
