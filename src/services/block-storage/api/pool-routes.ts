import { Type } from 'typebox';
import {
  compareMicroversions,
  parseBoolParam,
  parseMicroversion,
  type ApiCall,
  type RouteSpec,
} from '../../../core/http/index.ts';
import { toDbTime } from '../../../core/db/index.ts';
import type { BackendStats } from '../drivers.ts';
import type { Backend, BlockStorageEnv } from '../env.ts';
import { serviceIsUp } from '../service-registry.ts';
import { listServices, VOLUME_BINARY, type ServiceRow } from '../store/services.ts';
import { extraSpecsOfType, findVolumeType } from '../store/volume-types.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { singleFilter } from './cinder-list.ts';
import { projectScoped } from './project-paths.ts';
import { cinderTime } from './volume-views.ts';

const HostParams = Type.Object({ host_name: Type.String({ minLength: 1, maxLength: 255 }) });

function atLeast(call: ApiCall, version: string): boolean {
  return (
    call.microversion !== undefined &&
    compareMicroversions(call.microversion, parseMicroversion(version)!) >= 0
  );
}

/** GiB of volumes placed on a backend, as the scheduler counts allocated capacity. */
async function allocatedGb(env: BlockStorageEnv, backend: Backend): Promise<number> {
  const row = await env.db
    .selectFrom('block_storage_volume')
    .select((eb) => eb.fn.sum<number>('size').as('gb'))
    .where((eb) => eb.or([eb('host', '=', backend.host), eb('host', 'like', `${backend.host}#%`)]))
    .executeTakeFirst();
  return Number(row?.gb ?? 0);
}

/** A backend's driver stats, or undefined when the driver cannot answer (its pool is then not listed). */
async function statsOf(env: BlockStorageEnv, backend: Backend): Promise<BackendStats | undefined> {
  try {
    return await backend.driver.stats();
  } catch (err) {
    env.logger.warn({ err, backend: backend.name }, 'volume backend did not report its stats');
    return undefined;
  }
}

/** A pool's capabilities as the scheduler keeps them from the driver's stats. */
async function poolCapabilities(
  env: BlockStorageEnv,
  backend: Backend,
  stats: BackendStats,
  up: boolean,
): Promise<Record<string, unknown>> {
  return {
    pool_name: backend.name,
    volume_backend_name: stats.backendName,
    vendor_name: stats.vendorName,
    driver_version: stats.driverVersion,
    storage_protocol: stats.storageProtocol,
    total_capacity_gb: stats.totalCapacityGb,
    free_capacity_gb: stats.freeCapacityGb,
    allocated_capacity_gb: await allocatedGb(env, backend),
    provisioned_capacity_gb: stats.provisionedCapacityGb,
    max_over_subscription_ratio: env.settings.max_over_subscription_ratio,
    reserved_percentage: 0,
    thin_provisioning_support: stats.thinProvisioning,
    thick_provisioning_support: !stats.thinProvisioning,
    multiattach: stats.multiattach,
    QoS_support: false,
    backend_state: up ? 'up' : 'down',
    timestamp: cinderTime(toDbTime(env.now())),
    ...(stats.extra ?? {}),
  };
}

function serviceOf(services: readonly ServiceRow[], backend: Backend): ServiceRow | undefined {
  return services.find((s) => s.host === backend.host);
}

/** Whether a volume type could land on this backend (its volume_backend_name spec, if it names one). */
async function typeFits(
  env: BlockStorageEnv,
  typeRef: string,
  stats: BackendStats,
): Promise<boolean> {
  const t = await findVolumeType(env.db, typeRef);
  if (!t) return false;
  const wanted = (await extraSpecsOfType(env.db, t.id)).volume_backend_name;
  return wanted === undefined || wanted === stats.backendName;
}

/** Cinder's `properties` of a backend's capabilities: what a volume type may ask of it. */
function capabilityProperties(
  stats: BackendStats,
): Record<string, { title: string; description: string; type: string }> {
  const props: Record<string, { title: string; description: string; type: string }> = {
    thin_provisioning: {
      title: 'Thin Provisioning',
      description: 'Sets thin provisioning.',
      type: 'boolean',
    },
  };
  if (stats.multiattach)
    props.multiattach = {
      title: 'Multiattach',
      description: 'Allows a volume to be attached to more than one server.',
      type: 'boolean',
    };
  return props;
}

