/**
 * A test cloud in its own process, to be killed with SIGKILL mid-import by
 * import-crash.test.ts: `node --import tsx import-crash.fixture.ts <dataDir> <sourcePort>`.
 * Prints one JSON line (image URL, a member token, a queued image id) once ready, then waits
 * to be killed.
 */
import { startTestCloud } from '../../../../test/support/test-cloud.ts';

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) throw new Error('usage: import-crash.fixture.ts <dataDir> <sourcePort>');
const c = await startTestCloud({
  services: ['image'],
  dataDir,
  overrides: {
    image: {
      worker_id: 'import-worker-that-crashes',
      operation_heartbeat_seconds: 1,
      import_allowed_ports: [port],
    },
  },
});
const member = await c.member();
const created = await c.request('image', 'POST', '/v2/images', {
  token: member.token,
  body: { name: 'interrupted-import', disk_format: 'raw', container_format: 'bare' },
});
process.stdout.write(
  `${JSON.stringify({ url: c.url('image'), token: member.token, imageId: created.body.id })}\n`,
);
setInterval(() => undefined, 60_000);
