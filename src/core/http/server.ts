import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
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
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeLabel(req: FastifyRequest): string {
  // The route template, not the concrete URL, so metric cardinality stays bounded.
  return req.routeOptions.url ?? 'unmatched';
}

/**
 * The HTTP server every service runs on: request ids, JSON parsing with a size limit, the
 * service's fault format for every error, a JSON access log line and metrics per request,
 * and /healthcheck and /metrics. Routes are added with registerRoutes().
 */
export function createApiServer(opts: ApiServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Our onResponse hook writes one access line per request with user and project.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy ?? false,
    genReqId: () => `req-${randomUUID()}`,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    forceCloseConnections: true,
  });
  const idHeaders = ['x-openstack-request-id', ...(opts.requestIdHeaders ?? [])];
  app.decorateRequest('strataContext', undefined);

  app.addHook('onRequest', async (req, reply) => {
    for (const h of idHeaders) reply.header(h, req.id);
  });

  // An empty body with a JSON content type is treated as no body: the route's schema then
  // decides whether a body was required, with a message naming what is missing.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'malformed_body', `Malformed JSON in request body: ${(err as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const { error, internal } = toApiError(err);
    if (internal) {
      req.log.error({ err }, 'unhandled error');
    } else if (error.status >= 500) {
      req.log.warn({ code: error.code, message: error.message }, 'service error');
    }
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
    reply.code(error.status).header('content-type', 'application/json').send(opts.faults(error));
  });

  app.setNotFoundHandler((req, reply) => {
    // A known path with another method is 405, as OpenStack services answer.
    const path = req.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => m !== req.method && app.hasRoute({ method: m, url: path }));
    const known = allowed.length > 0 && METHODS.some((m) => app.findRoute({ method: m, url: path }));
    const error = known
      ? new ApiError(405, 'method_not_allowed', `The method ${req.method} is not allowed for this resource.`)
      : new ApiError(404, 'not_found', 'The resource could not be found.');
    if (known) reply.header('allow', allowed.join(', '));
    reply.code(error.status).header('content-type', 'application/json').send(opts.faults(error));
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
