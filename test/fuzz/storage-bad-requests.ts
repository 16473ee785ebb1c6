/**
 * Bad requests for the image (Glance v2) and block-storage (Cinder v3) APIs, derived from
 * the services' declared route tables: every route gets bad tokens and wrong methods,
 * every route with a body gets malformed JSON and mutations of a plausible body (taken
 * from the route's schema, or from a hand-written template where the route validates in
 * its handler), every route with an id gets bad and other projects' ids, lists get bad
 * query parameters and block-storage routes get wrong microversions. Large sets (which
 * path of a body, which hostile value) are sampled with a seeded generator, so the same
 * seed gives the same requests and a failure can be replayed.
 */
import type { HttpMethod, RouteSpec } from '../../src/core/http/index.ts';
import {
  BAD_IDS,
  BAD_QUERIES,
  CONTENT_TYPES,
  GARBAGE_TOKENS,
  HOSTILE_STRINGS,
  MALFORMED_TEXTS,
  WRONG_VALUES,
  isObject,
  nested,
  pathsOf,
  seededRandom,
  valueAt,
  withValue,
  type BadRequestKind,
  type Json,
  type Path,
} from './bad-requests.ts';

export type StorageService = 'image' | 'block-storage';
export type StorageRequestKind = BadRequestKind | 'other-project' | 'microversion' | 'image-data';

export interface StorageBadRequest {
  readonly service: StorageService;
  readonly kind: StorageRequestKind;
  /** The declared route this request aims at (`METHOD url`), for the report. */
  readonly route: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload?: string | Buffer;
  /** Statuses this request must get (when the answer is known, e.g. 404 for another project's id). */
  readonly expect?: readonly number[];
}

/** Ids of resources the test made, so requests reach real rows. */
export interface StorageFixture {
  readonly adminToken: string;
  readonly adminProjectId: string;
  /** A member of a project that owns none of the resources below. */
  readonly outsiderToken: string;
  readonly outsiderProjectId: string;
  /** Resources of the admin project, by path parameter name (volume_id, image_id ...). */
  readonly ids: Readonly<Record<string, string>>;
  /** Resources of a second project the outsider must never see, by path parameter name. */
  readonly otherIds: Readonly<Record<string, string>>;
  readonly otherProjectId: string;
  readonly volumeTypeName: string;
}

export interface StorageGeneratorInput {
  readonly seed: number;
  readonly routes: Readonly<Record<StorageService, readonly RouteSpec[]>>;
  readonly fixture: StorageFixture;
  readonly bodyLimit: number;
  /** The block-storage API's highest microversion. */
  readonly maxVolumeMicroversion: string;
}

const UNKNOWN_UUID = '6a1d2d3c-0f0e-4b7a-9d55-000000f0a2a1';
const JSON_PATCH = 'application/openstack-images-v2.1-json-patch';

/** Body templates for routes whose schema is checked in the handler (Glance's schemas, action dispatchers). */
interface BodyTemplate {
  readonly body: Json;
  readonly contentType?: string;
}

