import { ApiError, badRequest } from '../errors/index.ts';

/**
 * OpenStack microversions: one shared negotiation for every service that has them
 * (compute, placement, block-storage, baremetal, container-infra). A service declares its
 * range and header names; routes declare the range they exist in.
 */
export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

export interface MicroversionSpec {
  /** Service type as it appears in `OpenStack-API-Version: <type> <version>`. */
  readonly serviceType: string;
  readonly min: string;
  readonly max: string;
  /** Legacy header such as X-OpenStack-Nova-API-Version, read when the standard one is absent. */
  readonly legacyHeader?: string;
}

export function parseMicroversion(text: string): Microversion | undefined {
  const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function compareMicroversions(a: Microversion, b: Microversion): number {
  return a.major - b.major || a.minor - b.minor;
}

export function formatMicroversion(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

function mustParse(text: string): Microversion {
  const v = parseMicroversion(text);
  if (!v) throw new Error(`invalid microversion in declaration: ${text}`);
  return v;
}

export function inRange(v: Microversion, min?: string, max?: string): boolean {
  if (min && compareMicroversions(v, mustParse(min)) < 0) return false;
  if (max && compareMicroversions(v, mustParse(max)) > 0) return false;
  return true;
}

/**
 * Picks the version a request asked for. No header means the minimum; `latest` means the
 * maximum; a version outside the range is 406 and a malformed one 400, as Nova answers.
 */
export function negotiateMicroversion(
  spec: MicroversionSpec,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Microversion {
  const min = mustParse(spec.min);
  const max = mustParse(spec.max);
  let requested: string | undefined;
  const standard = headers['openstack-api-version'];
  const values = Array.isArray(standard) ? standard.join(',') : standard;
  if (values) {
    for (const part of values.split(',')) {
      const [type, version] = part.trim().split(/\s+/, 2);
      if (type?.toLowerCase() === spec.serviceType.toLowerCase() && version) requested = version;
    }
  }
  if (requested === undefined && spec.legacyHeader) {
    const legacy = headers[spec.legacyHeader.toLowerCase()];
    requested = Array.isArray(legacy) ? legacy[0] : legacy;
  }
  if (requested === undefined) return min;
  if (requested.trim().toLowerCase() === 'latest') return max;
  const v = parseMicroversion(requested);
  if (!v) {
    throw badRequest(`Version ${requested} is not a valid microversion string.`, 'invalid_microversion');
  }
  if (compareMicroversions(v, min) < 0 || compareMicroversions(v, max) > 0) {
    throw new ApiError(
      406,
      'microversion_not_acceptable',
      `Version ${requested} is not supported by the API. Minimum is ${spec.min} and maximum is ${spec.max}.`,
    );
  }
  return v;
}
