import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { volumeRoutes } from './volume-routes.ts';
import { volumeActionRoutes } from './volume-action-routes.ts';
import { volumeTypeRoutes } from './volume-type-routes.ts';
import { qosRoutes } from './qos-routes.ts';
import { snapshotRoutes } from './snapshot-routes.ts';
import { backupRoutes } from './backup-routes.ts';
import { attachmentRoutes } from './attachment-routes.ts';
import { transferRoutes } from './transfer-routes.ts';
import { quotaRoutes } from './quota-routes.ts';
import { limitRoutes } from './limit-routes.ts';
import { availabilityZoneRoutes } from './availability-zone-routes.ts';
import { serviceRoutes } from './service-routes.ts';
import { poolRoutes } from './pool-routes.ts';
import { groupRoutes } from './group-routes.ts';
import { messageRoutes } from './message-routes.ts';

/** Every route of the block-storage API, one module per resource family. */
export function blockStorageRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    discoveryRoutes,
    volumeRoutes,
    volumeActionRoutes,
    volumeTypeRoutes,
    qosRoutes,
    snapshotRoutes,
    backupRoutes,
    attachmentRoutes,
    transferRoutes,
    quotaRoutes,
    limitRoutes,
    availabilityZoneRoutes,
    serviceRoutes,
    poolRoutes,
    groupRoutes,
    messageRoutes,
  ].flatMap((routes) => routes(env));
}
