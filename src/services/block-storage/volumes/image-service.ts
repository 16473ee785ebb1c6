import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * The image service as block storage uses it, over its HTTP API (Glance v2) with the
 * caller's token, as Cinder does: look an image up, stream its data into a volume, create
 * an image record and stream a volume into it. Data always flows as streams.
 */

/** An image as GET /v2/images/{id} shows it; custom properties are the remaining keys. */
export interface ImageRecord {
  readonly id: string;
  readonly name: string | null;
  readonly status: string;
  readonly size: number | null;
  readonly virtual_size?: number | null;
  readonly min_disk: number;
  readonly min_ram: number;
  readonly disk_format: string | null;
  readonly container_format: string | null;
  readonly checksum: string | null;
  readonly visibility?: string;
  readonly protected?: boolean;
  readonly [key: string]: unknown;
}

export class ImageServiceError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'ImageServiceError';
  }

  /** Worth trying again: the service did not answer or answered 5xx. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500;
  }
}

/** Glance's own attributes: everything else on an image is a custom property. */
export const IMAGE_CORE_ATTRIBUTES = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'os_hidden',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'owner',
  'size',
  'virtual_size',
  'min_disk',
  'min_ram',
  'disk_format',
  'container_format',
  'created_at',
  'updated_at',
  'tags',
  'file',
  'self',
  'schema',
  'locations',
  'direct_url',
  'stores',
]);

export class ImageServiceClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}${path}`, {
        ...init,
        method,
        headers: { 'x-auth-token': this.token, accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      });
    } catch (err) {
      throw new ImageServiceError(`image service unreachable: ${(err as Error).message}`, undefined);
    }
    return res;
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    throw new ImageServiceError(`${what}: image service answered ${res.status} ${text.slice(0, 200)}`, res.status);
  }

  /** The image, or undefined when it does not exist or the caller may not see it. */
  async show(id: string): Promise<ImageRecord | undefined> {
    const res = await this.call('GET', `/v2/images/${encodeURIComponent(id)}`);
    if (res.status === 404 || res.status === 403) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return this.fail(res, `show image ${id}`);
    return (await res.json()) as ImageRecord;
  }

  async findByName(name: string): Promise<ImageRecord[]> {
    const res = await this.call('GET', `/v2/images?name=${encodeURIComponent(name)}`);
    if (!res.ok) return this.fail(res, `list images named ${name}`);
    const body = (await res.json()) as { images?: ImageRecord[] };
    return body.images ?? [];
  }

  /** The image's data as a stream (the caller must consume or destroy it). */
  async download(id: string): Promise<Readable> {
    const res = await this.call('GET', `/v2/images/${encodeURIComponent(id)}/file`, { headers: { accept: 'application/octet-stream' } });
    if (!res.ok || !res.body) return this.fail(res, `download image ${id}`);
    return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  }

  async create(record: Readonly<Record<string, unknown>>): Promise<ImageRecord> {
    const res = await this.call('POST', '/v2/images', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(record),
    });
    if (res.status !== 201 && !res.ok) return this.fail(res, 'create image');
    return (await res.json()) as ImageRecord;
  }

  /** Streams `data` into the image (PUT /v2/images/{id}/file). */
  async upload(id: string, data: Readable): Promise<void> {
    const res = await this.call('PUT', `/v2/images/${encodeURIComponent(id)}/file`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: Readable.toWeb(data) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
    if (!res.ok) return this.fail(res, `upload image ${id}`);
    await res.body?.cancel();
  }

  async delete(id: string): Promise<void> {
    const res = await this.call('DELETE', `/v2/images/${encodeURIComponent(id)}`);
    if (!res.ok && res.status !== 404) return this.fail(res, `delete image ${id}`);
    await res.body?.cancel();
  }
}

/**
 * Where the image's data lies, as far as the image service shows it: `direct_url`
 * (show_image_direct_url) and `locations[].url` (show_multiple_locations).
 */
export function imageDataLocations(image: ImageRecord): string[] {
  const urls = typeof image.direct_url === 'string' ? [image.direct_url] : [];
  if (Array.isArray(image.locations)) {
    for (const l of image.locations as unknown[]) {
      const url = (l as { url?: unknown } | null)?.url;
      if (typeof url === 'string' && !urls.includes(url)) urls.push(url);
    }
  }
  return urls;
}

/**
 * What a volume created from an image remembers of it (Cinder's volume_glance_metadata):
 * the image's identity and formats plus its custom properties, as text.
 */
export function volumeImageMetadataOf(image: ImageRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: string, v: unknown) => {
    if (v === undefined || v === null) return;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  };
  put('image_id', image.id);
  put('image_name', image.name);
  put('checksum', image.checksum);
  put('container_format', image.container_format);
  put('disk_format', image.disk_format);
  put('min_disk', image.min_disk);
  put('min_ram', image.min_ram);
  put('size', image.size);
  for (const [k, v] of Object.entries(image)) {
    if (IMAGE_CORE_ATTRIBUTES.has(k) || k.startsWith('os_glance')) continue;
    put(k, v);
  }
  return out;
}
