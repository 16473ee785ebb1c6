import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { Logger } from '../observability/index.ts';
import type { PolicyEnforcer } from '../auth/policy/index.ts';
import { policyCredentials, type RequestContext } from '../auth/context.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import { plausibleToken } from '../auth/token-validator.ts';
import { ApiError, unauthorized } from '../errors/index.ts';
import { compileValidator, type Validator } from './validation.ts';
import {
  inRange,
  negotiateMicroversion,
  formatMicroversion,
  type Microversion,
  type MicroversionSpec,
} from './microversion.ts';
import { requestBaseUrl } from './base-url.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSchemas {
  readonly body?: TSchema;
  readonly querystring?: TSchema;
  readonly params?: TSchema;
}

type Part<S extends RouteSchemas, K extends keyof RouteSchemas> = S[K] extends TSchema ? Static<S[K]> : Record<string, unknown>;

/** What a route handler receives: the validated input and the caller, nothing framework-specific it must know. */
export interface ApiCall<S extends RouteSchemas = RouteSchemas> {
  readonly body: S['body'] extends TSchema ? Static<S['body']> : unknown;
  readonly query: Part<S, 'querystring'>;
  readonly params: Part<S, 'params'>;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  /** The authenticated caller; undefined only on routes declared `auth: 'none'` or `'optional'`. */
  readonly context: RequestContext | undefined;
  /** The authenticated caller, or a 401 when there is none. */
  readonly ctx: RequestContext;
  readonly microversion: Microversion | undefined;
  /** scheme://host:port as the client addressed us, for links. */
  readonly baseUrl: string;
  readonly log: Logger;
  /** Escape hatches for streaming bodies and custom headers. */
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Throws 403 unless the caller passes the rule for this target. */
  authorize(rule: string, target?: Readonly<Record<string, unknown>>): void;
  /** Whether the caller passes the rule (for filtering what a list shows). */
  can(rule: string, target?: Readonly<Record<string, unknown>>): boolean;
}

/**
 * For the few upstream calls whose rule depends on the request (Keystone checks
 * list_trusts_for_trustor or list_trusts depending on the filter): the rules it may pick,
 * declared so tests can see them, and how it picks.
 */
export interface PolicyChoice<S extends RouteSchemas = RouteSchemas> {
  readonly rules: readonly string[];
  readonly choose: (call: ApiCall<S>) => string;
}

/** The rule names a route may check before its handler runs. */
export function declaredRules(spec: RouteSpec): readonly string[] {
  if (spec.policy === null) return [];
  return typeof spec.policy === 'string' ? [spec.policy] : spec.policy.rules;
}

export interface RouteSpec<S extends RouteSchemas = RouteSchemas> {
  readonly method: HttpMethod | readonly HttpMethod[];
  /** Fastify path syntax: /v3/users/:user_id */
  readonly url: string;
  /** `required` (default): a valid token or 401. `optional`: validated when present. `none`: never read. */
  readonly auth?: 'required' | 'optional' | 'none';
  /**
   * The policy rule checked before the handler runs, with the upstream rule name. `null` is
   * allowed only where the upstream API has no policy either (version documents, token
   * issue); the handler may check further rules itself with `call.authorize`.
   */
  readonly policy: string | PolicyChoice<S> | null;
  /** Builds the policy target; by default the path parameters. */
  readonly target?: (call: ApiCall<S>) => Promise<Record<string, unknown>> | Record<string, unknown>;
  readonly schema?: S;
  /** Success status. A handler returning undefined with 204 sends no body. */
  readonly status?: number;
  /** Microversion range this declaration serves (services with microversions only). */
  readonly versions?: { readonly min?: string; readonly max?: string };
  readonly handler: (call: ApiCall<S>) => Promise<unknown> | unknown;
}