function handWrittenTemplates(f: StorageFixture): Record<string, readonly BodyTemplate[]> {
  const volumeActions: Json[] = [
    { 'os-extend': { new_size: 3 } },
    { 'os-set_bootable': { bootable: true } },
    { 'os-update_readonly_flag': { readonly: false } },
    { 'os-set_image_metadata': { metadata: { fuzz_key: 'v' } } },
    { 'os-unset_image_metadata': { key: 'fuzz_key' } },
    { 'os-reset_status': { status: 'available', attach_status: 'detached' } },
    { 'os-retype': { new_type: f.volumeTypeName, migration_policy: 'never' } },
    { 'os-volume_upload_image': { image_name: 'fuzz-upload', disk_format: 'raw', container_format: 'bare', force: false } },
    { 'os-initialize_connection': { connector: { host: 'fuzz-host', initiator: 'iqn.1993-08.org.debian:01:fuzz' } } },
    { 'os-attach': { instance_uuid: UNKNOWN_UUID, mountpoint: '/dev/vdb', mode: 'rw' } },
    { revert: { snapshot_id: f.ids.snapshot_id ?? UNKNOWN_UUID } },
  ];
  const json = (bodies: Json[]): BodyTemplate[] => bodies.map((body) => ({ body }));
  return {
    'POST /v2/images': json([
      {
        name: 'fuzz-image',
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
        min_disk: 0,
        min_ram: 0,
        protected: false,
        tags: ['fuzz'],
        os_distro: 'debian',
      },
    ]),
    'PATCH /v2/images/:image_id': [
      {
        body: [
          { op: 'replace', path: '/name', value: 'renamed' },
          { op: 'add', path: '/fuzz_property', value: 'v' },
          { op: 'replace', path: '/min_ram', value: 1 },
        ],
        contentType: JSON_PATCH,
      },
    ],
    'POST /v2/images/:image_id/members': json([{ member: f.otherProjectId }]),
    'PUT /v2/images/:image_id/members/:member_id': json([{ status: 'accepted' }]),
    'POST /v2/images/:image_id/actions/deactivate': json([{}]),
    'POST /v2/images/:image_id/actions/reactivate': json([{}]),
    'POST /v2/images/:image_id/import': json([
      { method: { name: 'glance-direct' }, stores: ['file'], all_stores_must_succeed: true },
      { method: { name: 'web-download', uri: 'http://192.0.2.1/image.raw' } },
    ]),
    'POST /v2/metadefs/namespaces': json([
      {
        namespace: 'fuzz-new-namespace',
        display_name: 'Fuzz',
        visibility: 'public',
        protected: false,
        resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }],
      },
    ]),
    'PUT /v2/metadefs/namespaces/:namespace_name': json([{ namespace: 'fuzz-ns', display_name: 'F', visibility: 'public' }]),
    'POST /v2/metadefs/namespaces/:namespace_name/objects': json([
      { name: 'fuzz-object', description: 'd', properties: { p: { type: 'string', title: 'P' } } },
    ]),
    'PUT /v2/metadefs/namespaces/:namespace_name/objects/:name': json([{ name: 'fuzz-object', description: 'd' }]),
    'POST /v2/metadefs/namespaces/:namespace_name/properties': json([
      { name: 'fuzz_prop', type: 'string', title: 'T', enum: ['a', 'b'] },
    ]),
    'PUT /v2/metadefs/namespaces/:namespace_name/properties/:name': json([{ name: 'fuzz_prop', type: 'integer', title: 'T', minimum: 0 }]),
    'POST /v2/metadefs/namespaces/:namespace_name/tags': json([{ tags: [{ name: 'a' }, { name: 'b' }] }]),
    'PUT /v2/metadefs/namespaces/:namespace_name/tags/:name': json([{ name: 'fuzz-tag-2' }]),
    'POST /v2/metadefs/namespaces/:namespace_name/resource_types': json([{ name: 'OS::Cinder::Volume', prefix: 'x_' }]),
    'POST /v3/:project_id/volumes/:volume_id/action': json(volumeActions),
    'POST /v3/volumes/:volume_id/action': json(volumeActions.slice(0, 4)),
    'POST /v3/:project_id/snapshots/:snapshot_id/action': json([
      { 'os-reset_status': { status: 'available' } },
      { 'os-update_snapshot_status': { status: 'available', progress: '100%' } },
    ]),
    'POST /v3/snapshots/:snapshot_id/action': json([{ 'os-reset_status': { status: 'available' } }]),
    'POST /v3/:project_id/backups/:backup_id/action': json([{ 'os-reset_status': { status: 'available' } }]),
    'POST /v3/backups/:backup_id/action': json([{ 'os-reset_status': { status: 'available' } }]),
    'PUT /v3/:project_id/os-services/:action': json([{ host: 'fuzz-host', binary: 'cinder-volume' }]),
    'PUT /v3/os-services/:action': json([{ host: 'fuzz-host', binary: 'cinder-volume' }]),
    'PUT /v3/:project_id/os-hosts/:host_name': json([{ status: 'enable' }]),
  };
}

type Schema = Record<string, unknown>;

/** Members that name another resource as the source: at most the required ones go in a sample. */
const SOURCE_MEMBERS = new Set([
  'snapshot_id',
  'source_volid',
  'imageRef',
  'image_id',
  'backup_id',
  'source_replica',
  'consistencygroup_id',
  'group_id',
  'source_group_id',
  'group_snapshot_id',
  'backup_store',
]);

