import type { Row } from './cli-output.ts';
import type { ResourceScenarioContext, ScenarioMember } from './scenario-context.ts';
import { expect, need } from './scenario-runner.ts';
import type { VolumeScenarioState } from './volume-scenario-state.ts';
import { waitForStatus } from './wait-for.ts';

/** The admin creates a volume type with a property; create and show print it. */
export async function volumeTypeSteps(
  ctx: ResourceScenarioContext,
  state: VolumeScenarioState,
): Promise<void> {
  const { runner, admin, names } = ctx;
  // a scoped key: Cinder's capabilities filter ignores keys whose scope is not
  // "capabilities", so the type stays schedulable on any backend
  const property = `conformance:run=${ctx.runId}`;
  await runner.step('volume type create --property, volume type show has it', async () => {
    const created = await admin.json<Row & { id: string; properties?: Record<string, unknown> }>([
      'volume',
      'type',
      'create',
      '--property',
      property,
      names.volumeType,
    ]);
    state.made.type = {
      id: created.id,
      cleanup: runner.created(`volume type ${created.id}`, () =>
        admin.ok(['volume', 'type', 'delete', created.id]),
      ),
    };
    expect(created.name === names.volumeType, `name is ${String(created.name)}`);
    expect(
      created.properties?.['conformance:run'] === ctx.runId,
      `create printed properties ${JSON.stringify(created.properties)}`,
    );
    const shown = await admin.json<{ properties?: Record<string, unknown> }>([
      'volume',
      'type',
      'show',
      created.id,
    ]);
    expect(
      shown.properties?.['conformance:run'] === ctx.runId,
      `show printed properties ${JSON.stringify(shown.properties)}`,
    );
  });
}

/**
 * The admin offers a new volume for transfer; the member of the other project accepts it
 * with the auth key, and the volume is then the member's (and its file is still sound).
 */
export async function transferSteps(
  ctx: ResourceScenarioContext,
  theMember: () => ScenarioMember,
  state: VolumeScenarioState,
): Promise<void> {
  const { runner, admin, names, volumeFiles: files } = ctx;
  let request: { id: string; authKey: string } | undefined;
  await runner.step('volume transfer request create', async () => {
    const v = await state.createVolume('transfer', ['--size', '1', names.transferVolume]);
    const t = await admin.json<Row>([
      'volume',
      'transfer',
      'request',
      'create',
      '--name',
      names.transfer,
      v.id,
    ]);
    expect(t.volume_id === v.id, `volume_id is ${String(t.volume_id)}`);
    expect(t.name === names.transfer, `name is ${String(t.name)}`);
    expect(typeof t.auth_key === 'string' && t.auth_key !== '', 'no auth_key printed');
    request = { id: String(t.id), authKey: String(t.auth_key) };
    const shown = await state.show(v.id);
    expect(shown.status === 'awaiting-transfer', `volume status is ${shown.status}`);
  });
  await runner.step(
    'volume transfer request accept (as the member): the volume is theirs',
    async () => {
      const member = theMember();
      const r = need(request, 'the transfer request');
      const id = state.idOf('transfer');
      const accepted = await member.cli.json<Row>([
        'volume',
        'transfer',
        'request',
        'accept',
        '--auth-key',
        r.authKey,
        r.id,
      ]);
      expect(accepted.volume_id === id, `volume_id is ${String(accepted.volume_id)}`);
      const theirs = await waitForStatus(
        () => state.show(id, member.cli),
        'available',
        `volume ${id} (as the member)`,
      );
      expect(theirs.id === id, `the member sees ${theirs.id}`);
      const owner = (await state.show(id))['os-vol-tenant-attr:tenant_id'];
      expect(owner === member.projectId, `owner project is ${String(owner)}`);
      const file = await files?.check(id, 1);
      return file && `its file is still a sound ${file.format}`;
    },
  );
}
