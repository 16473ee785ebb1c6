import type { FastifyInstance } from 'fastify';
import { createApiServer, registerRoutes } from '../http/index.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import type { ServiceDefinition, ServiceDeps, ServiceInstance } from './definition.ts';

export interface RunningService {
  readonly definition: ServiceDefinition;
  readonly instance: ServiceInstance;
  readonly app: FastifyInstance;
  /** Listening address, once listen() ran. */
  url?: string;
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds one service's HTTP application from its definition: the core server, the
 * service's declared routes, and its background work. Listening is a separate step so
 * tests can drive the application in process with inject().
 */
export async function buildService(
  definition: ServiceDefinition,
  deps: ServiceDeps,
  opts: { bodyLimit: number; trustProxy?: boolean },
): Promise<RunningService> {
  const instance = await definition.create(deps);
  const tokens: TokenValidator | undefined = instance.tokens ?? deps.tokens;
  const app = createApiServer({
    service: definition.type,
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    faults: instance.faults,
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy ?? false,
    requestIdHeaders: instance.requestIdHeaders ?? [],
    bodyParsers: instance.bodyParsers ?? [],
  });
  registerRoutes(app, instance.routes, {
    service: definition.type,
    policy: deps.policy,
    tokens,
    microversions: instance.microversions,
    logger: deps.logger,
  });
  await app.ready();
  await instance.start?.();
  const running: RunningService = {
    definition,
    instance,
    app,
    async listen(host, port) {
      const address = await app.listen({ host, port });
      running.url = address;
      return address;
    },
    async close() {
      await instance.stop?.();
      await app.close();
    },
  };
  return running;
}