/** A plausible value for a JSON schema: what a client would send, so mutations reach deep checks. */
export function sampleFromSchema(schema: Schema, f: StorageFixture, name = '', depth = 0): Json {
  if (depth > 6) return null;
  if ('const' in schema) return schema.const as Json;
  if (Array.isArray(schema.enum)) return (schema.enum as Json[]).find((v) => v !== null) ?? null;
  // Alternatives matter only where the schema gives no type of its own (an anyOf of
  // `required` lists next to properties constrains, it does not describe the value).
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema.type || schema.properties ? undefined : schema[key];
    if (Array.isArray(branches) && branches.length) {
      const all = branches as Schema[];
      const branch = all.find((b) => b.type === 'object' || b.properties) ?? all.find((b) => b.type !== 'null') ?? all[0]!;
      return sampleFromSchema(branch as Schema, f, name, depth + 1);
    }
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type as string] : [];
  const type = types.find((t) => t !== 'null') ?? types[0] ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [key, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
        if (!required.has(key) && SOURCE_MEMBERS.has(key)) continue;
        out[key] = sampleFromSchema(sub, f, key, depth + 1);
      }
      if (!Object.keys(out).length) {
        const pattern = Object.values((schema.patternProperties as Record<string, Schema> | undefined) ?? {})[0];
        const additional = isObject(schema.additionalProperties as Json) ? (schema.additionalProperties as Schema) : undefined;
        const sub = pattern ?? additional;
        if (sub) out.fuzz_key = sampleFromSchema(sub, f, 'fuzz_key', depth + 1);
      }
      return out;
    }
    case 'array': {
      const items = isObject(schema.items as Json) ? (schema.items as Schema) : {};
      return [sampleFromSchema(items, f, name, depth + 1)];
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 1;
      return Math.max(min, name === 'size' || name === 'new_size' ? 1 : min);
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string':
      return sampleString(schema, f, name);
    default:
      return 'fuzz';
  }
}

function sampleString(schema: Schema, f: StorageFixture, name: string): string {
  const byName: Record<string, string | undefined> = {
    volume_id: f.ids.volume_id,
    snapshot_id: f.ids.snapshot_id,
    backup_id: f.ids.backup_id,
    image_id: f.ids.image_id,
    imageRef: f.ids.image_id,
    volume_type: f.volumeTypeName,
    new_type: f.volumeTypeName,
    project: f.otherProjectId,
    project_id: f.otherProjectId,
    status: 'available',
    instance_uuid: UNKNOWN_UUID,
    connector: undefined,
  };
  const known = byName[name];
  if (known) return known;
  if (schema.format === 'uuid') return UNKNOWN_UUID;
  if (schema.format === 'date-time') return '2030-01-01T00:00:00Z';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const base = `fuzz-${name || 'value'}`;
  return base.length >= min ? base : base.padEnd(min, 'x');
}

function methodsOf(route: RouteSpec): HttpMethod[] {
  return (Array.isArray(route.method) ? [...route.method] : [route.method]) as HttpMethod[];
}

function paramNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
}

function fill(url: string, values: (name: string) => string): string {
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) => values(name));
}

/** Path parameters that name a resource a project owns: another project's must stay invisible. */
const OWNED_PARAMS = ['volume_id', 'snapshot_id', 'backup_id', 'image_id'] as const;
/** Routes that show one owned resource: for another project's id the answer is exactly 404. */
const SHOW_ROUTE = /^GET \/(v3(\/:project_id)?\/(volumes|snapshots|backups)\/:[a-z_]+|v2\/images\/:image_id(\/file|\/members)?)$/;

/** Lists that page with limit and marker: a negative or non-numeric limit is 400 in both APIs. */
const PAGED_LISTS = /^GET \/(v3(\/:project_id)?\/(volumes|snapshots|backups)(\/detail)?|v2\/images)$/;

