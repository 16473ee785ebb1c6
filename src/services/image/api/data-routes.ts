import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { openCopy, storeById } from '../image-data.ts';
import type { Image } from '../image-model.ts';
import { uploadImageData } from '../image-upload.ts';
import { assertMutable, callerOf, imageInReach, imageRouteTarget } from './image-access.ts';
import { parseByteRange } from './byte-range.ts';

const ImageParams = Type.Object({ image_id: Type.String() });
const DATA_TYPE = 'application/octet-stream';

function header(call: ApiCall, name: string): string | undefined {
  const v = call.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The request body as a stream the store may destroy without taking the connection with it:
 * a client that went away ends it with an error, and whatever the store did not read is
 * drained afterwards so the client, still sending, gets to read our answer.
 */
export function uploadSource(call: ApiCall): { data: Readable; drain(): void } {
  const type = (header(call, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== DATA_TYPE || !(call.body instanceof Readable)) {
    throw imageErrors.unsupportedMediaType(`Unsupported Content-Type: image data must be sent as ${DATA_TYPE}.`);
  }
  const raw = call.body;
  // 1 MiB: with the default 16 KiB every 64 KiB socket chunk paused and resumed the socket.
  const data = new PassThrough({ highWaterMark: 1 << 20 });
  // The client may go away before the store starts reading: the error then waits in the
  // destroyed stream for the store's pipeline to report it, instead of crashing the process.
  data.on('error', () => undefined);
  const aborted = () => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  raw.on('error', (err) => data.destroy(err));
  raw.on('close', () => {
    if (!raw.readableEnded) data.destroy(aborted());
  });
  raw.pipe(data);
  return {
    data,
    drain() {
      raw.unpipe(data);
      if (!raw.readableEnded && !raw.destroyed) raw.resume();
    },
  };
}

/** Content-Length as a number, or 400 when it is not one. */
export function contentLength(call: ApiCall): number | undefined {
  const v = header(call, 'content-length');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw imageErrors.badRequest(`Invalid Content-Length: ${v}`);
  return Number(v);
}

/** The first copy of the image's data in a store this worker still has. */
function readableCopy(env: ImageEnv, image: Image) {
  for (const location of image.locations) {
    const store = storeById(env, location.storeId);
    if (store) return { store, url: location.url };
  }
  return undefined;
}

/** PUT and GET /v2/images/{id}/file: image data streamed in and out, never held whole. */
export function dataRoutes(env: ImageEnv): RouteSpec[] {
  const target = imageRouteTarget(env);
  return [
    defineRoute({
      method: 'PUT',
      url: '/v2/images/:image_id/file',
      policy: 'upload_image',
      target,
      schema: { params: ImageParams },
      status: 204,
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        assertMutable(call, image);
        const source = uploadSource(call);
        try {
          await uploadImageData(env, image, source.data, {
            expectedSize: contentLength(call),
            contentMd5: header(call, 'content-md5'),
            storeId: header(call, 'x-image-meta-store'),
          });
        } catch (err) {
          source.drain();
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v2/images/:image_id/file',
      policy: 'download_image',
      target,
      schema: { params: ImageParams },
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        if (image.status === 'deactivated' && !callerOf(call).isAdmin) {
          throw imageErrors.forbidden('The requested image has been deactivated. Image data download is forbidden.');
        }
        const copy = image.status === 'active' || image.status === 'deactivated' ? readableCopy(env, image) : undefined;
        if (!copy || image.size === null) {
          call.reply.code(204);
          return call.reply.send();
        }
        const range = parseByteRange(header(call, 'range'), image.size);
        const stream = await openCopy(copy.store, copy.url, range ?? undefined);
        if (!stream) throw imageErrors.notFound(`The image data for image ${image.id} was not found in store ${copy.store.id}.`);
        const headers: Record<string, string | number> = {
          ...(call.reply.getHeaders() as Record<string, string | number>),
          'content-type': DATA_TYPE,
          'content-length': range ? range.length : image.size,
        };
        if (image.checksum && !range) headers['content-md5'] = image.checksum;
        if (range) headers['content-range'] = `bytes ${range.offset}-${range.offset + range.length - 1}/${image.size}`;
        // Taken over from the framework so a ranged answer keeps its 206; the access log and
        // metrics still see the response finish.
        call.reply.hijack();
        call.reply.raw.writeHead(range ? 206 : 200, headers);
        await pipeline(stream, call.reply.raw).catch((err: unknown) => {
          call.log.warn({ err, image_id: image.id }, 'image download ended early');
          call.reply.raw.destroy();
        });
        return undefined;
      },
    }),
  ];
}
