// What the image and block-storage services of the cloud under test offer, read from their
// APIs, and the tempest.conf values that follow. Parsers are pure; `detect*` do the HTTP.
import type { ApiClient } from '../lib/openstack-http.ts';

/** tempest's defaults, the order the reference run used ([0] is what tests create with). */
export const TEMPEST_CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova'] as const;
export const TEMPEST_DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'vhdx',
] as const;

/**
 * The volume API extensions the real Cinder (Zed) of the reference run advertised, in the
 * reference's order: tempest's test_list_extensions checks the first one is listed.
 */
export const REFERENCE_VOLUME_EXTENSIONS = [
  'OS-SCH-HNT',
  'backups',
  'capabilities',
  'cgsnapshots',
  'consistencygroups',
  'encryption',
  'os-admin-actions',
  'os-availability-zone',
  'os-extended-services',
  'os-extended-snapshot-attributes',
  'os-hosts',
  'os-quota-class-sets',
  'os-quota-sets',
  'os-services',
  'os-snapshot-actions',
  'os-snapshot-manage',
  'os-snapshot-unmanage',
  'os-types-extra-specs',
  'os-types-manage',
  'os-used-limits',
  'os-vol-host-attr',
  'os-vol-image-meta',
  'os-vol-mig-status-attr',
  'os-vol-tenant-attr',
  'os-volume-actions',
  'os-volume-encryption-metadata',
  'os-volume-manage',
  'os-volume-transfer',
  'os-volume-type-access',
  'os-volume-unmanage',
  'qos-specs',
  'scheduler-stats',
] as const;

/** What the image service said about itself; null where it could not be read. */
export interface ImageServiceFacts {
  /** `import-methods` of GET /v2/info/import. */
  importMethods: string[] | null;
  /** enum of container_format / disk_format in GET /v2/schemas/image. */
  containerFormats: string[] | null;
  diskFormats: string[] | null;
}

export interface VolumePool {
  name: string;
  backendName: string | null;
  storageProtocol: string | null;
  vendorName: string | null;
}

/** What the block-storage service said about itself; null where it could not be read. */
export interface VolumeServiceFacts {
  /** The catalog type tempest is to use (first of volumev3, block-storage, volume, volumev2). */
  catalogType: string;
  /** `version` / `min_version` of the v3 entry of the version document ('' = none). */
  microversions: { min: string; max: string } | null;
  pools: VolumePool[] | null;
  /** Whether os-services lists an enabled, up cinder-backup. */
  backupService: boolean | null;
}

/** tempest.conf values for the image service. */
export interface ImageSettings {
  importImage: boolean;
  containerFormats: string[];
  diskFormats: string[];
  /** Glance (since Wallaby) refuses os_glance_* properties from users. */
  osGlanceReserved: boolean;
}

/** tempest.conf values for block storage. */
export interface VolumeSettings {
  catalogType: string;
  maxMicroversion: string | null;
  backendNames: string[];
  multiBackend: boolean;
  storageProtocol: string;
  vendorName: string;
  backup: boolean;
  snapshot: boolean;
  clone: boolean;
  apiExtensions: string[];
}

/** A flag the user may force; `auto` follows what the service says. */
export type FeatureChoice = 'auto' | 'on' | 'off';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const strings = (v: unknown): string[] | null =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;

/** `{"import-methods": {"value": ["glance-direct", …]}}` -> the methods. */
export function parseImportMethods(body: unknown): string[] | null {
  if (!isRecord(body)) return null;
  const methods = body['import-methods'];
  return isRecord(methods) ? strings(methods.value) : null;
}

/** The enum of an image schema property, without the `null` Glance lists first. */
export function schemaEnum(schema: unknown, property: string): string[] | null {
  if (!isRecord(schema) || !isRecord(schema.properties)) return null;
  const prop = schema.properties[property];
  return isRecord(prop) ? strings(prop.enum) : null;
}

/**
 * The microversion range of the v3 API from a version document: the root document
 * (`{"versions": [...]}`, HTTP 300) or the v3 one (`{"version": {...}}`).
 */
export function parseVolumeMicroversions(body: unknown): { min: string; max: string } | null {
  if (!isRecord(body)) return null;
  const entries = Array.isArray(body.versions) ? body.versions : [body.version];
  const v3 = entries
    .filter(isRecord)
    .find((e) => typeof e.id === 'string' && e.id.startsWith('v3'));
  if (!v3) return null;
  return {
    min: typeof v3.min_version === 'string' ? v3.min_version : '',
    max: typeof v3.version === 'string' ? v3.version : '',
  };
}

/** Pools of GET /scheduler-stats/get_pools?detail=True. */
export function parsePools(body: unknown): VolumePool[] | null {
  if (!isRecord(body) || !Array.isArray(body.pools)) return null;
  return body.pools.filter(isRecord).map((pool) => {
    const caps = isRecord(pool.capabilities) ? pool.capabilities : {};
    const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    return {
      name: text(pool.name) ?? '',
      backendName: text(caps.volume_backend_name),
      storageProtocol: text(caps.storage_protocol),
      vendorName: text(caps.vendor_name),
    };
  });
}

/** Whether GET /os-services lists a cinder-backup that is enabled and up. */
export function parseBackupService(body: unknown): boolean | null {
  if (!isRecord(body) || !Array.isArray(body.services)) return null;
  return body.services
    .filter(isRecord)
    .some((s) => s.binary === 'cinder-backup' && s.status === 'enabled' && s.state === 'up');
}

