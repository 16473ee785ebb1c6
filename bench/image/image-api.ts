import { HttpClient } from '../lib/http-client.ts';
import { getDiscard, putFile, type Transfer } from '../lib/http-stream.ts';

export interface ImageRecord {
  readonly id: string;
  readonly status: string;
  readonly size: number | null;
  readonly checksum: string | null;
  readonly os_hash_algo: string | null;
  readonly os_hash_value: string | null;
}

/**
 * The Glance v2 calls the image benchmark makes, the same for strata and the real Glance:
 * create, upload (`PUT /v2/images/{id}/file`, streamed), show, download (`GET .../file`),
 * delete. Anything but the documented success status is an error with the server's words.
 */
export class ImageApi {
  readonly #client: HttpClient;
  readonly #base: string;
  readonly #token: string;

  constructor(endpoint: string, token: string) {
    this.#base = endpoint.replace(/\/+$/, '');
    this.#client = new HttpClient(this.#base, 2);
    this.#token = token;
  }

  #path(rest: string): string {
    return `${new URL(this.#base).pathname.replace(/\/+$/, '')}${rest}`;
  }

  async #json(method: string, rest: string, want: number, body?: unknown): Promise<unknown> {
    const res = await this.#client.request({
      method,
      path: this.#path(rest),
      headers: {
        'x-auth-token': this.#token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = res.body?.toString() ?? '';
    if (res.status !== want) throw new Error(`${method} ${rest} answered ${res.status} (want ${want}): ${text.slice(0, 400)}`);
    return text ? JSON.parse(text) : undefined;
  }

  async create(name: string): Promise<ImageRecord> {
    return (await this.#json('POST', '/v2/images', 201, {
      name,
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'private',
    })) as ImageRecord;
  }

  async show(id: string): Promise<ImageRecord> {
    return (await this.#json('GET', `/v2/images/${id}`, 200)) as ImageRecord;
  }

  async delete(id: string): Promise<void> {
    await this.#json('DELETE', `/v2/images/${id}`, 204);
  }

  async upload(id: string, file: string): Promise<Transfer> {
    const t = await putFile(`${this.#base}/v2/images/${id}/file`, { 'x-auth-token': this.#token }, file);
    if (t.status !== 204) throw new Error(`upload of ${id} answered ${t.status}: ${t.message.slice(0, 400)}`);
    return t;
  }

  async download(id: string, expectedBytes: number, onChunk?: (chunk: Buffer) => void): Promise<Transfer> {
    const t = await getDiscard(`${this.#base}/v2/images/${id}/file`, { 'x-auth-token': this.#token }, onChunk);
    if (t.status !== 200) throw new Error(`download of ${id} answered ${t.status}: ${t.message.slice(0, 400)}`);
    if (t.bytes !== expectedBytes) throw new Error(`download of ${id} gave ${t.bytes} bytes, the image has ${expectedBytes}`);
    return t;
  }

  close(): void {
    this.#client.close();
  }
}
