import type { Row } from './cli-output.ts';
import { column, includesAll } from './cli-output.ts';
import type { IdentityScenarioContext } from './scenario-context.ts';
import { expect } from './scenario-runner.ts';

/** The catalog as the admin sees it: identity is registered with a public endpoint. */
export async function catalogSteps(ctx: IdentityScenarioContext): Promise<void> {
  const { runner, admin, credentials } = ctx;
  const region = credentials.regionName;
  await runner.step('catalog list has identity with a public endpoint', async () => {
    const rows = await admin.json<Row[]>(['catalog', 'list']);
    const identity = rows.find((r) => r.Type === 'identity');
    expect(
      identity !== undefined,
      `no identity service in ${JSON.stringify(column(rows, 'Type'))}`,
    );
    // OSC 6 gives the endpoints as a list of objects; older versions as text
    const endpoints = JSON.stringify(identity.Endpoints);
    expect(
      endpoints.includes('public') && endpoints.includes(region),
      `identity endpoints: ${endpoints}`,
    );
    return `${rows.length} services`;
  });
  await runner.step('endpoint list has the public identity endpoint', async () => {
    const rows = await admin.json<Row[]>(['endpoint', 'list']);
    const hit = rows.find(
      (r) => r['Service Type'] === 'identity' && r.Interface === 'public' && r.Region === region,
    );
    expect(
      hit !== undefined,
      `no public identity endpoint in ${region} among ${rows.length} endpoints`,
    );
    return String(hit.URL);
  });
  await runner.step(`region list has ${region}`, async () => {
    includesAll(
      column(await admin.json<Row[]>(['region', 'list']), 'Region'),
      [region],
      'region list',
    );
  });
  await runner.step('service list has identity', async () => {
    includesAll(
      column(await admin.json<Row[]>(['service', 'list']), 'Type'),
      ['identity'],
      'service list',
    );
  });
}
