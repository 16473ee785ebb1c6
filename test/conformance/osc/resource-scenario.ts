import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource, Row } from './cli-output.ts';
import type { PasswordUser } from './cli-identities.ts';
import {
  ABSENT_IMAGE_SERVICE,
  cloudEnvironment,
  cloudsFile,
  passwordUserEnvironment,
} from './cli-identities.ts';
import { imageSteps } from './image-steps.ts';
import type { ResourceScenarioContext, ScenarioMember } from './scenario-context.ts';
import type { CleanupHandle } from './scenario-runner.ts';
import { expect, need } from './scenario-runner.ts';
import { volumeSteps } from './volume-steps.ts';

/**
 * Image and volume scenario, for the services the catalog has: a member of a second
 * project is made first (it accepts the shared image and the volume transfer), then the
 * image steps, the volume steps (a volume is made from the image), and the deletes.
 */
export async function runResourceScenario(ctx: ResourceScenarioContext): Promise<void> {
  const { runner } = ctx;
  const member = await memberSetup(ctx);
  const image = ctx.services.image ? await imageSteps(ctx, member.value) : undefined;
  if (ctx.services.volume) {
    const { ctx: volumeCtx, member: volumeMember } = ctx.services.image
      ? { ctx, member: member.value }
      : withoutImageService(ctx, member);
    const admin = volumeCtx.admin;
    let backup = false;
    await runner.step('volume service list: cinder-volume up', async () => {
      const rows = await admin.json<Row[]>(['volume', 'service', 'list']);
      const up = (binary: string): boolean =>
        rows.some((r) => r.Binary === binary && r.State === 'up' && r.Status === 'enabled');
      expect(up('cinder-volume'), `no enabled cinder-volume up in ${JSON.stringify(rows)}`);
      backup = up('cinder-backup');
      return backup ? 'cinder-backup up too' : 'no cinder-backup';
    });
    await volumeSteps(
      volumeCtx,
      volumeMember,
      { inCatalog: ctx.services.image, id: image?.id, file: image?.file },
      backup,
    );
  }
  await image?.remove();
  await member.remove();
}

interface MemberSetup {
  value: ScenarioMember | undefined;
  user: PasswordUser;
  remove: () => Promise<void>;
}

/**
 * The admin and the member acting through a clouds.yaml that points the image client away
 * from the catalog (see ABSENT_IMAGE_SERVICE): without it no `volume create` can run on a
 * cloud whose catalog has block storage but no image service.
 */
function withoutImageService(
  ctx: ResourceScenarioContext,
  member: MemberSetup,
): { ctx: ResourceScenarioContext; member: ScenarioMember | undefined } {
  const { credentials } = ctx;
  const file = path.join(ctx.workDir, 'clouds.yaml');
  const admin: PasswordUser = {
    name: credentials.username,
    password: credentials.password,
    userDomain: credentials.userDomainName,
    project: credentials.projectName,
    projectDomain: credentials.projectDomainName,
  };
  writeFileSync(
    file,
    cloudsFile(credentials, { admin, member: member.user }, ABSENT_IMAGE_SERVICE),
    {
      mode: 0o600, // holds passwords
    },
  );
  return {
    ctx: { ...ctx, admin: ctx.admin.as(cloudEnvironment(ctx.baseEnv, file, 'admin')) },
    member: member.value && {
      ...member.value,
      cli: ctx.admin.as(cloudEnvironment(ctx.baseEnv, file, 'member')),
    },
  };
}

/** Project, user with `member` on it, and the CLI acting as that user. */
async function memberSetup(ctx: ResourceScenarioContext): Promise<MemberSetup> {
  const { runner, admin, names, credentials } = ctx;
  const domain = credentials.userDomainName;
  const password = `Osc-${randomBytes(12).toString('base64url')}-9z`;
  const ids: { project?: string; user?: string } = {};
  const cleanups: CleanupHandle[] = [];
  let member: ScenarioMember | undefined;

  await runner.step('member setup: project, user, role member', async () => {
    const project = await admin.json<Resource>([
      'project',
      'create',
      names.memberProject,
      '--domain',
      domain,
    ]);
    ids.project = project.id;
    cleanups.push(
      runner.created(`project ${project.id}`, () => admin.ok(['project', 'delete', project.id])),
    );
    const user = await admin.json<Resource>([
      'user',
      'create',
      names.memberUser,
      '--domain',
      domain,
      '--password',
      password,
      '--project',
      project.id,
    ]);
    ids.user = user.id;
    cleanups.push(runner.created(`user ${user.id}`, () => admin.ok(['user', 'delete', user.id])));
    await admin.ok(['role', 'add', '--user', user.id, '--project', project.id, 'member']);
    member = {
      projectId: project.id,
      cli: admin.as(
        passwordUserEnvironment(ctx.baseEnv, credentials, {
          name: names.memberUser,
          password,
          domain,
          project: names.memberProject,
        }),
      ),
    };
  });

  return {
    value: member,
    user: {
      name: names.memberUser,
      password,
      userDomain: domain,
      project: names.memberProject,
      projectDomain: domain,
    },
    remove: async () => {
      if (!ids.project && !ids.user) return;
      await runner.step('member teardown: user and project delete', async () => {
        if (ids.user) await admin.ok(['user', 'delete', need(ids.user, 'the user')]);
        if (ids.project) await admin.ok(['project', 'delete', need(ids.project, 'the project')]);
        cleanups.forEach((c) => c.done());
      });
    },
  };
}
