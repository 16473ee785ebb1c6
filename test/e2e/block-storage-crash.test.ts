import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { freePortEnv } from '../support/free-port-env.ts';

const run = promisify(execFile);
const GiB = 1024 ** 3;

/**
 * `strata up` killed with SIGKILL in the middle of volume operations on the file backend,
 * then started again on the same data dir: nothing is handed back by a clean stop here, so
 * the operations resume once their task's lease lapses (30 s by default) and end as if
 * nothing had happened; no volume file is left behind.
 */
describe('block storage survives strata being killed mid-operation', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bs-crash-'));
  const password = 'Crash-Test-Pass-1';
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const volumesDir = path.join(dataDir, 'block-storage', 'volumes');
  const files = () => (fs.existsSync(volumesDir) ? fs.readdirSync(volumesDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Starts `strata up` and returns an admin token and the block-storage URL of its project. */
  async function up(delays: string) {
    fs.rmSync(path.join(dataDir, 'clouds.yaml'), { force: true });
    child = spawn(process.execPath, ['bin/strata.js', 'up', '--data-dir', dataDir, '--admin-password', password, '--identity-port', '0', '--log-level', 'warn'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        ...freePortEnv(),
        STRATA_BLOCK_STORAGE__ENABLED_BACKENDS: 'file',
        STRATA_BLOCK_STORAGE__BACKUP_DRIVER: 'none',
        STRATA_BLOCK_STORAGE__BACKEND_DELAYS: delays,
        STRATA_IDENTITY__PASSWORD_HASH_ROUNDS: '4',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const authUrl = await until('clouds.yaml', async () => {
      const file = path.join(dataDir, 'clouds.yaml');
      return fs.existsSync(file) ? (parseYaml(fs.readFileSync(file, 'utf8')).clouds.strata.auth.auth_url as string) : undefined;
    });
    const auth = await until('a token', async () => {
      const res = await fetch(`${authUrl}/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
            scope: { project: { name: 'admin', domain: { id: 'default' } } },
          },
        }),
      });
      return res.status === 201 ? { token: res.headers.get('x-subject-token')!, body: (await res.json()) as any } : undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    });
    const entry = auth.body.token.catalog.find((s: { type: string }) => s.type === 'block-storage');
    const url = entry.endpoints.find((e: { interface: string }) => e.interface === 'public').url as string;
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${url}/${p}`, {
        method,
        headers: { 'x-auth-token': auth.token, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    return { call };
  }

  const kill = async () => {
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await exited;
    child = undefined;
  };

  it('resumes a create and a delete interrupted by SIGKILL', async () => {
    let api = await up('createVolume=4000');
    const created = await api.call('POST', 'volumes', { volume: { size: 1, name: 'crash' } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.volume.id as string;
    await until('the volume to be scheduled', async () => ((await api.call('GET', `volumes/${id}`)).body.volume['os-vol-host-attr:host'] ? true : undefined));
    await kill();

    api = await up('deleteVolume=4000');
    // The dead process's task lease must lapse before another claims the task.
    await until('the volume to become available', async () => ((await api.call('GET', `volumes/${id}`)).body.volume.status === 'available' ? true : undefined), 180_000);
    const file = path.join(volumesDir, `volume-${id}.qcow2`);
    const { stdout } = await run('qemu-img', ['info', '--output=json', '-U', file]);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'qcow2', 'virtual-size': GiB });
    expect(files()).toEqual([`volume-${id}.qcow2`]);

    expect((await api.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api.call('GET', `volumes/${id}`)).body.volume.status).toBe('deleting');
    await kill();

    api = await up('');
    await until('the volume to be deleted', async () => ((await api.call('GET', `volumes/${id}`)).status === 404 ? true : undefined), 180_000);
    expect(files()).toEqual([]);
    await kill();
  }, 480_000);
});
