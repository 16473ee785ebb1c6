// The image tempest's [compute] image_ref points at. Volume tests create volumes from it
// (VolumesGetTest, VolumesImageMetadata, VolumesCloneTest), even without a compute service.
import { randomBytes } from 'node:crypto';
import type { ApiClient } from '../lib/openstack-http.ts';
import { describeReply } from '../lib/openstack-http.ts';
import { imageApiRoot } from './service-features.ts';

/** 1 MiB raw: small to upload and copy, and a whole number of 512-byte sectors. */
export const TEST_IMAGE_BYTES = 1024 * 1024;

/**
 * Creates a public raw image (visibility public, so every dynamic tempest user can read it),
 * uploads random data and waits until it is active. Returns its id; on failure the image
 * is deleted again.
 */
export async function createTestImage(
  api: ApiClient,
  imageEndpoint: string,
  name: string,
  options: { timeoutMs?: number; pollMs?: number; data?: Buffer } = {},
): Promise<string> {
  const root = `${imageApiRoot(imageEndpoint)}/v2/images`;
  const created = await api.request('POST', root, {
    json: { name, disk_format: 'raw', container_format: 'bare', visibility: 'public' },
  });
  const id = (created.body as { id?: unknown } | null)?.id;
  if (created.status !== 201 || typeof id !== 'string') {
    throw new Error(describeReply('POST', root, created));
  }
  try {
    const fileUrl = `${root}/${id}/file`;
    const uploaded = await api.request('PUT', fileUrl, {
      raw: options.data ?? randomBytes(TEST_IMAGE_BYTES),
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (uploaded.status !== 204) throw new Error(describeReply('PUT', fileUrl, uploaded));
    await waitForImageStatus(api, `${root}/${id}`, 'active', options);
    return id;
  } catch (err) {
    await deleteTestImage(api, imageEndpoint, id).catch(() => {});
    throw err;
  }
}

async function waitForImageStatus(
  api: ApiClient,
  url: string,
  wanted: string,
  options: { timeoutMs?: number; pollMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let status = '';
  while (Date.now() < deadline) {
    const reply = await api.request('GET', url);
    if (reply.status !== 200) throw new Error(describeReply('GET', url, reply));
    status = String((reply.body as { status?: unknown }).status);
    if (status === wanted) return;
    if (status === 'killed' || status === 'deleted') break;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
  throw new Error(`image ${url} is ${status}, not ${wanted}`);
}

/** Deletes the image; one that is already gone is fine. */
export async function deleteTestImage(
  api: ApiClient,
  imageEndpoint: string,
  id: string,
): Promise<void> {
  const url = `${imageApiRoot(imageEndpoint)}/v2/images/${id}`;
  const reply = await api.request('DELETE', url);
  if (reply.status !== 204 && reply.status !== 404)
    throw new Error(describeReply('DELETE', url, reply));
}
