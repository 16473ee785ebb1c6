import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startTestCloud, type TestCloud, type TestReply } from '../../../../test/support/test-cloud.ts';
import { MemoryNetworkDriver } from '../../../../test/support/network-memory-driver.ts';
import { PolicyEnforcer, personaPolicies } from '../../../core/auth/index.ts';
import { loadConfig } from '../../../core/config/index.ts';
import { migrateToLatest, openDatabase, type Database } from '../../../core/db/index.ts';
import { HealthRegistry, createProcessMetrics, silentLogger } from '../../../core/observability/index.ts';
import { buildService, processSections, type RunningService } from '../../../core/service/index.ts';
import { networkConfig, networkService, type NetworkInstance } from '../index.ts';

/** A caller of the network API: its project and a request function bound to its token. */
export interface NetworkClient {
  readonly projectId: string;
  readonly token: string;
  /** `path` relative to /v2.0/, or absolute from `/`. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestReply>;
}

export interface NetworkCloud {
  readonly cloud: TestCloud;
  readonly url: string;
  readonly admin: NetworkClient;
  readonly driver: MemoryNetworkDriver;
  member(role?: string): Promise<NetworkClient>;
  instance(): NetworkInstance;
  close(): Promise<void>;
}

/**
 * Identity (from the shared test cloud, with real tokens) plus the network service built
 * by the same core functions `strata up` uses (buildService, migrations, policy enforcer),
 * on the in-memory driver. Until the network service is registered in cli/services.ts the
 * shared test cloud cannot start it, so it is attached here.
 */
export async function startNetworkCloud(opts: { databaseUrl?: string; overrides?: Record<string, unknown> } = {}): Promise<NetworkCloud> {
  const cloud = await startTestCloud(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
  let db: Database | undefined;
  let running: RunningService | undefined;
  try {
    const identity = cloud.cloud.services.find((s) => s.definition.type === 'identity')!;
    const config = loadConfig([...processSections, networkConfig], { env: {}, overrides: { network: { port: 0, ...opts.overrides } } });
    db = await openDatabase(opts.databaseUrl ?? `sqlite://${path.join(cloud.dataDir, `network-${randomUUID()}.db`)}`);
    await migrateToLatest(db, 'network', networkService.migrations);
    const driver = new MemoryNetworkDriver();
    running = await buildService(
      networkService,
      {
        config,
        db,
        logger: silentLogger(),
        metrics: createProcessMetrics(),
        health: new HealthRegistry(),
        policy: new PolicyEnforcer({ defaults: [...personaPolicies, ...networkService.policies] }),
        tokens: identity.instance.tokens,
        dataDir: path.join(cloud.dataDir, 'network'),
        drivers: { driver },
        peer: () => ({ url: undefined, local: undefined }),
      },
      { bodyLimit: 1 << 20 },
    );
    const url = (await running.listen('127.0.0.1', 0)).replace(/\/$/, '');
    const client = (who: { projectId: string; token: string }): NetworkClient => ({
      ...who,
      call: (method, p, body, headers) =>
        cloud.request('identity', method, p.startsWith('/') ? `${url}${p}` : `${url}/v2.0/${p}`, { token: who.token, body, headers }),
    });
    const svc = running;
    const database = db;
    return {
      cloud,
      url,
      driver,
      admin: client({ projectId: cloud.adminProjectId, token: cloud.adminToken }),
      member: async (role) => client(await cloud.member(role)),
      instance: () => svc.instance as NetworkInstance,
      async close() {
        await svc.close();
        await database.close();
        await cloud.close();
      },
    };
  } catch (err) {
    await running?.close().catch(() => {});
    await db?.close().catch(() => {});
    await cloud.close();
    throw err;
  }
}