/** Declares a route; exists so handler input types are inferred from the schemas. */
export function defineRoute<S extends RouteSchemas = RouteSchemas>(spec: RouteSpec<S>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export interface RouteEnvironment {
  readonly service: string;
  readonly policy: PolicyEnforcer;
  readonly tokens?: TokenValidator | undefined;
  readonly microversions?: MicroversionSpec | undefined;
  readonly logger: Logger;
}

interface CompiledRoute {
  spec: RouteSpec;
  body?: Validator;
  query?: Validator;
  params?: Validator;
}

declare module 'fastify' {
  interface FastifyRequest {
    strataContext: RequestContext | undefined;
  }
}

function compile(spec: RouteSpec): CompiledRoute {
  const c: CompiledRoute = { spec };
  if (spec.schema?.body) c.body = compileValidator(spec.schema.body, 'body');
  if (spec.schema?.querystring) c.query = compileValidator(spec.schema.querystring, 'query');
  if (spec.schema?.params) c.params = compileValidator(spec.schema.params, 'params');
  if (spec.policy === null && (spec.auth ?? 'required') === 'required') {
    throw new Error(`route ${String(spec.method)} ${spec.url} requires auth but declares no policy`);
  }
  return c;
}

async function authenticate(env: RouteEnvironment, req: FastifyRequest, mode: 'required' | 'optional' | 'none') {
  if (mode === 'none') return undefined;
  const header = req.headers['x-auth-token'];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) {
    if (mode === 'required') throw unauthorized();
    return undefined;
  }
  if (!env.tokens) throw new Error(`service ${env.service} has authenticated routes but no token validator`);
  if (!plausibleToken(token)) throw unauthorized('The request you have made requires authentication.', 'invalid_token');
  const auth = await env.tokens.validate(token);
  return { requestId: req.id, token, auth } satisfies RequestContext;
}

/**
 * Registers declared routes on a Fastify instance: authentication, microversion dispatch,
 * validation and the policy check happen here, the same way for every service, before the
 * handler sees the call.
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[], env: RouteEnvironment): void {
  if (!app.hasRequestDecorator('strataContext')) app.decorateRequest('strataContext', undefined);
  const groups = new Map<string, CompiledRoute[]>();
  for (const spec of routes) {
    const methods = Array.isArray(spec.method) ? spec.method : [spec.method as HttpMethod];
    for (const method of methods) {
      const key = `${method} ${spec.url}`;
      const list = groups.get(key) ?? [];
      list.push(compile(spec));
      groups.set(key, list);
    }
  }
  for (const [key, candidates] of groups) {
    const [method, url] = key.split(' ') as [HttpMethod, string];
    if (candidates.length > 1 && !env.microversions) {
      throw new Error(`${key} is declared twice in service ${env.service}`);
    }
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        let microversion: Microversion | undefined;
        let route = candidates[0]!;
        if (env.microversions) {
          microversion = negotiateMicroversion(env.microversions, req.headers);
          const version = formatMicroversion(microversion);
          reply.header('OpenStack-API-Version', `${env.microversions.serviceType} ${version}`);
          reply.header('Vary', 'OpenStack-API-Version');
          if (env.microversions.legacyHeader) reply.header(env.microversions.legacyHeader, version);
          const match = candidates.find((c) => inRange(microversion!, c.spec.versions?.min, c.spec.versions?.max));
          if (!match) throw new ApiError(404, 'not_found', 'The resource could not be found.');
          route = match;
        }
        const { spec } = route;
        const context = await authenticate(env, req, spec.auth ?? 'required');
        req.strataContext = context;
        route.params?.(req.params, 'params');
        route.query?.(req.query, 'query');
        // The body is checked after the policy, as OpenStack services do: a caller who may
        // not make the call at all gets 403, not a lesson in the body's schema.
        let bodyError: unknown;
        try {
          route.body?.(req.body, 'body');
        } catch (err) {
          bodyError = err;
        }
        const creds = context ? policyCredentials(context.auth) : {};
        const call: ApiCall = {
          body: req.body,
          query: (req.query ?? {}) as Record<string, unknown>,
          params: (req.params ?? {}) as Record<string, unknown>,
          headers: req.headers,
          requestId: req.id,
          context,
          get ctx(): RequestContext {
            if (!context) throw unauthorized();
            return context;
          },
          microversion,
          baseUrl: requestBaseUrl(req),
          log: req.log as unknown as Logger,
          request: req,
          reply,
          authorize: (rule, target = {}) => env.policy.authorize(rule, target, creds),
          can: (rule, target = {}) => env.policy.enforce(rule, target, creds),
        };
        if (spec.policy) {
          let target: Record<string, unknown>;
          try {
            target = spec.target ? await spec.target(call) : { ...call.params };
          } catch (err) {
            // A target built from a body that failed validation is meaningless: report the body.
            throw bodyError ?? err;
          }
          let rule: string;
          if (typeof spec.policy === 'string') {
            rule = spec.policy;
          } else {
            rule = spec.policy.choose(call);
            if (!spec.policy.rules.includes(rule)) {
              throw new Error(`route ${key} chose undeclared policy rule ${rule}`);
            }
          }
          env.policy.authorize(rule, target, creds);
        }
        if (bodyError !== undefined) throw bodyError;
        const result = await spec.handler(call);
        if (reply.sent) return reply;
        reply.code(spec.status ?? 200);
        if (result === undefined) return reply.send();
        return reply.send(result);
      },
    });
  }
}