const VOLUME_QUERIES: readonly string[] = [
  'limit=-1',
  'limit=abc',
  'limit=0',
  'limit=1.5',
  'limit=99999999999999999999999',
  'marker=' + UNKNOWN_UUID,
  'marker=not-a-uuid',
  'marker=%00',
  'sort_key=unknown',
  'sort_key=name&sort_dir=sideways',
  'sort=name:up',
  'sort=unknown:asc',
  'sort=' + ','.repeat(50),
  'offset=-5',
  'offset=x',
  'all_tenants=maybe',
  'all_tenants=1&project_id=%00',
  'with_count=perhaps',
  'status=%E0%A4%A',
  'metadata=%7Bnot-json',
  'metadata={"k":{"n":1}}',
  'name~=%5B',
  'created_at=gte:not-a-date',
  'updated_at=lt:2020-13-45T99:99:99',
  'size=big',
  'changes-since=yesterday',
  'member_status=maybe',
  'visibility=secret',
  'protected=perhaps',
  'size_min=-1&size_max=abc',
  'tag=' + 't'.repeat(300),
  'os_hidden=2',
  'id=in:%00,',
  'name=in:"unterminated',
  'usage=yes',
  'host=%2e%2e%2f',
  'glance_metadata={',
  'is_public=notbool',
];

/**
 * The bad requests, in a fixed order for a given input. Most carry the admin token so the
 * request passes authentication and reaches validation; some carry none or a garbage one.
 */
