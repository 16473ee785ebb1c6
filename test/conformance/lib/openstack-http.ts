/** One answer of an OpenStack API: status, headers, and the body parsed when it is JSON. */
export interface ApiReply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON ('' when empty). */
  body: unknown;
}

export interface ApiRequest {
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as is (e.g. image data); give its content-type in `headers`. */
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** Calls OpenStack APIs with one token, one timeout per request, no retries. */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async request(method: string, url: string, req: ApiRequest = {}): Promise<ApiReply> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-auth-token': this.token,
      ...req.headers,
    };
    let body: string | Buffer | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.raw !== undefined) {
      body = req.raw;
    }
    const response = await fetch(url, {
      method,
      headers,
      body,
      redirect: 'manual', // a version document answers 300 with links, not a redirect
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch((err: unknown) => {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `${method} ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    });
    const text = await response.text();
    let parsed: unknown = text;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** GET that must answer one of `okStatuses`; throws with the status and a body excerpt. */
  async getJson(url: string, okStatuses: readonly number[] = [200]): Promise<unknown> {
    const reply = await this.request('GET', url);
    if (!okStatuses.includes(reply.status)) throw new Error(describeReply('GET', url, reply));
    return reply.body;
  }
}

/** `GET http://… answered HTTP 404: <message>` for error messages. */
export function describeReply(method: string, url: string, reply: ApiReply): string {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  return `${method} ${url} answered HTTP ${reply.status}: ${text.slice(0, 200)}`;
}