/** scheduler-stats/get_pools, capabilities/{host} and os-hosts: what the backends offer and hold. */
export function poolRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/scheduler-stats/get_pools', {
      method: 'GET',
      policy: 'scheduler_extension:scheduler_stats:get_pools',
      async handler(call) {
        const detail = parseBoolParam('detail', singleFilter(call.query, 'detail')) ?? false;
        // Filters arrived in 3.28 (name and any capability) and 3.35 (volume_type).
        const nameFilter = atLeast(call, '3.28') ? singleFilter(call.query, 'name') : undefined;
        const typeFilter = atLeast(call, '3.35')
          ? singleFilter(call.query, 'volume_type')
          : undefined;
        const services = await listServices(env.db, { binary: VOLUME_BINARY });
        const now = env.now();
        const pools: Array<Record<string, unknown>> = [];
        for (const backend of env.backends) {
          const service = serviceOf(services, backend);
          if (!service) continue;
          if (nameFilter !== undefined && nameFilter !== backend.poolHost) continue;
          const stats = await statsOf(env, backend);
          if (!stats) continue;
          if (typeFilter !== undefined && !(await typeFits(env, typeFilter, stats))) continue;
          const pool: Record<string, unknown> = { name: backend.poolHost };
          if (detail)
            pool.capabilities = await poolCapabilities(
              env,
              backend,
              stats,
              serviceIsUp(service, now),
            );
          pools.push(pool);
        }
        return { pools };
      },
    }),
    ...projectScoped('/capabilities/:host_name', {
      method: 'GET',
      policy: 'volume_extension:capabilities',
      schema: { params: HostParams },
      async handler(call) {
        const host = call.params.host_name;
        const services = await listServices(env.db, { host, binary: VOLUME_BINARY });
        const service = services[0];
        if (!service) throw catalogErrors.serviceNotFound(`Can't find service: ${host}`);
        const backend = env.backends.find((b) => b.host === service.host);
        const stats = backend ? await statsOf(env, backend) : undefined;
        if (!backend || !stats) throw catalogErrors.serviceNotFound(`Can't find service: ${host}`);
        return {
          namespace: `OS::Storage::Capabilities::${service.host}`,
          vendor_name: stats.vendorName,
          volume_backend_name: stats.backendName,
          pool_name: null,
          driver_version: stats.driverVersion,
          storage_protocol: stats.storageProtocol,
          display_name: null,
          description: null,
          visibility: null,
          replication_targets: [],
          properties: capabilityProperties(stats),
        };
      },
    }),
    ...projectScoped('/os-hosts', {
      method: 'GET',
      policy: 'volume_extension:hosts',
      async handler(call) {
        const zone = singleFilter(call.query, 'zone');
        const services = await listServices(env.db, { disabled: false });
        const now = env.now();
        const hosts = services
          .filter((s) => !zone || s.availability_zone === zone)
          .map((s) => ({
            host_name: s.host,
            service: s.binary,
            zone: s.availability_zone,
            'service-status': serviceIsUp(s, now) ? 'available' : 'unavailable',
            'service-state': s.disabled === 1 ? 'disabled' : 'enabled',
            'last-update': cinderTime(s.updated_at),
          }));
        return { hosts };
      },
    }),
    ...projectScoped('/os-hosts/:host_name', {
      method: 'GET',
      policy: 'volume_extension:hosts',
      schema: { params: HostParams },
      async handler(call) {
        const host = call.params.host_name;
        const service = (await listServices(env.db, { host, binary: VOLUME_BINARY }))[0];
        if (!service) throw catalogErrors.hostNotFound(host);
        return { host: await hostResources(env, host, service.host) };
      },
    }),
    ...projectScoped('/os-hosts/:host_name', {
      method: 'PUT',
      policy: 'volume_extension:hosts',
      schema: { params: HostParams, body: Type.Record(Type.String(), Type.Unknown()) },
      async handler(call) {
        const host = call.params.host_name;
        const listed = await listServices(env.db, { disabled: false });
        if (!listed.some((s) => s.host === host)) throw catalogErrors.hostNotFound(host);
        // Cinder's HostAPI.set_host_enabled was never implemented: os-services enable/disable does it.
        throw catalogErrors.notImplemented();
      },
    }),
  ];
}

/** GET /os-hosts/{host}: volume and snapshot totals on a cinder-volume host, overall and per project. */
async function hostResources(env: BlockStorageEnv, shownHost: string, serviceHost: string) {
  const onHost = (column: 'v.host') =>
    env.db
      .selectFrom('block_storage_volume as v')
      .where((eb) => eb.or([eb(column, '=', serviceHost), eb(column, 'like', `${serviceHost}#%`)]));
  const volumes = await onHost('v.host')
    .select([
      'v.project_id',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('v.size').as('gb'),
    ])
    .groupBy('v.project_id')
    .execute();
  const snapshots = await onHost('v.host')
    .innerJoin('block_storage_snapshot as s', 's.volume_id', 'v.id')
    .select([
      's.project_id',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('s.size').as('gb'),
    ])
    .groupBy('s.project_id')
    .execute();
  const snapBy = new Map(snapshots.map((s) => [s.project_id, s]));
  const perProject = volumes
    .map((v) => {
      const s = snapBy.get(v.project_id);
      return {
        host: shownHost,
        project: v.project_id,
        volume_count: String(Number(v.n)),
        total_volume_gb: String(Number(v.gb ?? 0)),
        snapshot_count: String(Number(s?.n ?? 0)),
        total_snapshot_gb: String(Number(s?.gb ?? 0)),
      };
    })
    .sort((a, b) => a.project.localeCompare(b.project));
  const sum = (f: (r: (typeof perProject)[number]) => string) =>
    String(perProject.reduce((n, r) => n + Number(f(r)), 0));
  const total = {
    host: shownHost,
    project: '(total)',
    volume_count: sum((r) => r.volume_count),
    total_volume_gb: sum((r) => r.total_volume_gb),
    snapshot_count: sum((r) => r.snapshot_count),
    total_snapshot_gb: sum((r) => r.total_snapshot_gb),
  };
  return [total, ...perProject].map((resource) => ({ resource }));
}
