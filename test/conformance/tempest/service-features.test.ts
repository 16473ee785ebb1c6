import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../lib/openstack-http.ts';
import type { ImageServiceFacts, VolumeServiceFacts } from './service-features.ts';
import {
  detectImageFacts,
  detectVolumeFacts,
  imageApiRoot,
  imageSettings,
  parseBackupService,
  parseImportMethods,
  parsePools,
  parseVolumeMicroversions,
  REFERENCE_VOLUME_EXTENSIONS,
  schemaEnum,
  TEMPEST_CONTAINER_FORMATS,
  TEMPEST_DISK_FORMATS,
  versionRootUrl,
  volumeSettings,
} from './service-features.ts';

// shapes as the real Glance and Cinder (Zed) answer them
const importInfo = {
  'import-methods': {
    description: 'Import methods available.',
    type: 'array',
    value: ['glance-direct', 'web-download', 'copy-image'],
  },
};
const imageSchema = {
  name: 'image',
  properties: {
    container_format: {
      type: ['null', 'string'],
      enum: [null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'],
    },
    disk_format: {
      type: ['null', 'string'],
      enum: [
        null,
        'ami',
        'ari',
        'aki',
        'vhd',
        'vhdx',
        'vmdk',
        'raw',
        'qcow2',
        'vdi',
        'iso',
        'ploop',
      ],
    },
  },
};
const versions = {
  versions: [
    {
      id: 'v3.0',
      status: 'CURRENT',
      version: '3.70',
      min_version: '3.0',
      updated: '2023-08-31T00:00:00Z',
      links: [{ href: 'http://h:8776/v3/', rel: 'self' }],
      'media-types': [],
    },
  ],
};
const pools = {
  pools: [
    {
      name: 'aio@fake-1#fake',
      capabilities: {
        volume_backend_name: 'fake',
        storage_protocol: 'fake',
        vendor_name: 'Open Source',
        total_capacity_gb: 'infinite',
      },
    },
  ],
};
const services = {
  services: [
    { binary: 'cinder-scheduler', host: 'aio', status: 'enabled', state: 'up' },
    { binary: 'cinder-volume', host: 'aio@fake-1', status: 'enabled', state: 'up' },
  ],
};

describe('parsers', () => {
  it('reads the import methods and the schema enums (without null)', () => {
    expect(parseImportMethods(importInfo)).toEqual(['glance-direct', 'web-download', 'copy-image']);
    expect(parseImportMethods({})).toBeNull();
    expect(schemaEnum(imageSchema, 'container_format')).toEqual([
      'ami',
      'ari',
      'aki',
      'bare',
      'ovf',
      'ova',
      'docker',
      'compressed',
    ]);
    expect(schemaEnum(imageSchema, 'nothing')).toBeNull();
  });

  it('reads the v3 microversion range from the root or the v3 version document', () => {
    expect(parseVolumeMicroversions(versions)).toEqual({ min: '3.0', max: '3.70' });
    expect(
      parseVolumeMicroversions({ version: { id: 'v3.0', version: '3.60', min_version: '3.0' } }),
    ).toEqual({
      min: '3.0',
      max: '3.60',
    });
    expect(parseVolumeMicroversions({ versions: [{ id: 'v2.0', version: '' }] })).toBeNull();
  });

  it('reads pools and whether a cinder-backup is enabled and up', () => {
    expect(parsePools(pools)).toEqual([
      {
        name: 'aio@fake-1#fake',
        backendName: 'fake',
        storageProtocol: 'fake',
        vendorName: 'Open Source',
      },
    ]);
    expect(parsePools({ pools: [{ name: 'p' }] })).toEqual([
      { name: 'p', backendName: null, storageProtocol: null, vendorName: null },
    ]);
    expect(parseBackupService(services)).toBe(false);
    const withBackup = [
      ...services.services,
      { binary: 'cinder-backup', status: 'enabled', state: 'up' },
    ];
    expect(parseBackupService({ services: withBackup })).toBe(true);
    const down = [
      ...services.services,
      { binary: 'cinder-backup', status: 'enabled', state: 'down' },
    ];
    expect(parseBackupService({ services: down })).toBe(false);
    expect(parseBackupService('nope')).toBeNull();
  });

  it('finds the version root the way tempest does, and the image API root', () => {
    expect(versionRootUrl('http://h:8776/v3/abc')).toBe('http://h:8776/');
    expect(versionRootUrl('https://h/volume/v3/abc')).toBe('https://h/volume/');
    expect(imageApiRoot('http://h:9292/')).toBe('http://h:9292');
    expect(imageApiRoot('http://h:9292/v2')).toBe('http://h:9292');
    expect(imageApiRoot('http://h/image/v2.0/')).toBe('http://h/image');
  });
});

describe('settings', () => {
  const imageFacts: ImageServiceFacts = {
    importMethods: ['glance-direct'],
    containerFormats: ['bare', 'ovf'],
    diskFormats: null,
  };

  it('turns image import on when glance-direct is advertised, unless forced', () => {
    expect(imageSettings(imageFacts, 'auto').settings.importImage).toBe(true);
    expect(
      imageSettings({ ...imageFacts, importMethods: ['web-download'] }, 'auto').settings
        .importImage,
    ).toBe(false);
    expect(imageSettings({ ...imageFacts, importMethods: null }, 'auto').settings.importImage).toBe(
      false,
    );
    const forced = imageSettings(imageFacts, 'off');
    expect(forced.settings.importImage).toBe(false);
    expect(forced.notes[0]).toMatch(/off \(forced\)/);
  });

  it("keeps tempest's format order, minus what the schema does not offer", () => {
    const { settings } = imageSettings(imageFacts, 'auto');
    expect(settings.containerFormats).toEqual(['bare', 'ovf']);
    expect(settings.diskFormats).toEqual([...TEMPEST_DISK_FORMATS]);
    expect(
      imageSettings({ ...imageFacts, containerFormats: ['docker'] }, 'auto').settings
        .containerFormats,
    ).toEqual([...TEMPEST_CONTAINER_FORMATS]);
  });

  const volumeFacts: VolumeServiceFacts = {
    catalogType: 'volumev3',
    microversions: { min: '3.0', max: '3.70' },
    pools: parsePools(pools),
    backupService: false,
  };

  it('takes the microversion, backends and capabilities from the service', () => {
    const { settings } = volumeSettings(volumeFacts, 'auto');
    expect(settings).toEqual({
      catalogType: 'volumev3',
      maxMicroversion: '3.70',
      backendNames: ['fake'],
      multiBackend: false,
      storageProtocol: 'fake',
      vendorName: 'Open Source',
      backup: false,
      snapshot: true,
      clone: true,
      apiExtensions: [...REFERENCE_VOLUME_EXTENSIONS],
    });
  });

  it('multi-backend with two backend names; backup forced or detected', () => {
    const two = {
      ...volumeFacts,
      pools: [
        { name: 'a#a', backendName: 'a', storageProtocol: 'iSCSI', vendorName: 'V' },
        { name: 'b#b', backendName: 'b', storageProtocol: 'ceph', vendorName: 'V' },
        { name: 'b#c', backendName: 'b', storageProtocol: 'ceph', vendorName: 'V' },
      ],
      backupService: true,
    };
    const { settings } = volumeSettings(two, 'auto');
    expect(settings.backendNames).toEqual(['a', 'b']);
    expect(settings.multiBackend).toBe(true);
    expect(settings.backup).toBe(true);
    expect(volumeSettings(two, 'off').settings.backup).toBe(false);
  });

  it("falls back to tempest's defaults when nothing could be read", () => {
    const { settings, notes } = volumeSettings(
      { catalogType: 'block-storage', microversions: null, pools: null, backupService: null },
      'auto',
    );
    expect(settings.maxMicroversion).toBeNull();
    expect(settings.backendNames).toEqual([]);
    expect(settings.storageProtocol).toBe('iSCSI');
    expect(settings.backup).toBe(false);
    expect(notes.join('\n')).toMatch(/not detected/);
  });
});

describe('detection over HTTP', () => {
  let base = '';
  const seen: { method?: string; url?: string; token?: string }[] = [];
  const routes: Record<string, [number, unknown]> = {
    '/image/v2/info/import': [200, importInfo],
    '/image/v2/schemas/image': [200, imageSchema],
    '/': [300, versions],
    '/v3/p1/scheduler-stats/get_pools?detail=True': [200, pools],
    '/v3/p1/os-services': [403, { forbidden: { code: 403, message: 'Policy does not allow' } }],
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method, url: req.url, token: req.headers['x-auth-token'] as string });
    const [status, body] = routes[req.url ?? ''] ?? [404, { itemNotFound: { code: 404 } }];
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the image facts with the token', async () => {
    const warnings: string[] = [];
    const facts = await detectImageFacts(new ApiClient('tok'), `${base}/image/`, (w) =>
      warnings.push(w),
    );
    expect(facts.importMethods).toEqual(['glance-direct', 'web-download', 'copy-image']);
    expect(facts.diskFormats).toContain('raw');
    expect(warnings).toEqual([]);
    expect(seen.every((r) => r.token === 'tok')).toBe(true);
  });

  it('reads the volume facts; a refused call is a warning and an unknown fact', async () => {
    const warnings: string[] = [];
    const facts = await detectVolumeFacts(new ApiClient('tok'), `${base}/v3/p1`, 'volumev3', (w) =>
      warnings.push(w),
    );
    expect(facts.microversions).toEqual({ min: '3.0', max: '3.70' });
    expect(facts.pools?.[0]?.backendName).toBe('fake');
    expect(facts.backupService).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/volume services unknown: .*HTTP 403/)]);
  });
});
