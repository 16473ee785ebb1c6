import type { ServiceAvailability, ServiceTag } from '../lib/service-catalog.ts';
import { tagAvailable } from '../lib/service-catalog.ts';

/** The tempest API areas the conformance runs know: a regex, a service, an expected list. */
export type AreaName = 'identity' | 'image' | 'volume';

export interface Area {
  name: AreaName;
  /** The service the area tests; the run needs it in the catalog. */
  service: ServiceTag;
  /** stestr regex of the area's tests. */
  regex: string;
  /** Test-id prefix of the area, for the interop coverage. */
  prefix: string;
}

export const AREAS: Readonly<Record<AreaName, Area>> = {
  identity: {
    name: 'identity',
    service: 'identity',
    regex: '^tempest\\.api\\.identity',
    prefix: 'tempest.api.identity.',
  },
  image: {
    name: 'image',
    service: 'image',
    regex: '^tempest\\.api\\.image\\.',
    prefix: 'tempest.api.image.',
  },
  volume: {
    name: 'volume',
    service: 'volume',
    regex: '^tempest\\.api\\.volume\\.',
    prefix: 'tempest.api.volume.',
  },
};

export function isAreaName(name: string): name is AreaName {
  return Object.hasOwn(AREAS, name);
}

/**
 * The areas to run, in order (identity first: every other area needs its dynamic
 * credentials to work): those whose service is in the catalog, narrowed to `only` if given.
 */
export function areasToRun(services: ServiceAvailability, only?: readonly string[]): AreaName[] {
  const unknown = (only ?? []).filter((name) => !isAreaName(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown area(s) ${unknown.join(', ')}; known: ${Object.keys(AREAS).join(', ')}`,
    );
  }
  return (Object.keys(AREAS) as AreaName[]).filter(
    (name) => tagAvailable(AREAS[name].service, services) && (!only || only.includes(name)),
  );
}
