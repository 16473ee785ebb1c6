import type { ServiceDefinition } from '../core/service/index.ts';
import { identityService } from '../services/identity/index.ts';
import { placementService } from '../services/placement/index.ts';
import { blockStorageService } from '../services/block-storage/index.ts';
import { imageService } from '../services/image/index.ts';

/** Every service this build of strata can run, in start order (identity first). */
export const allServices: readonly ServiceDefinition[] = [identityService, placementService, imageService, blockStorageService];
