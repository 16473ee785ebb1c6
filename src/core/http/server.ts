import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger, ProcessMetrics, HealthRegistry } from '../observability/index.ts';
import { ApiError } from '../errors/index.ts';
import { projectIdOf } from '../auth/context.ts';
import { toApiError, type FaultFormatter } from './faults.ts';

export interface ApiServerOptions {
  /** Service type, used in metric labels and log lines. */
  readonly service: string;
  readonly logger: Logger;
  readonly metrics: ProcessMetrics;
  readonly health: HealthRegistry;
  readonly faults: FaultFormatter;
  /** Largest request body accepted, in bytes; larger ones get 413. */
  readonly bodyLimit: number;
  /** Extra response headers carrying the request id (Nova's x-compute-request-id). */
  readonly requestIdHeaders?: readonly string[];
  /** Trust X-Forwarded-* from an ingress in front of us. */
  readonly trustProxy?: boolean;
  /** Content types besides JSON this service reads (see BodyParser). */
  readonly bodyParsers?: readonly BodyParser[];
}

/**
 * A request content type a service reads besides JSON: `json` parses it as JSON with the
 * same limits and checks (JSON-patch documents), `stream` hands the handler the body unread
 * as a Readable (image uploads), with no size limit: the handler enforces its own.
 */
export interface BodyParser {
  readonly contentType: string | RegExp;
  readonly parseAs: 'json' | 'stream';
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeLabel(req: FastifyRequest): string {
  // The route template, not the concrete URL, so metric cardinality stays bounded.
  return req.routeOptions.url ?? 'unmatched';
}

function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (!Array.isArray(v) && Object.hasOwn(v, '__proto__')) return true;
    for (const child of Object.values(v)) stack.push(child);
  }
  return false;
}

/** JSON bodies: empty means absent, syntax errors are 400s, `__proto__` keys are refused. */
function parseJsonBody(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return done(null, undefined);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return done(new ApiError(400, 'malformed_body', `Malformed JSON in request body: ${(err as Error).message}`), undefined);
  }
  // Fastify's own parser refuses these too: a `__proto__` key copied with Object.assign
  // or a merge would replace the prototype of the object it lands in.
  if ((text.includes('__proto__') || text.includes('\\u')) && hasProtoKey(value)) {
    return done(new ApiError(400, 'malformed_body', 'The request body contains a forbidden "__proto__" key.'), undefined);
  }
  done(null, value);
}

/**
 * Answers an error Node's HTTP parser raised on a connection, in the service's fault
 * format, the way Node would without a handler: only when no response to an in-flight
 * request has started (bytes written now would corrupt it), then the socket is closed.
 */
function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Duplex,
  format: (error: ApiError) => unknown,
  idHeaders: readonly string[],
  logger: Logger,
): void {
  // a reset connection has no one left to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ApiError(408, 'request_timeout', 'The request was not received in time.')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError(431, 'headers_too_large', 'The request headers are too large.')
        : new ApiError(400, 'bad_request', 'The request was malformed or ended before its body was complete.');
  const requestId = `req-${randomUUID()}`;
  logger.info({ request_id: requestId, code: err.code, status: error.status }, 'client error');
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(format(error));
    const head = [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? error.title}`,
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      ...idHeaders.map((h) => `${h}: ${requestId}`),
      'connection: close',
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/**
 * The HTTP server every service runs on: request ids, JSON parsing with a size limit, the
 * service's fault format for every error, a JSON access log line and metrics per request,
 * and /healthcheck and /metrics. Routes are added with registerRoutes().
 */
export function createApiServer(opts: ApiServerOptions): FastifyInstance {
  const idHeaders = ['x-openstack-request-id', ...(opts.requestIdHeaders ?? [])];

  const sendFault = (err: unknown, req: FastifyRequest, reply: FastifyReply): void => {
    const { error, internal } = toApiError(err);
    if (internal) {
      req.log.error({ err }, 'unhandled error');
    } else if (error.status >= 500) {
      req.log.warn({ code: error.code, message: error.message }, 'service error');
    }
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
    reply.code(error.status).header('content-type', 'application/json').send(opts.faults(error, req.id));
  };

  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Our onResponse hook writes one access line per request with user and project.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy ?? false,
    genReqId: () => `req-${randomUUID()}`,
    return503OnClosing: true,
    // Path segments carry names as well as ids (project tags are up to 255 characters);
    // the default of 100 would refuse those with 414.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1024 },
    forceCloseConnections: true,
    // Errors of the connection itself (a body cut short by a half-closed client, a
    // malformed request line, headers too large, a timeout) are answered on the socket
    // before any request exists: without this they would carry Fastify's own body.
    clientErrorHandler(err, socket) {
      answerClientError(err as NodeJS.ErrnoException, socket, (error) => opts.faults(error), idHeaders, opts.logger);
    },
    // The router's own refusals (undecodable URL, overlong parameter) happen before any
    // hook runs: without this they would carry Fastify's body and no request id.
    frameworkErrors: (err, req, reply) => {
      for (const h of idHeaders) reply.header(h, req.id);
      sendFault(err, req, reply);
    },
  });
  app.decorateRequest('strataContext', undefined);

  app.addHook('onRequest', async (req, reply) => {
    for (const h of idHeaders) reply.header(h, req.id);
  });

  // An empty body with a JSON content type is treated as no body: the route's schema then
  // decides whether a body was required, with a message naming what is missing.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, parseJsonBody);
  for (const parser of opts.bodyParsers ?? []) {
    if (parser.parseAs === 'json') {
      app.addContentTypeParser(parser.contentType, { parseAs: 'string' }, parseJsonBody);
    } else {
      app.addContentTypeParser(parser.contentType, (_req, payload, done) => done(null, payload));
    }
  }

  app.setErrorHandler(sendFault);

  app.setNotFoundHandler((req, reply) => {
    // A known path with another method is 405, as OpenStack services answer.
    // findRoute matches the concrete path against the templates (hasRoute would only
    // compare templates, so /v3/users/abc would never count as known).
    const path = req.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => m !== req.method && app.findRoute({ method: m, url: path }) !== null);
    const known = allowed.length > 0;
    const error = known
      ? new ApiError(405, 'method_not_allowed', `The method ${req.method} is not allowed for this resource.`)
      : new ApiError(404, 'not_found', 'The resource could not be found.');
    if (known) reply.header('allow', allowed.join(', '));
    reply.code(error.status).header('content-type', 'application/json').send(opts.faults(error, req.id));
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = routeLabel(req);
    const labels = { service: opts.service, method: req.method, route, status: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    opts.metrics.httpRequests.inc(labels);
    opts.metrics.httpDuration.observe(labels, seconds);
    const ctx = req.strataContext;
    req.log.info(
      {
        method: req.method,
        route,
        path: req.url.split('?')[0],
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        user_id: ctx?.auth.userId,
        project_id: ctx ? projectIdOf(ctx.auth) : undefined,
        remote: req.ip,
      },
      'request',
    );
  });

  app.get('/healthcheck', async (_req, reply) => {
    const report = await opts.health.check();
    reply.code(report.status === 'ok' ? 200 : 503);
    return report;
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });

  return app;
}
