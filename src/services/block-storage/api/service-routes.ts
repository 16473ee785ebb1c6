import { Type } from 'typebox';
import {
  compareMicroversions,
  parseMicroversion,
  type ApiCall,
  type RouteSpec,
} from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { serviceIsUp } from '../service-registry.ts';
import {
  getServiceByArgs,
  listServices,
  setFrozen,
  setServiceDisabled,
  VOLUME_BINARY,
  type ServiceRow,
} from '../store/services.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { singleFilter } from './cinder-list.ts';
import { projectScoped } from './project-paths.ts';
import { cinderTime } from './volume-views.ts';
import { extensionRoutes } from './extension-routes.ts';

const ActionParams = Type.Object({ action: Type.String({ minLength: 1, maxLength: 255 }) });
const Body = Type.Record(Type.String(), Type.Unknown());

/** Cinder's cinder_host pattern: hostname, hostname@backend, hostname@backend#pool. */
const CINDER_HOST = /^[a-zA-Z0-9-._#@:/+[\]]*$/;

function atLeast(call: ApiCall, version: string): boolean {
  return (
    call.microversion !== undefined &&
    compareMicroversions(call.microversion, parseMicroversion(version)!) >= 0
  );
}

/** One row of GET /os-services, with the os-extended-services fields Cinder adds. */
export function serviceView(call: ApiCall, s: ServiceRow, now: Date): Record<string, unknown> {
  const up = serviceIsUp(s, now);
  const view: Record<string, unknown> = {
    binary: s.binary,
    host: s.host,
    zone: s.availability_zone,
    status: s.disabled === 1 ? 'disabled' : 'enabled',
    state: up ? 'up' : 'down',
    updated_at: cinderTime(s.updated_at),
  };
  if (atLeast(call, '3.49') && s.binary === VOLUME_BINARY) view.backend_state = up ? 'up' : 'down';
  if (atLeast(call, '3.7')) view.cluster = null;
  view.disabled_reason = s.disabled_reason;
  if (s.binary === VOLUME_BINARY) {
    view.replication_status = 'disabled';
    view.active_backend_id = null;
    view.frozen = s.frozen === 1;
  }
  return view;
}

function stringField(
  body: Record<string, unknown>,
  key: string,
  opts: { min?: number } = {},
): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length < (opts.min ?? 1) || v.length > 255) {
    throw blockStorageErrors.invalid(
      `Invalid input for field '${key}': must be a string of ${opts.min ?? 1} to 255 characters.`,
    );
  }
  return v;
}

/** The host a service action names: required, in Cinder's host syntax (cluster is not supported). */
function hostOf(body: Record<string, unknown>, allowed: readonly string[]): string {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) {
    throw blockStorageErrors.invalid(
      `Invalid input for field 'body': Additional properties are not allowed ('${extra[0]}' was unexpected).`,
    );
  }
  if (body.cluster !== undefined && body.cluster !== null) {
    throw catalogErrors.invalidInput('Clustered services are not supported; name the host.');
  }
  const host = stringField(body, 'host');
  if (host === undefined) throw catalogErrors.invalidInput('Host field is missing.');
  if (!CINDER_HOST.test(host))
    throw blockStorageErrors.invalid(`Invalid input for field 'host': '${host}' is not a host.`);
  return host;
}

const ACTION_RULES: Record<string, string> = {
  freeze: 'volume:freeze_host',
  thaw: 'volume:thaw_host',
  failover_host: 'volume:failover_host',
  failover: 'volume:failover_host',
};

async function enableOrDisable(
  env: BlockStorageEnv,
  action: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const withReason = action === 'disable-log-reason';
  const host = hostOf(body, [
    'binary',
    'host',
    'cluster',
    'service',
    ...(withReason ? ['disabled_reason'] : []),
  ]);
  const binary = stringField(body, 'binary') ?? '';
  const service = stringField(body, 'service') ?? '';
  if (!binary && !service)
    throw blockStorageErrors.invalid(
      "Invalid input for field 'body': 'binary' is a required property.",
    );
  let reason: string | undefined;
  if (withReason) {
    if (
      body.disabled_reason !== undefined &&
      (typeof body.disabled_reason !== 'string' || body.disabled_reason.trim() === '')
    ) {
      throw blockStorageErrors.invalid(
        "Invalid input for field 'disabled_reason': must be a non-empty string.",
      );
    }
    reason = stringField(body, 'disabled_reason');
  }
  const disabled = action !== 'enable';
  const row = await getServiceByArgs(env.db, host, binary || service);
  if (!row)
    throw catalogErrors.serviceNotFound(
      `Could not find binary ${binary || service} on host ${host}.`,
    );
  await setServiceDisabled(env.db, row.id, disabled, withReason ? (reason ?? null) : undefined);
  const out: Record<string, unknown> = {};
  if (withReason) out.disabled_reason = reason ?? null;
  return { ...out, disabled, host, service, binary, status: disabled ? 'disabled' : 'enabled' };
}

/** Freeze (no changes to the backend's volumes) or thaw the cinder-volume services of a host. */
async function freezeOrThaw(
  env: BlockStorageEnv,
  frozen: boolean,
  body: Record<string, unknown>,
): Promise<void> {
  const host = hostOf(body, ['host', 'cluster']);
  const services = await listServices(env.db, { host, binary: VOLUME_BINARY });
  if (services.length === 0) throw catalogErrors.invalidInput(`No service found with host=${host}`);
  const changed = await setFrozen(
    env.db,
    services.map((s) => s.id),
    frozen,
  );
  if (changed.length === 0) {
    throw catalogErrors.invalidInput(
      `No service could be changed: frozen in ${JSON.stringify(services.map((s) => s.host))} must be ${frozen ? 'False' : 'True'} to failover.`,
    );
  }
}

/**
 * os-services: the services with their heartbeat state, and enable/disable/freeze/thaw; also
 * GET /extensions (Cinder's extension list), which api/index.ts does not list on its own.
 */
export function serviceRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/os-services', {
      method: 'GET',
      policy: 'volume_extension:services:index',
      async handler(call) {
        const rows = await listServices(env.db, {
          host: singleFilter(call.query, 'host'),
          binary: singleFilter(call.query, 'binary'),
        });
        const now = env.now();
        return { services: rows.map((s) => serviceView(call, s, now)) };
      },
    }),
    ...projectScoped('/os-services/:action', {
      method: 'PUT',
      policy: {
        rules: [
          'volume_extension:services:update',
          'volume:freeze_host',
          'volume:thaw_host',
          'volume:failover_host',
        ],
        choose: (call) =>
          ACTION_RULES[String((call.params as { action: string }).action)] ??
          'volume_extension:services:update',
      },
      schema: { params: ActionParams, body: Body },
      async handler(call) {
        const body = call.body as Record<string, unknown>;
        const action = call.params.action;
        switch (action) {
          case 'enable':
          case 'disable':
          case 'disable-log-reason':
            return enableOrDisable(env, action, body);
          case 'freeze':
          case 'thaw':
            await freezeOrThaw(env, action === 'freeze', body);
            return undefined;
          case 'failover_host':
          case 'failover': {
            const host = hostOf(body, ['host', 'backend_id', 'cluster']);
            throw catalogErrors.invalidInput(
              `replication_status in ${host} must be enabled or failed-over and must be up to failover (no backend is replicated).`,
            );
          }
          default:
            throw catalogErrors.invalidInput('Unknown action');
        }
      },
    }),
    ...extensionRoutes(),
  ];
}
