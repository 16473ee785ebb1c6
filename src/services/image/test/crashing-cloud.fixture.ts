/**
 * A test cloud in its own process, to be killed with SIGKILL mid-upload by
 * image-restart.test.ts: `node --import tsx crashing-cloud.fixture.ts <dataDir>`. Prints one
 * JSON line (image URL, a token, a queued image id) once ready, then waits to be killed.
 */
import { startTestCloud } from '../../../../test/support/test-cloud.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crashing-cloud.fixture.ts <dataDir>');
const c = await startTestCloud({
  services: ['image'],
  dataDir,
  overrides: { image: { worker_id: 'worker-that-crashes', operation_heartbeat_seconds: 1 } },
});
const created = await c.request('image', 'POST', '/v2/images', {
  token: c.adminToken,
  body: { name: 'interrupted', disk_format: 'raw', container_format: 'bare' },
});
process.stdout.write(`${JSON.stringify({ url: c.url('image'), token: c.adminToken, imageId: created.body.id })}\n`);
setInterval(() => undefined, 60_000);
