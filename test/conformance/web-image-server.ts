// An HTTP server on this host that serves one image file: what Tempest's web-download import
// test fetches ([image] http_image), since no test may download from the internet.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export interface WebImageServer {
  url: string;
  port: number;
  /** How many GETs of the image it answered (the import did fetch it). */
  downloads: () => number;
  close: () => Promise<void>;
}

/** 1 MiB + 5 bytes of random data, served at /conformance-web-download.img on 127.0.0.1. */
export function startWebImageServer(
  bytes: Buffer = randomBytes(1024 * 1024 + 5),
): Promise<WebImageServer> {
  const path = '/conformance-web-download.img';
  let downloads = 0;
  const server = createServer((req, res) => {
    if (req.url !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    downloads++;
    res.end(bytes);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}${path}`,
        port,
        downloads: () => downloads,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
