import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Row } from './cli-output.ts';
import { column } from './cli-output.ts';
import type { OpenstackCli } from './openstack-cli.ts';
import type { ResourceScenarioContext, ScenarioMember } from './scenario-context.ts';
import type { CleanupHandle } from './scenario-runner.ts';
import { expect, need } from './scenario-runner.ts';
import { waitForStatus, waitUntilGone } from './wait-for.ts';

/** `openstack image show -f json`: the fields the steps read. */
export interface ShownImage {
  id: string;
  name: string;
  status: string;
  size?: number | null;
  checksum?: string | null;
  disk_format?: string;
  container_format?: string;
  visibility?: string;
  properties?: Record<string, unknown>;
}

/** 1 MiB + 3 bytes: a size that is no multiple of any chunk size a copy might use. */
export const IMAGE_FILE_BYTES = 1024 * 1024 + 3;

export interface ImageHandle {
  id: string;
  /** The raw file it was uploaded from. */
  file: { file: string; format: string };
  /** Delete it (a step at the end of the scenario, after volumes were made from it). */
  remove: () => Promise<void>;
}

/** Compares two files byte for byte; the message says where they first differ. */
export function compareBytes(expected: Buffer, actual: Buffer): string | null {
  if (expected.equals(actual)) return null;
  const length = Math.min(expected.length, actual.length);
  let at = 0;
  while (at < length && expected[at] === actual[at]) at++;
  return `${actual.length} bytes instead of ${expected.length}, first difference at byte ${at}`;
}

/**
 * The admin uploads a shared image from a file, downloads it again (same bytes), sets a
 * property, shares it with the member's project, and the member accepts it. Returns the
 * image for the volume steps, or undefined when it could not be created.
 */
export async function imageSteps(
  ctx: ResourceScenarioContext,
  member: ScenarioMember | undefined,
): Promise<ImageHandle | undefined> {
  const { runner, admin, names, workDir } = ctx;
  const file = path.join(workDir, 'image.raw');
  const data = randomBytes(IMAGE_FILE_BYTES);
  writeFileSync(file, data);
  let image: ShownImage | undefined;
  let cleanup: CleanupHandle | undefined;
  const show = (cli: OpenstackCli = admin): Promise<ShownImage> =>
    cli.json<ShownImage>(['image', 'show', need(image, 'the image').id]);

  await runner.step('image create --file (shared, raw) → active', async () => {
    const created = await admin.json<ShownImage>([
      'image',
      'create',
      '--file',
      file,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--shared',
      names.image,
    ]);
    image = created;
    cleanup = runner.created(`image ${created.id}`, () =>
      admin.ok(['image', 'delete', created.id]),
    );
    expect(created.name === names.image, `name is ${created.name}`);
    const shown = await waitForStatus(() => show(), 'active', `image ${created.id}`);
    expect(shown.disk_format === 'raw', `disk_format is ${shown.disk_format}`);
    expect(shown.container_format === 'bare', `container_format is ${shown.container_format}`);
    expect(shown.visibility === 'shared', `visibility is ${shown.visibility}`);
    expect(
      Number(shown.size) === data.length,
      `size is ${shown.size}, the file has ${data.length}`,
    );
    const md5 = createHash('md5').update(data).digest('hex');
    expect(shown.checksum === md5, `checksum is ${shown.checksum}, the file's md5 is ${md5}`);
    return `${shown.id}, ${shown.size} bytes`;
  });

  await runner.step('image save: the download matches the upload byte for byte', async () => {
    const out = path.join(workDir, 'image.downloaded');
    await admin.ok(['image', 'save', '--file', out, need(image, 'the image').id]);
    const difference = compareBytes(data, readFileSync(out));
    expect(difference === null, `the download differs: ${difference}`);
  });

  await runner.step('image set --property, image show has it', async () => {
    await admin.ok([
      'image',
      'set',
      '--property',
      `osc_conformance=${ctx.runId}`,
      need(image, 'the image').id,
    ]);
    const shown = await show();
    expect(
      shown.properties?.osc_conformance === ctx.runId,
      `properties are ${JSON.stringify(shown.properties)}`,
    );
  });

  await sharingSteps(
    ctx,
    () => need(member, 'the member'),
    () => need(image, 'the image').id,
  );

  if (!image) return undefined;
  const id = image.id;
  return {
    id,
    file: { file, format: 'raw' },
    remove: async () => {
      await runner.step('image delete, then image show finds nothing', async () => {
        await admin.ok(['image', 'delete', id]);
        cleanup?.done();
        await waitUntilGone(() => admin.run(['image', 'show', id]), `image ${id}`);
      });
    },
  };
}

async function sharingSteps(
  ctx: ResourceScenarioContext,
  theMember: () => ScenarioMember,
  imageId: () => string,
): Promise<void> {
  const { runner, admin } = ctx;
  await runner.step('image add project (the member project): membership pending', async () => {
    const member = theMember();
    const membership = await admin.json<Row>([
      'image',
      'add',
      'project',
      imageId(),
      member.projectId,
    ]);
    expect(
      membership.member_id === member.projectId,
      `member_id is ${String(membership.member_id)}`,
    );
    expect(membership.image_id === imageId(), `image_id is ${String(membership.image_id)}`);
    expect(membership.status === 'pending', `status is ${String(membership.status)}`);
  });
  await runner.step('image set --accept (as the member)', async () => {
    const member = theMember();
    await member.cli.ok(['image', 'set', '--accept', imageId()]);
    const rows = await admin.json<Row[]>(['image', 'member', 'list', imageId()]);
    const row = rows.find((r) => r['Member ID'] === member.projectId);
    expect(row !== undefined, `the member project is not in ${JSON.stringify(rows)}`);
    expect(row.Status === 'accepted', `membership status is ${String(row.Status)}`);
  });
  await runner.step('the member lists and reads the accepted image', async () => {
    const member = theMember();
    const ids = column(await member.cli.json<Row[]>(['image', 'list']), 'ID');
    expect(ids.includes(imageId()), `image list of the member lacks it (${ids.length} images)`);
    const shown = await member.cli.json<ShownImage>(['image', 'show', imageId()]);
    expect(shown.status === 'active', `status is ${shown.status}`);
  });
}
