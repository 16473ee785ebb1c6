import os from 'node:os';
import type { HttpClient } from '../lib/http-client.ts';
import { runClosedLoop, type Operation, type LoadRunResult } from '../lib/load-loop.ts';
import { summarizeLatencies, type LatencySummary } from '../lib/latency-stats.ts';
import { passwordAuthBody, type KeystoneCredentials } from './keystone-credentials.ts';

export type TokenOperation = 'issue' | 'validate';

export interface LoadSettings {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface Measurement {
  readonly operation: TokenOperation;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** os.loadavg() right before the measured phase (after warm-up) and right after it. */
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
  readonly elapsedMs: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  /** errors / (ok + errors) */
  readonly errorRate: number;
  /** Successful operations per second of wall time. */
  readonly throughputPerSec: number;
  readonly latencyMs: LatencySummary;
  /** CPU the server processes used during the measured phase, per successful operation (ms). */
  readonly serverCpuMsPerOp?: number;
  /** The same as a number of busy cores. */
  readonly serverCpuCores?: number;
  /** CPU the load generator (this process) used, as busy cores: it shares the machine. */
  readonly clientCpuCores: number;
}

/** Cumulative CPU seconds of the server under test, or undefined when it cannot be read. */
export type ServerCpuProbe = () => number | undefined;

interface CpuMarks {
  readonly server: number | undefined;
  readonly client: NodeJS.CpuUsage;
}

function roundLoad(values: number[]): number[] {
  return values.map((v) => Math.round(v * 100) / 100);
}

function toMeasurement(
  op: TokenOperation,
  settings: LoadSettings,
  before: number[],
  run: LoadRunResult,
  cpu: { server?: number; client: number },
): Measurement {
  const total = run.ok + run.errors;
  const seconds = run.elapsedMs / 1000;
  return {
    operation: op,
    concurrency: settings.concurrency,
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    loadAverageBefore: before,
    loadAverageAfter: roundLoad(os.loadavg()),
    elapsedMs: run.elapsedMs,
    ok: run.ok,
    errors: run.errors,
    errorKinds: run.errorKinds,
    errorRate: total ? run.errors / total : 0,
    throughputPerSec: run.ok / (run.elapsedMs / 1000),
    latencyMs: summarizeLatencies(run.latenciesMs),
    ...(cpu.server !== undefined && run.ok > 0
      ? { serverCpuMsPerOp: (cpu.server * 1000) / run.ok, serverCpuCores: cpu.server / seconds }
      : {}),
    clientCpuCores: cpu.client / seconds,
  };
}

/**
 * Keystone v3 token operations against one endpoint, driven by the shared client. Works the
 * same against strata and the real Keystone: only the public API is used.
 */
export class TokenWorkload {
  readonly #client: HttpClient;
  readonly #creds: KeystoneCredentials;
  readonly #tokensPath: string;
  readonly #authBody: Buffer;

  readonly #serverCpu: ServerCpuProbe;

  constructor(
    client: HttpClient,
    creds: KeystoneCredentials,
    serverCpu: ServerCpuProbe = () => undefined,
  ) {
    this.#client = client;
    this.#serverCpu = serverCpu;
    this.#creds = creds;
    this.#tokensPath = `${new URL(creds.authUrl).pathname.replace(/\/+$/, '')}/auth/tokens`;
    this.#authBody = Buffer.from(passwordAuthBody(creds));
  }

  async issueToken(): Promise<string> {
    const res = await this.#client.request({
      method: 'POST',
      path: this.#tokensPath,
      headers: { 'content-type': 'application/json' },
      body: this.#authBody,
    });
    const token = res.headers['x-subject-token'];
    if (res.status !== 201 || typeof token !== 'string') {
      throw new Error(
        `token issue at ${this.#creds.authUrl} answered ${res.status}: ${res.body?.toString().slice(0, 300)}`,
      );
    }
    return token;
  }

  /** Issues `count` tokens one by one and checks they are distinct. */
  async issueTokenPool(count: number): Promise<string[]> {
    const pool: string[] = [];
    for (let i = 0; i < count; i++) pool.push(await this.issueToken());
    if (new Set(pool).size !== pool.length)
      throw new Error(
        'the server issued identical tokens: the pool would not exercise distinct tokens',
      );
    return pool;
  }

  /** One full validation with the body parsed, so a load run is known to measure real answers. */
  async checkValidate(authToken: string, subjectToken: string): Promise<void> {
    const res = await this.#client.request({
      method: 'GET',
      path: this.#tokensPath,
      headers: { 'x-auth-token': authToken, 'x-subject-token': subjectToken },
    });
    if (res.status !== 200)
      throw new Error(
        `token validate answered ${res.status}: ${res.body?.toString().slice(0, 300)}`,
      );
    const body = JSON.parse(res.body!.toString()) as {
      token?: { project?: { name?: string }; catalog?: unknown[] };
    };
    if (body.token?.project?.name !== this.#creds.projectName)
      throw new Error('token validate returned no project-scoped token');
    if (!Array.isArray(body.token.catalog)) throw new Error('token validate returned no catalog');
  }

  readonly #issueOperation: Operation = async () => {
    const res = await this.#client.request({
      method: 'POST',
      path: this.#tokensPath,
      headers: { 'content-type': 'application/json' },
      body: this.#authBody,
      discardBody: true,
    });
    if (res.status !== 201) return { ok: false, kind: `HTTP ${res.status}` };
    if (!res.headers['x-subject-token']) return { ok: false, kind: 'no X-Subject-Token' };
    return { ok: true };
  };

  #validateOperation(authToken: string, pool: readonly string[]): Operation {
    const headers = pool.map((subject) => ({
      'x-auth-token': authToken,
      'x-subject-token': subject,
    }));
    return async (seq) => {
      const res = await this.#client.request({
        method: 'GET',
        path: this.#tokensPath,
        headers: headers[seq % headers.length]!,
        discardBody: true,
      });
      return res.status === 200 ? { ok: true } : { ok: false, kind: `HTTP ${res.status}` };
    };
  }

  async #measure(
    op: TokenOperation,
    operation: Operation,
    settings: LoadSettings,
  ): Promise<Measurement> {
    if (settings.warmupMs > 0)
      await runClosedLoop({
        concurrency: settings.concurrency,
        durationMs: settings.warmupMs,
        operation,
      });
    const before = roundLoad(os.loadavg());
    const marks: CpuMarks = { server: this.#serverCpu(), client: process.cpuUsage() };
    const run = await runClosedLoop({
      concurrency: settings.concurrency,
      durationMs: settings.durationMs,
      operation,
    });
    const serverAfter = this.#serverCpu();
    const client = process.cpuUsage(marks.client);
    return toMeasurement(op, settings, before, run, {
      ...(marks.server !== undefined && serverAfter !== undefined
        ? { server: serverAfter - marks.server }
        : {}),
      client: (client.user + client.system) / 1e6,
    });
  }

  /** `POST /v3/auth/tokens`, password, project-scoped, at the given concurrency. */
  measureIssue(settings: LoadSettings): Promise<Measurement> {
    return this.#measure('issue', this.#issueOperation, settings);
  }

  /** `GET /v3/auth/tokens` round-robin over `pool`, with `authToken` as the caller. */
  measureValidate(
    settings: LoadSettings,
    authToken: string,
    pool: readonly string[],
  ): Promise<Measurement> {
    return this.#measure('validate', this.#validateOperation(authToken, pool), settings);
  }
}
