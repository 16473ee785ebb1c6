import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import {
  md5,
  serveSlowly,
  sha512,
  sourceServer,
  stagedFiles,
  until,
  waitImage,
  type SourceServer,
} from './import-support.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'import-crash.fixture.ts');

// The worker running a web-download is killed with SIGKILL: no stop hook runs, its lease
// simply stops being renewed. The next worker takes the task over once the lease ran out
// and finishes the import.
describe('image import after its worker was killed', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-import-crash-'));
  const data = randomBytes(2 * 1024 * 1024 + 9);
  let source: SourceServer | undefined;
  let cloud: TestCloud | undefined;

  afterAll(async () => {
    await cloud?.close();
    await source?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes the interrupted web-download on another worker, with the partial staged data gone', async () => {
    source = await sourceServer({ '/slow': serveSlowly(data, 32 * 1024, 40) });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, dataDir, String(source.port)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const first = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const { url, token, imageId } = JSON.parse(first) as {
      url: string;
      token: string;
      imageId: string;
    };

    const res = await fetch(`${url}/v2/images/${imageId}/import`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ method: { name: 'web-download', uri: source.url('/slow') } }),
    });
    expect(res.status).toBe(202);
    const staging = path.join(dataDir, 'image', 'staging');
    await until('partial data in staging', async () =>
      fs.existsSync(staging) &&
      fs
        .readdirSync(staging)
        .some((f) => f.includes(imageId) && fs.statSync(path.join(staging, f)).size >= 256 * 1024)
        ? true
        : undefined,
    );
    child.kill('SIGKILL');
    await exited;

    cloud = await startTestCloud({
      services: ['image'],
      dataDir,
      overrides: {
        image: { operation_heartbeat_seconds: 1, import_allowed_ports: [String(source.port)] },
      },
    });
    const c = cloud;
    const image = await waitImage(c, token, imageId, (i) => i.status !== 'importing', 90_000);
    expect(image).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: md5(data),
      os_hash_value: sha512(data),
      os_glance_importing_to_stores: '',
      os_glance_failed_import: '',
    });
    const tasks = await c.request('image', 'GET', `/v2/images/${imageId}/tasks`, { token });
    expect(tasks.body.tasks).toHaveLength(1);
    expect(tasks.body.tasks[0].status).toBe('success');
    expect(stagedFiles(c)).toEqual([]);
  }, 180_000);
});
