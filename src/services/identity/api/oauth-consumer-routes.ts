import { createHash, randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { notImplemented } from '../../../core/errors/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  deleteConsumer,
  getConsumer,
  insertConsumer,
  listConsumers,
  updateConsumer,
  type OAuthConsumer,
} from '../store/oauth-consumers.ts';
import { linkBase } from './base-url.ts';
import { collection, selfLink } from './views.ts';

/**
 * OS-OAUTH1 consumers: registered, listed, updated and deleted as in Keystone. The OAuth1
 * request/access token flow itself is not offered (its endpoints answer 501, and the
 * `oauth1` auth method is refused as unsupported), so a consumer's secret is never needed
 * again after creation and only its hash is kept.
 */
const Params = Type.Object({ consumer_id: Type.String() });
// Keystone reads these bodies leniently (no body is an empty consumer); checked by hand.
const AnyBody = Type.Unknown();

const NOT_SUPPORTED = 'The action you have requested has not been implemented.';

function consumerView(c: OAuthConsumer, baseUrl: string): Record<string, unknown> {
  return {
    ...c.extra,
    id: c.id,
    description: c.description,
    links: selfLink(baseUrl, `OS-OAUTH1/consumers/${c.id}`),
  };
}

/** The `consumer` object of a request body, its description checked and the rest kept as extra. */
function consumerInput(body: unknown): {
  fields: Record<string, unknown>;
  description?: string | null;
} {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw identityErrors.validation("Invalid input for field 'body': expected an object.");
  }
  const consumer = body ? (body as Record<string, unknown>).consumer : undefined;
  if (consumer === undefined || consumer === null) return { fields: {} };
  if (typeof consumer !== 'object' || Array.isArray(consumer)) {
    throw identityErrors.validation("Invalid input for field 'consumer': expected an object.");
  }
  const fields = consumer as Record<string, unknown>;
  const description = fields.description;
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw identityErrors.validation(
      "Invalid input for field 'description': expected a string or null.",
    );
  }
  return description === undefined ? { fields } : { fields, description };
}

const extrasOf = (fields: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(fields).filter(([k]) => !['id', 'description', 'secret', 'links'].includes(k)),
  );

async function requireConsumer(env: IdentityEnv, id: string): Promise<OAuthConsumer> {
  const c = await getConsumer(env.db, id);
  if (!c) throw identityErrors.consumerNotFound(id);
  return c;
}

export function oauthConsumerRoutes(env: IdentityEnv): RouteSpec[] {
  const base = '/v3/OS-OAUTH1/consumers';
  const unsupported = (method: 'POST' | 'PUT', url: string) =>
    defineRoute({
      method,
      url,
      // Upstream these are signed OAuth requests, not token-authenticated ones.
      auth: 'none',
      policy: null,
      // Whatever the client sends, the answer is the same 501.
      schema: { body: Type.Any() },
      handler() {
        throw notImplemented(NOT_SUPPORTED);
      },
    });
  return [
    defineRoute({
      method: 'POST',
      url: base,
      policy: 'identity:create_consumer',
      schema: { body: AnyBody },
      status: 201,
      async handler(call) {
        const { fields, description } = consumerInput(call.body);
        const secret = randomBytes(16).toString('hex');
        const consumer: OAuthConsumer = {
          id: newId(),
          description: description ?? null,
          extra: extrasOf(fields),
        };
        // A random 128-bit secret needs no slow hash: nothing short of the secret matches it.
        await insertConsumer(env.db, {
          ...consumer,
          secretHash: createHash('sha256').update(secret).digest('hex'),
        });
        return { consumer: { ...consumerView(consumer, linkBase(env, call)), secret } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: base,
      policy: 'identity:list_consumers',
      async handler(call) {
        const baseUrl = linkBase(env, call);
        const consumers = await listConsumers(env.db);
        return collection(
          'consumers',
          consumers.map((c) => consumerView(c, baseUrl)),
          { baseUrl, path: 'OS-OAUTH1/consumers' },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:consumer_id`,
      policy: 'identity:get_consumer',
      schema: { params: Params },
      async handler(call) {
        return {
          consumer: consumerView(
            await requireConsumer(env, call.params.consumer_id),
            linkBase(env, call),
          ),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: `${base}/:consumer_id`,
      policy: 'identity:update_consumer',
      schema: { params: Params, body: AnyBody },
      async handler(call) {
        const { fields, description } = consumerInput(call.body);
        if (Object.keys(fields).length === 0) {
          throw identityErrors.validation(
            "Invalid input for field 'consumer': it must have at least one property.",
          );
        }
        if ('secret' in fields)
          throw identityErrors.validation(
            "Invalid input for field 'secret': the secret cannot be changed.",
          );
        if (fields.id !== undefined && fields.id !== call.params.consumer_id)
          throw identityErrors.validation('Cannot change ID');
        const current = await requireConsumer(env, call.params.consumer_id);
        const next: OAuthConsumer = {
          id: current.id,
          description: description === undefined ? current.description : description,
          extra: { ...current.extra, ...extrasOf(fields) },
        };
        await updateConsumer(env.db, current.id, next);
        return { consumer: consumerView(next, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:consumer_id`,
      policy: 'identity:delete_consumer',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        if (!(await deleteConsumer(env.db, call.params.consumer_id))) {
          throw identityErrors.consumerNotFound(call.params.consumer_id);
        }
        return undefined;
      },
    }),
    unsupported('POST', '/v3/OS-OAUTH1/request_token'),
    unsupported('POST', '/v3/OS-OAUTH1/access_token'),
    unsupported('PUT', '/v3/OS-OAUTH1/authorize/:request_token_id'),
  ];
}
