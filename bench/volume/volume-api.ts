import { HttpClient } from '../lib/http-client.ts';

export interface VolumeStatus {
  readonly id: string;
  readonly status: string;
}

/**
 * The Cinder v3 calls of the volume-rate benchmark, the same for strata and the real Cinder:
 * quota update, volume create, list (detail), delete. Anything but the documented success
 * status is an error carrying the server's words.
 */
export class VolumeApi {
  readonly #client: HttpClient;
  readonly #base: string;
  readonly #token: string;

  /** `endpoint` is the catalog's block-storage URL, which ends in /v3/{project_id}. */
  constructor(endpoint: string, token: string, maxSockets: number) {
    this.#base = new URL(endpoint).pathname.replace(/\/+$/, '');
    this.#client = new HttpClient(endpoint, maxSockets);
    this.#token = token;
  }

  async #call(method: string, rest: string, want: readonly number[], body?: unknown): Promise<unknown> {
    const res = await this.#client.request({
      method,
      path: `${this.#base}${rest}`,
      headers: {
        'x-auth-token': this.#token,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = res.body?.toString() ?? '';
    if (!want.includes(res.status)) {
      throw new Error(`${method} ${rest} answered ${res.status} (want ${want.join('/')}): ${text.slice(0, 400)}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  /** Lifts the volume and gigabyte quotas of a project (os-quota-sets, admin). */
  async unlimitedQuota(projectId: string): Promise<void> {
    await this.#call('PUT', `/os-quota-sets/${projectId}`, [200], {
      quota_set: { volumes: -1, gigabytes: -1, snapshots: -1 },
    });
  }

  async create(name: string, sizeGiB: number): Promise<string> {
    const body = (await this.#call('POST', '/volumes', [202], { volume: { name, size: sizeGiB } })) as {
      volume: { id: string };
    };
    return body.volume.id;
  }

  async delete(id: string): Promise<void> {
    await this.#call('DELETE', `/volumes/${id}`, [202]);
  }

  /** Every volume of the project with its status (one page: the benchmark keeps fewer than 1000). */
  async list(): Promise<VolumeStatus[]> {
    const body = (await this.#call('GET', '/volumes/detail?limit=1000', [200])) as { volumes: VolumeStatus[] };
    return body.volumes.map((v) => ({ id: v.id, status: v.status }));
  }

  close(): void {
    this.#client.close();
  }
}
