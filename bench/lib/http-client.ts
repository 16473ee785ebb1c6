import http from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body, unless the request asked to discard it. */
  readonly body: Buffer | undefined;
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Read and drop the body instead of buffering it (the hot path of a load run). */
  readonly discardBody?: boolean;
}

/**
 * The one HTTP client every benchmarked server is driven with: node:http over a keep-alive
 * Agent, one socket per concurrent worker. A server that answers `Connection: close` (the
 * reference Keystone under uwsgi does) gets a fresh connection per request from the same
 * Agent, which is part of what is being compared.
 */
export class HttpClient {
  readonly #agent: http.Agent;
  readonly #host: string;
  readonly #port: number;

  constructor(baseUrl: string, maxSockets: number) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:')
      throw new Error(`only http:// endpoints are benchmarked, got ${baseUrl}`);
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const outgoing = http.request(
        {
          host: this.#host,
          port: this.#port,
          method: req.method,
          path: req.path,
          headers,
          agent: this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            if (!req.discardBody) chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: req.discardBody ? undefined : Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