export function generateStorageBadRequests(input: StorageGeneratorInput): StorageBadRequest[] {
  const { fixture: f } = input;
  const rand = seededRandom(input.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const sample = <T>(items: readonly T[], n: number): T[] => {
    if (items.length <= n) return [...items];
    const copy = [...items];
    const out: T[] = [];
    while (out.length < n) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]!);
    return out;
  };
  const garbage = GARBAGE_TOKENS(rand, f.adminToken);
  const hand = handWrittenTemplates(f);
  const out: StorageBadRequest[] = [];

  const paramValue = (name: string): string =>
    name === 'project_id'
      ? f.adminProjectId
      : (f.ids[name] ??
        ({
          target_project_id: f.otherProjectId,
          member_id: f.otherProjectId,
          id: f.otherProjectId,
          class_name: 'default',
          action: 'enable',
          key: 'fuzz_key',
          tag_value: 'fuzz-tag',
          name: name === 'name' ? 'image' : name,
          item: 'cipher',
          host_name: 'fuzz-host',
        }[name] ??
          UNKNOWN_UUID));

  for (const service of ['image', 'block-storage'] as const) {
    const versionHeader = (route: RouteSpec): Record<string, string> =>
      service === 'block-storage'
        ? { 'openstack-api-version': `volume ${route.versions?.max ?? input.maxVolumeMicroversion}` }
        : {};
    const routes = input.routes[service];
    const declared = new Map<string, Set<string>>();
    for (const r of routes) for (const m of methodsOf(r)) (declared.get(r.url) ?? declared.set(r.url, new Set()).get(r.url)!).add(m);

    for (const route of routes) {
      for (const method of methodsOf(route)) {
        const name = `${method} ${route.url}`;
        const url = fill(route.url, paramValue);
        const base = { service, route: name, method, url } as const;
        const auth = (route.auth ?? 'required') !== 'none';
        const vh = versionHeader(route);
        const push = (r: Omit<StorageBadRequest, 'service' | 'route' | 'method' | 'url'> & Partial<StorageBadRequest>) =>
          out.push({ ...base, ...r } as StorageBadRequest);
        const token = (): Record<string, string> => {
          const x = rand();
          if (x < 0.85) return { 'x-auth-token': f.adminToken };
          if (x < 0.93) return {};
          return { 'x-auth-token': pick(garbage) };
        };

        // Every authenticated route: no token, and garbage tokens.
        if (auth) {
          push({ kind: 'bad-token', headers: { ...vh }, expect: [401] });
          for (const t of sample(garbage, 2)) push({ kind: 'bad-token', headers: { ...vh, 'x-auth-token': t }, expect: [401] });
        }

        // Bodies: malformed, mutated from a plausible one, wrong media types, oversized.
        const schema = route.schema?.body as Schema | undefined;
        if (schema && (method === 'POST' || method === 'PUT' || method === 'PATCH')) {
          const fromSchema = Object.keys(schema).length ? [{ body: sampleFromSchema(schema, f) }] : [];
          const templates: readonly BodyTemplate[] = hand[name] ?? (fromSchema.length ? fromSchema : [{ body: {} }]);
          for (const t of templates) {
            const contentType = t.contentType ?? 'application/json';
            const json = (kind: StorageRequestKind, payload: string | Buffer) =>
              push({ kind, headers: { ...vh, 'content-type': contentType, ...token() }, payload });
            const text = JSON.stringify(t.body);
            const paths = pathsOf(t.body);
            for (let i = 0; i < 2; i++) json('malformed-json', text.slice(0, Math.max(1, Math.floor(rand() * (text.length - 1)))));
            json('malformed-json', pick(MALFORMED_TEXTS));
            json('malformed-json', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]));
            for (const path of sample(paths, 8)) {
              for (let i = 0; i < 2; i++) json('wrong-type', JSON.stringify(withValue(t.body, path, pick(WRONG_VALUES))));
              json('hostile-string', JSON.stringify(withValue(t.body, path, pick(HOSTILE_STRINGS))));
              json('missing-member', JSON.stringify(withValue(t.body, path, undefined)));
            }
            const objectPaths: Path[] = [[], ...paths.filter((p) => isObject(valueAt(t.body, p)))];
            for (const path of sample(objectPaths, 3)) {
              const target = path.length ? valueAt(t.body, path) : t.body;
              if (!isObject(target)) continue;
              const extra = { ...target, [`unexpected_${Math.floor(rand() * 1000)}`]: pick(WRONG_VALUES) };
              json('extra-member', JSON.stringify(path.length ? withValue(t.body, path, extra) : extra));
            }
            for (const shape of sample(['[]', '"text"', '42', 'null', 'true', '{}', JSON.stringify([t.body])], 3)) json('body-shape', shape);
            if (paths.length) {
              json('deep-nesting', JSON.stringify(withValue(t.body, pick(paths), nested(300 + Math.floor(rand() * 500), 'leaf'))));
            }
            json('deep-nesting', `{"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
            for (const type of sample(CONTENT_TYPES, 3)) {
              push({
                kind: 'content-type',
                headers: { ...vh, ...(type === undefined ? {} : { 'content-type': type }), 'x-auth-token': f.adminToken },
                payload: text,
              });
            }
          }
          push({
            kind: 'oversized',
            headers: { ...vh, 'content-type': 'application/json', 'x-auth-token': f.adminToken },
            payload: JSON.stringify({ x: 'x'.repeat(input.bodyLimit + 1024) }),
          });
        }

        // Ids: malformed, unknown, and (for owned resources) another project's.
        const params = paramNames(route.url).filter((p) => p !== 'project_id');
        if (params.length && auth) {
          const payload = schema && method !== 'GET' && method !== 'DELETE' && method !== 'HEAD' ? '{}' : undefined;
          const bodyHeaders: Record<string, string> = payload ? { 'content-type': hand[name]?.[0]?.contentType ?? 'application/json' } : {};
          for (const bad of [...sample(BAD_IDS, 3), UNKNOWN_UUID]) {
            const target = pick(params);
            push({
              kind: 'bad-id',
              url: fill(route.url, (p) => (p === target ? bad : paramValue(p))),
              headers: { ...vh, ...bodyHeaders, 'x-auth-token': f.adminToken },
              ...(payload ? { payload } : {}),
            });
          }
          const owned = params.filter((p): p is (typeof OWNED_PARAMS)[number] => (OWNED_PARAMS as readonly string[]).includes(p));
          for (const p of owned) {
            const other = f.otherIds[p];
            if (!other) continue;
            const template = hand[name]?.[0];
            const body = template ? JSON.stringify(template.body) : schema && Object.keys(schema).length ? JSON.stringify(sampleFromSchema(schema, f)) : undefined;
            const withBody = body !== undefined && method !== 'GET' && method !== 'DELETE' && method !== 'HEAD';
            push({
              kind: 'other-project',
              url: fill(route.url, (q) => (q === 'project_id' ? f.outsiderProjectId : q === p ? other : paramValue(q))),
              headers: withBody
                ? { ...vh, 'x-auth-token': f.outsiderToken, 'content-type': template?.contentType ?? 'application/json' }
                : { ...vh, 'x-auth-token': f.outsiderToken },
              ...(withBody ? { payload: body } : {}),
              expect: SHOW_ROUTE.test(name) ? [404] : [403, 404],
            });
          }
        }

        // Lists: bad query parameters.
        if (method === 'GET') {
          const isList = !/\/:[a-z_]+$/.test(route.url);
          const queries = isList ? [...sample(VOLUME_QUERIES, 6), ...sample(BAD_QUERIES, 2)] : sample(VOLUME_QUERIES, 2);
          const paged = PAGED_LISTS.test(name);
          if (paged) queries.push('limit=-1', 'limit=abc');
          for (const q of queries) {
            const strict = paged && (q === 'limit=-1' || q === 'limit=abc');
            push({
              kind: 'bad-query',
              url: `${url}?${q}`,
              headers: { ...vh, ...(strict ? { 'x-auth-token': f.adminToken } : token()) },
              ...(strict ? { expect: [400] } : {}),
            });
          }
        } else if (!auth) {
          push({ kind: 'bad-query', url: `${url}?${pick(VOLUME_QUERIES)}`, headers: { ...vh } });
        }

        // Microversions: out of range (406), malformed (400), before the route existed (404).
        if (service === 'block-storage' && route.url.startsWith('/v3/')) {
          const adminOnly = { 'x-auth-token': f.adminToken };
          push({ kind: 'microversion', headers: { ...adminOnly, 'openstack-api-version': 'volume 9.99' }, expect: [406] });
          push({ kind: 'microversion', headers: { ...adminOnly, 'openstack-api-version': pick(['volume abc', 'volume 3.', 'volume 03.1', 'volume -3.5', 'volume 3.5.1']) }, expect: [400] });
          const min = route.versions?.min;
          if (min && min !== '3.0' && !declaredAtVersion(routes, route.url, method, '3.0')) {
            push({ kind: 'microversion', headers: { ...adminOnly, 'openstack-api-version': 'volume 3.0' }, expect: [404] });
          }
        }
      }
    }

    // Wrong methods: each declared URL with one it does not serve.
    for (const [routeUrl, methods] of declared) {
      const missing = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => !methods.has(m));
      if (!missing.length) continue;
      const method = pick(missing);
      out.push({
        service,
        kind: 'bad-method',
        route: `${method} ${routeUrl}`,
        method,
        url: fill(routeUrl, paramValue),
        headers: { 'x-auth-token': f.adminToken, ...(service === 'block-storage' ? { 'openstack-api-version': `volume ${input.maxVolumeMicroversion}` } : {}) },
      });
    }
  }

  // Image data: uploads with the wrong media type, to an image that has data, or staged twice.
  const dataTargets = [f.ids.queued_image_id, f.ids.image_id].filter((id): id is string => Boolean(id));
  for (const id of dataTargets) {
    for (const [type, path] of [
      ['application/json', 'file'],
      ['text/plain', 'file'],
      [undefined, 'file'],
      ['application/json', 'stage'],
      ['multipart/form-data; boundary=x', 'stage'],
    ] as const) {
      out.push({
        service: 'image',
        kind: 'image-data',
        route: `PUT /v2/images/:image_id/${path}`,
        method: 'PUT',
        url: `/v2/images/${id}/${path}`,
        headers: { 'x-auth-token': f.adminToken, ...(type ? { 'content-type': type } : {}) },
        payload: '{"not": "image data"}',
        expect: [400, 409, 415],
      });
    }
  }
  if (f.ids.image_id) {
    out.push({
      service: 'image',
      kind: 'image-data',
      route: 'PUT /v2/images/:image_id/file',
      method: 'PUT',
      url: `/v2/images/${f.ids.image_id}/file`,
      headers: { 'x-auth-token': f.adminToken, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('second upload to an active image'),
      expect: [409],
    });
  }
  return out;
}

function declaredAtVersion(routes: readonly RouteSpec[], url: string, method: string, version: string): boolean {
  const [maj, min] = version.split('.').map(Number) as [number, number];
  const cmp = (v: string | undefined, sign: 1 | -1) => {
    if (!v) return true;
    const [a, b] = v.split('.').map(Number) as [number, number];
    return sign * (maj - a || min - b) >= 0;
  };
  return routes.some((r) => r.url === url && methodsOf(r).includes(method as HttpMethod) && cmp(r.versions?.min, 1) && cmp(r.versions?.max, -1));
}
