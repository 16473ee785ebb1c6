import { Type } from 'typebox';
import { parseBoolParam, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  associateQos,
  deleteQosKeys,
  deleteQosSpec,
  disassociateAllQos,
  disassociateQos,
  getQosSpec,
  insertQosSpec,
  listQosSpecs,
  qosAssociations,
  qosKeysOf,
  QosNameTaken,
  updateQosSpec,
  type QosKeys,
  type QosSpecRow,
} from '../store/qos-specs.ts';
import { getVolumeType } from '../store/volume-types.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { specValues, SpecsWithNull } from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { projectScoped } from './project-paths.ts';
import { resourceLinks } from './resource-links.ts';

const CONSUMERS = ['front-end', 'back-end', 'both'];

const Params = Type.Object({ qos_id: Type.String({ minLength: 1, maxLength: 255 }) });
const SpecValue = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);
const CreateBody = Type.Object(
  {
    qos_specs: Type.Object(
      { name: Type.String({ minLength: 1, pattern: '\\S' }) },
      { additionalProperties: SpecValue },
    ),
  },
  { additionalProperties: false },
);
const SetBody = Type.Object({ qos_specs: SpecsWithNull }, { additionalProperties: false });
const UnsetBody = Type.Object(
  { keys: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { uniqueItems: true }) },
  { additionalProperties: false },
);
const TypeQuery = Type.Object({ vol_type_id: Type.Optional(Type.String()) });

const SORT_COLUMNS = {
  created_at: { column: 'created_at' },
  id: { column: 'id' },
  name: { column: 'name' },
  consumer: { column: 'consumer' },
};

function qosView(row: QosSpecRow, specs: QosKeys) {
  return { id: row.id, name: row.name, consumer: row.consumer, specs };
}

function checkConsumer(consumer: string | undefined): void {
  if (consumer !== undefined && !CONSUMERS.includes(consumer)) {
    throw blockStorageErrors.invalid(
      `Invalid qos specs: Consumer ${consumer} is not valid, it should be one of ${CONSUMERS.join(', ')}.`,
    );
  }
}

async function requireQos(env: BlockStorageEnv, id: string): Promise<QosSpecRow> {
  const row = await getQosSpec(env.db, id);
  if (!row) throw catalogErrors.qosNotFound(id);
  return row;
}

/** The type named by ?vol_type_id=, which associate and disassociate require. */
async function requireTypeParam(env: BlockStorageEnv, call: ApiCall) {
  const typeId = singleFilter(call.query, 'vol_type_id');
  if (!typeId) throw blockStorageErrors.invalid('Volume Type id must not be None.');
  const t = await getVolumeType(env.db, typeId);
  if (!t) throw blockStorageErrors.volumeTypeNotFound(typeId);
  return t;
}