/** `http://h:8776/v3/<project>` -> `http://h:8776/` (tempest's own rule: cut at the first /vN). */
export function versionRootUrl(endpoint: string): string {
  const url = new URL(endpoint);
  url.pathname = `${url.pathname.split(/(?:^|\/)+v\d+(?:\.\d+)?/)[0] ?? ''}/`;
  url.search = '';
  return url.toString();
}

/** The image API root (catalog URLs may or may not end in /v2). */
export function imageApiRoot(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v2(\.\d+)?$/, '');
}

/**
 * Reads the image service's facts. A fact that cannot be read is null and a warning says
 * why; only an unreachable service is left to the tests to find.
 */
export async function detectImageFacts(
  api: ApiClient,
  endpoint: string,
  warn: (line: string) => void,
): Promise<ImageServiceFacts> {
  const root = imageApiRoot(endpoint);
  const facts: ImageServiceFacts = {
    importMethods: null,
    containerFormats: null,
    diskFormats: null,
  };
  try {
    facts.importMethods = parseImportMethods(await api.getJson(`${root}/v2/info/import`));
    if (facts.importMethods === null) warn('GET /v2/info/import has no import-methods value');
  } catch (err) {
    warn(`import methods unknown: ${(err as Error).message}`);
  }
  try {
    const schema = await api.getJson(`${root}/v2/schemas/image`);
    facts.containerFormats = schemaEnum(schema, 'container_format');
    facts.diskFormats = schemaEnum(schema, 'disk_format');
  } catch (err) {
    warn(`image formats unknown: ${(err as Error).message}`);
  }
  return facts;
}

export async function detectVolumeFacts(
  api: ApiClient,
  endpoint: string,
  catalogType: string,
  warn: (line: string) => void,
): Promise<VolumeServiceFacts> {
  const facts: VolumeServiceFacts = {
    catalogType,
    microversions: null,
    pools: null,
    backupService: null,
  };
  try {
    const doc = await api.getJson(versionRootUrl(endpoint), [200, 300]);
    facts.microversions = parseVolumeMicroversions(doc);
    if (!facts.microversions) warn('the volume version document has no v3 entry');
  } catch (err) {
    warn(`volume microversions unknown: ${(err as Error).message}`);
  }
  try {
    facts.pools = parsePools(
      await api.getJson(`${endpoint}/scheduler-stats/get_pools?detail=True`),
    );
    if (facts.pools === null) warn('get_pools answered without a pools list');
  } catch (err) {
    warn(`volume pools unknown: ${(err as Error).message}`);
  }
  try {
    facts.backupService = parseBackupService(await api.getJson(`${endpoint}/os-services`));
  } catch (err) {
    warn(`volume services unknown: ${(err as Error).message}`);
  }
  return facts;
}

function keepKnown(preferred: readonly string[], offered: readonly string[] | null): string[] {
  if (offered === null) return [...preferred];
  const kept = preferred.filter((f) => offered.includes(f));
  return kept.length > 0 ? kept : [...preferred];
}

/** The value of a choice, and a line saying where it came from. */
function decide(
  choice: FeatureChoice,
  detected: boolean | null,
  fallback: boolean,
  what: string,
): { value: boolean; note: string } {
  if (choice !== 'auto') {
    return { value: choice === 'on', note: `${what}: ${choice} (forced)` };
  }
  if (detected === null) {
    return { value: fallback, note: `${what}: ${fallback ? 'on' : 'off'} (not detected)` };
  }
  return { value: detected, note: `${what}: ${detected ? 'on' : 'off'} (detected)` };
}

export function imageSettings(
  facts: ImageServiceFacts,
  importChoice: FeatureChoice,
): { settings: ImageSettings; notes: string[] } {
  const importImage = decide(
    importChoice,
    facts.importMethods === null ? null : facts.importMethods.includes('glance-direct'),
    false,
    `image import (glance-direct advertised: ${facts.importMethods?.join(', ') || 'none'})`,
  );
  return {
    settings: {
      importImage: importImage.value,
      containerFormats: keepKnown(TEMPEST_CONTAINER_FORMATS, facts.containerFormats),
      diskFormats: keepKnown(TEMPEST_DISK_FORMATS, facts.diskFormats),
      osGlanceReserved: true,
    },
    notes: [importImage.note],
  };
}

export function volumeSettings(
  facts: VolumeServiceFacts,
  backupChoice: FeatureChoice,
): { settings: VolumeSettings; notes: string[] } {
  const notes: string[] = [];
  const pools = facts.pools ?? [];
  const backendNames = [
    ...new Set(pools.map((p) => p.backendName).filter((n): n is string => n !== null)),
  ];
  const first = pools[0];
  const backup = decide(
    backupChoice,
    facts.backupService,
    false,
    'volume backup (cinder-backup up)',
  );
  notes.push(backup.note);
  const maxMicroversion = facts.microversions?.max || null;
  notes.push(
    `volume microversions: ${maxMicroversion ? `up to ${maxMicroversion}` : 'none (microversion tests skip)'}`,
  );
  notes.push(
    `volume backends: ${backendNames.join(', ') || 'none reported'}${backendNames.length >= 2 ? ' (multi-backend)' : ''}`,
  );
  return {
    settings: {
      catalogType: facts.catalogType,
      maxMicroversion,
      backendNames,
      multiBackend: backendNames.length >= 2,
      // the volume-type tests put these in extra specs: the scheduler must find a pool with them
      storageProtocol: first?.storageProtocol ?? 'iSCSI',
      vendorName: first?.vendorName ?? 'Open Source',
      backup: backup.value,
      snapshot: true,
      clone: true,
      apiExtensions: [...REFERENCE_VOLUME_EXTENSIONS],
    },
    notes,
  };
}
