import { expect } from 'vitest';
import { startTestCloud, type TestCloud, type TestReply } from '../../../../test/support/test-cloud.ts';
import type { BlockStorageInstance } from '../index.ts';
import { ensureDefaultVolumeType } from '../store/volume-types.ts';

/** A caller of the block storage API: its project and a request function bound to its token. */
export interface VolumeClient {
  readonly projectId: string;
  readonly userId: string;
  readonly token: string;
  /** `path` relative to /v3/{project_id}/, or absolute from `/`. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestReply>;
}

export interface VolumeCloud {
  readonly cloud: TestCloud;
  readonly admin: VolumeClient;
  member(role?: string): Promise<VolumeClient>;
  instance(): BlockStorageInstance;
  /** Polls the volume (as admin) until its status is `status`; fails on another final status. */
  waitForStatus(id: string, status: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  waitForDeletion(id: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const LATEST = { 'OpenStack-API-Version': 'volume 3.70' };

function client(cloud: TestCloud, who: { projectId: string; userId: string; token: string }): VolumeClient {
  return {
    ...who,
    call: (method, path, body, headers) =>
      cloud.request('block-storage', method, path.startsWith('/') ? path : `/v3/${who.projectId}/${path}`, {
        token: who.token,
        body,
        headers,
      }),
  };
}

/** The cloud with identity and block storage on the fake backend, and helpers to drive volumes. */
export async function startVolumeCloud(
  opts: { databaseUrl?: string; overrides?: Record<string, Record<string, unknown>>; dataDir?: string; services?: readonly string[] } = {},
): Promise<VolumeCloud> {
  // The fake backend, whatever the default is: these tests are about the API and its state machine.
  const overrides = { ...opts.overrides, 'block-storage': { enabled_backends: ['fake'], ...opts.overrides?.['block-storage'] } };
  const cloud = await startTestCloud({ services: ['block-storage'], ...opts, overrides });
  const instance = () => cloud.cloud.services.find((s) => s.definition.type === 'block-storage')!.instance as BlockStorageInstance;
  const env = instance().env;
  await ensureDefaultVolumeType(env.db, env.settings, new Date());
  const admin = client(cloud, { projectId: cloud.adminProjectId, userId: '', token: cloud.adminToken });
  const waitForStatus = async (id: string, status: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      const r = await admin.call('GET', `volumes/${id}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      last = r.body.volume as Record<string, unknown>;
      if (last.status === status) return last;
      if (last.status !== 'creating' && String(last.status).startsWith('error') && !status.startsWith('error')) {
        throw new Error(`volume ${id} went to ${String(last.status)} waiting for ${status}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`volume ${id} is ${String(last?.status)}, not ${status}, after ${timeoutMs} ms`);
  };
  return {
    cloud,
    admin,
    instance,
    member: async (role) => client(cloud, await cloud.member(role)),
    waitForStatus,
    async waitForDeletion(id, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const r = await admin.call('GET', `volumes/${id}`);
        if (r.status === 404) return;
        await new Promise((res) => setTimeout(res, 25));
      }
      throw new Error(`volume ${id} still exists after ${timeoutMs} ms`);
    },
    close: () => cloud.close(),
  };
}