/** QoS specs (qos-specs): front-end or back-end limits, associated with volume types. */
export function qosRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/qos-specs', {
      method: 'GET',
      policy: 'volume_extension:qos_specs_manage:get_all',
      async handler(call) {
        const params = parseCinderList(call, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        let marker: QosSpecRow | undefined;
        if (params.markerId !== undefined) marker = await requireQos(env, params.markerId);
        const rows = await listQosSpecs(
          env.db,
          {
            id: singleFilter(call.query, 'id'),
            name: singleFilter(call.query, 'name'),
            consumer: singleFilter(call.query, 'consumer'),
          },
          listWindow(params, marker),
        );
        const keys = await qosKeysOf(
          env.db,
          rows.map((r) => r.id),
        );
        const body: Record<string, unknown> = {
          qos_specs: rows.map((r) => qosView(r, keys.get(r.id)!)),
        };
        const links =
          call.query.limit !== undefined ? collectionLinks(call, params, rows) : undefined;
        if (links) body.qos_specs_links = links;
        return body;
      },
    }),
    ...projectScoped('/qos-specs', {
      method: 'POST',
      policy: 'volume_extension:qos_specs_manage:create',
      schema: { body: CreateBody },
      async handler(call) {
        const {
          name: rawName,
          consumer: rawConsumer,
          ...rest
        } = call.body.qos_specs as Record<string, unknown>;
        const name = String(rawName).trim();
        if (name.length > 255)
          throw blockStorageErrors.invalid("The 'name' can not be greater than 255 characters.");
        const consumer =
          rawConsumer === undefined || rawConsumer === null ? 'back-end' : String(rawConsumer);
        checkConsumer(consumer);
        const specs = specValues(rest);
        try {
          const row = await insertQosSpec(env.db, name, consumer, specs, env.now());
          return {
            qos_specs: qosView(row, specs),
            links: resourceLinks(call, 'qos-specs', row.id),
          };
        } catch (err) {
          if (err instanceof QosNameTaken) throw catalogErrors.qosExists(name);
          throw err;
        }
      },
    }),
    ...projectScoped('/qos-specs/:qos_id', {
      method: 'GET',
      policy: 'volume_extension:qos_specs_manage:get',
      schema: { params: Params },
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        const keys = await qosKeysOf(env.db, [row.id]);
        return {
          qos_specs: qosView(row, keys.get(row.id)!),
          links: resourceLinks(call, 'qos-specs', row.id),
        };
      },
    }),
    ...projectScoped('/qos-specs/:qos_id', {
      method: 'PUT',
      policy: 'volume_extension:qos_specs_manage:update',
      schema: { params: Params, body: SetBody },
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        const { consumer, ...rest } = specValues(call.body.qos_specs);
        checkConsumer(consumer);
        await updateQosSpec(env.db, row.id, consumer, rest);
        return { qos_specs: call.body.qos_specs };
      },
    }),
    ...projectScoped('/qos-specs/:qos_id', {
      method: 'DELETE',
      policy: 'volume_extension:qos_specs_manage:delete',
      schema: { params: Params },
      status: 202,
      async handler(call) {
        const force = parseBoolParam('force', singleFilter(call.query, 'force')) ?? false;
        const row = await requireQos(env, call.params.qos_id);
        if (!(await deleteQosSpec(env.db, row.id, force))) throw catalogErrors.qosInUse();
        return undefined;
      },
    }),
    ...projectScoped('/qos-specs/:qos_id/delete_keys', {
      method: 'PUT',
      policy: 'volume_extension:qos_specs_manage:delete',
      schema: { params: Params, body: UnsetBody },
      status: 202,
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        const missing = await deleteQosKeys(env.db, row.id, call.body.keys);
        if (missing !== undefined) throw catalogErrors.qosKeyNotFound(row.id, missing);
        return undefined;
      },
    }),
    ...projectScoped('/qos-specs/:qos_id/associations', {
      method: 'GET',
      policy: 'volume_extension:qos_specs_manage:get_all',
      schema: { params: Params },
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        return { qos_associations: await qosAssociations(env.db, row.id) };
      },
    }),
    ...projectScoped('/qos-specs/:qos_id/associate', {
      method: 'GET',
      policy: 'volume_extension:qos_specs_manage:update',
      schema: { params: Params, querystring: TypeQuery },
      status: 202,
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        const t = await requireTypeParam(env, call);
        if (t.qos_specs_id !== null && t.qos_specs_id !== row.id) {
          throw blockStorageErrors.invalid(
            `Invalid volume type: Type ${t.id} is already associated with another qos specs: ${t.qos_specs_id}`,
          );
        }
        await associateQos(env.db, row.id, t.id);
        return undefined;
      },
    }),
    ...projectScoped('/qos-specs/:qos_id/disassociate', {
      method: 'GET',
      policy: 'volume_extension:qos_specs_manage:update',
      schema: { params: Params, querystring: TypeQuery },
      status: 202,
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        const t = await requireTypeParam(env, call);
        await disassociateQos(env.db, row.id, t.id);
        return undefined;
      },
    }),
    ...projectScoped('/qos-specs/:qos_id/disassociate_all', {
      method: 'GET',
      policy: 'volume_extension:qos_specs_manage:update',
      schema: { params: Params },
      status: 202,
      async handler(call) {
        const row = await requireQos(env, call.params.qos_id);
        await disassociateAllQos(env.db, row.id);
        return undefined;
      },
    }),
  ];
}
