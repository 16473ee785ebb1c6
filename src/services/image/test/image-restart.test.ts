import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import { download, eventually, md5, show, storeFiles, upload } from './image-test-helpers.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crashing-cloud.fixture.ts');

describe('image service restart after a crash mid-upload', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-image-crash-'));
  let c: TestCloud | undefined;
  afterAll(async () => {
    await c?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues the interrupted image again, removes its partial data and orphaned files, and accepts a new upload', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const first = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const { url, token, imageId } = JSON.parse(first) as { url: string; token: string; imageId: string };

    // 3 MiB arrive, then the client keeps the upload open without sending more.
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent < 3) {
          sent++;
          controller.enqueue(randomBytes(1 << 20));
          return;
        }
        await new Promise(() => undefined);
      },
    });
    const inFlight = fetch(`${url}/v2/images/${imageId}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit).catch((err: unknown) => err);
    const storeDir = path.join(dataDir, 'image', 'images');
    await eventually(
      'the upload saving with partial data on disk',
      async () => ({
        status: ((await (await fetch(`${url}/v2/images/${imageId}`, { headers: { 'x-auth-token': token } })).json()) as { status: string }).status,
        partial: fs.existsSync(storeDir) ? fs.readdirSync(storeDir).filter((f) => f.includes(imageId)).map((f) => fs.statSync(path.join(storeDir, f)).size) : [],
      }),
      (s) => s.status === 'saving' && s.partial.some((n) => n >= 1 << 20),
      60_000,
    );
    child.kill('SIGKILL');
    await exited;
    await inFlight;
    // Complete data with no image row: what a crash between the store's rename and the
    // database commit of some other upload leaves.
    const orphan = randomUUID();
    fs.writeFileSync(path.join(storeDir, orphan), randomBytes(1000));
    expect(storeFiles({ dataDir }).some((f) => f.includes(imageId))).toBe(true);

    c = await startTestCloud({ services: ['image'], dataDir, overrides: { image: { operation_heartbeat_seconds: 1 } } });
    const cloud = c;
    // Its worker was another one: recovered once three heartbeats went by without it.
    const recovered = await eventually('the image queued again', () => show(cloud, cloud.adminToken, imageId), (i) => i.status === 'queued', 60_000);
    expect(recovered).toMatchObject({ size: null, checksum: null, os_hash_value: null });
    expect(storeFiles(cloud)).toEqual([]);

    const data = randomBytes(50_000);
    expect((await upload(cloud, cloud.adminToken, imageId, data)).status).toBe(204);
    expect(md5((await download(cloud, cloud.adminToken, imageId)).data)).toBe(md5(data));
  }, 180_000);
});
