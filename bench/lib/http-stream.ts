import fs from 'node:fs';
import http from 'node:http';

/** One streamed transfer: its HTTP answer, the bytes that moved, and how long it took. */
export interface Transfer {
  readonly status: number;
  readonly bytes: number;
  readonly seconds: number;
  /** The answer's body when it is not the data itself (an error message, at most 4 KiB kept). */
  readonly message: string;
}

// One connection per transfer, as `openstack image create --file` / `image save` open.
const agent = new http.Agent({ keepAlive: false });

/**
 * PUTs a file as the request body, streamed from disk (never held whole), with its length
 * announced; times from before the file is opened until the answer has been read.
 */
export function putFile(
  url: string,
  headers: http.OutgoingHttpHeaders,
  file: string,
  chunkBytes = 1 << 20,
): Promise<Transfer> {
  const size = fs.statSync(file).size;
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'PUT',
        agent,
        headers: { ...headers, 'content-length': size, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        let message = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          if (message.length < 4096) message += s;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes: size,
            seconds: Number(process.hrtime.bigint() - start) / 1e9,
            message,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const source = fs.createReadStream(file, { highWaterMark: chunkBytes });
    source.on('error', (err) => req.destroy(err));
    source.pipe(req);
  });
}

/**
 * GETs a URL and drops the body as it arrives, counting its bytes (and handing each chunk to
 * `onChunk`, e.g. to check a hash); times until its last byte.
 */
export function getDiscard(
  url: string,
  headers: http.OutgoingHttpHeaders,
  onChunk?: (chunk: Buffer) => void,
): Promise<Transfer> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', agent, headers }, (res) => {
      let bytes = 0;
      let message = '';
      const ok = (res.statusCode ?? 0) < 300;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (ok) onChunk?.(chunk);
        else if (message.length < 4096) message += chunk.toString('utf8');
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          seconds: Number(process.hrtime.bigint() - start) / 1e9,
          message,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
