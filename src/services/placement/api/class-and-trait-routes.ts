import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { PlacementEnv } from '../env.ts';
import { placementErrors } from '../errors.ts';
import { createCustom, deleteCustom, findCustom, listCustom, renameCustom, resourceClasses, traits } from '../store/names.ts';
import { cacheHeaders, CUSTOM_NAME } from './common.ts';

const NameParams = Type.Object({ name: Type.String() });
const RcBody = Type.Object({ name: Type.String({ maxLength: 255 }) }, { additionalProperties: false });
const rcView = (name: string) => ({ name, links: [{ rel: 'self', href: `/resource_classes/${name}` }] });
const INVALID_TRAIT =
  'The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"';

export function classAndTraitRoutes(env: PlacementEnv): RouteSpec[] {
  const customRc = (name: string) => {
    if (!CUSTOM_NAME.test(name) || name.length > 255) {
      throw placementErrors.badRequest(`JSON does not validate: '${name}' does not match '^CUSTOM_[A-Z0-9_]+$'`);
    }
  };
  const rcExists = async (name: string) => resourceClasses.standard.has(name) || (await findCustom(env.db, resourceClasses, name)) !== undefined;
  const rcInUse = async (name: string) =>
    (await env.db.selectFrom('placement_inventory').select('provider_id').where('resource_class', '=', name).limit(1).executeTakeFirst()) !== undefined;
  return [
    defineRoute({
      method: 'GET',
      url: '/resource_classes',
      versions: { min: '1.2' },
      policy: 'placement:resource_classes:list',
      handler: async (call) => {
        const custom = await listCustom(env.db, resourceClasses);
        cacheHeaders(call);
        return { resource_classes: [...resourceClasses.standardOrder, ...custom.map((c) => c.name)].map(rcView) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/resource_classes',
      versions: { min: '1.2' },
      policy: 'placement:resource_classes:create',
      schema: { body: RcBody },
      status: 201,
      handler: async (call) => {
        customRc(call.body.name);
        if (!(await createCustom(env.db, resourceClasses, call.body.name))) {
          throw placementErrors.duplicateName(`Conflicting resource class already exists: ${call.body.name}`);
        }
        call.reply.header('location', `/resource_classes/${call.body.name}`);
        call.reply.code(201).send();
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/resource_classes/:name',
      versions: { min: '1.2' },
      policy: 'placement:resource_classes:show',
      schema: { params: NameParams },
      handler: async (call) => {
        if (!(await rcExists(call.params.name))) throw placementErrors.notFound(`No such resource class ${call.params.name}.`);
        cacheHeaders(call);
        return rcView(call.params.name);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/resource_classes/:name',
      versions: { min: '1.2', max: '1.6' },
      policy: 'placement:resource_classes:update',
      schema: { params: NameParams, body: RcBody },
      handler: async (call) => {
        const { name } = call.params;
        if (resourceClasses.standard.has(name)) throw placementErrors.badRequest(`Cannot update standard resource class ${name}`);
        customRc(call.body.name);
        if (!(await findCustom(env.db, resourceClasses, name))) throw placementErrors.notFound(`No such resource class ${name}.`);
        if (await rcExists(call.body.name)) throw placementErrors.duplicateName(`Resource class already exists: ${call.body.name}`);
        if (await rcInUse(name)) throw placementErrors.conflict(`Unable to rename resource class ${name}: it is in use in inventory.`);
        await renameCustom(env.db, resourceClasses, name, call.body.name);
        return rcView(call.body.name);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/resource_classes/:name',
      versions: { min: '1.7' },
      policy: 'placement:resource_classes:update',
      schema: { params: NameParams },
      handler: async (call) => {
        const { name } = call.params;
        if (resourceClasses.standard.has(name)) throw placementErrors.badRequest(`Cannot update standard resource class ${name}`);
        customRc(name);
        const created = await createCustom(env.db, resourceClasses, name);
        call.reply.header('location', `/resource_classes/${name}`);
        call.reply.code(created ? 201 : 204).send();
        return undefined;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/resource_classes/:name',
      versions: { min: '1.2' },
      policy: 'placement:resource_classes:delete',
      schema: { params: NameParams },
      status: 204,
      handler: async (call) => {
        const { name } = call.params;
        if (resourceClasses.standard.has(name)) throw placementErrors.badRequest(`Cannot delete standard resource class ${name}`);
        if (!(await findCustom(env.db, resourceClasses, name))) throw placementErrors.notFound(`No such resource class ${name}.`);
        if (await rcInUse(name)) throw placementErrors.conflict(`Unable to delete resource class ${name}. Resource class is in use in inventory.`);
        await deleteCustom(env.db, resourceClasses, name);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/traits',
      versions: { min: '1.6' },
      policy: 'placement:traits:list',
      handler: async (call) => {
        const q = call.query as Record<string, unknown>;
        for (const k of Object.keys(q)) {
          if (k !== 'name' && k !== 'associated') throw placementErrors.badRequest(`Invalid query string parameters: Additional properties are not allowed ('${k}' was unexpected)`);
        }
        let names = [...traits.standardOrder, ...(await listCustom(env.db, traits)).map((t) => t.name)];
        if (q.name !== undefined) {
          const v = String(q.name);
          if (v.startsWith('in:')) {
            const wanted = new Set(v.slice(3).split(','));
            names = names.filter((n) => wanted.has(n));
          } else if (v.startsWith('startswith:')) {
            const prefix = v.slice('startswith:'.length);
            names = names.filter((n) => n.startsWith(prefix));
          } else {
            throw placementErrors.badRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${v}"`);
          }
        }
        if (q.associated !== undefined) {
          const v = String(q.associated).toLowerCase();
          if (v !== 'true' && v !== 'false') throw placementErrors.badRequest(`The query parameter "associated" only accepts "true" or "false"`);
          const used = new Set((await env.db.selectFrom('placement_provider_trait').select('trait').distinct().execute()).map((r) => r.trait));
          names = names.filter((n) => used.has(n) === (v === 'true'));
        }
        cacheHeaders(call);
        return { traits: names.sort() };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/traits/:name',
      versions: { min: '1.6' },
      policy: 'placement:traits:show',
      schema: { params: NameParams },
      status: 204,
      handler: async (call) => {
        const { name } = call.params;
        if (!traits.standard.has(name) && !(await findCustom(env.db, traits, name))) throw placementErrors.notFound(`No such trait(s): ${name}.`);
        cacheHeaders(call);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/traits/:name',
      versions: { min: '1.6' },
      policy: 'placement:traits:update',
      schema: { params: NameParams },
      handler: async (call) => {
        const { name } = call.params;
        if (!CUSTOM_NAME.test(name) || name.length > 255) throw placementErrors.badRequest(INVALID_TRAIT);
        const created = await createCustom(env.db, traits, name);
        call.reply.header('location', `/traits/${name}`);
        call.reply.code(created ? 201 : 204).send();
        return undefined;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/traits/:name',
      versions: { min: '1.6' },
      policy: 'placement:traits:delete',
      schema: { params: NameParams },
      status: 204,
      handler: async (call) => {
        const { name } = call.params;
        if (traits.standard.has(name)) throw placementErrors.badRequest(`Cannot delete standard trait ${name}.`);
        if (!(await findCustom(env.db, traits, name))) throw placementErrors.notFound(`No such trait(s): ${name}.`);
        const used = await env.db.selectFrom('placement_provider_trait').select('provider_id').where('trait', '=', name).limit(1).executeTakeFirst();
        if (used) throw placementErrors.conflict(`The trait ${name} is in use by a resource provider.`);
        await deleteCustom(env.db, traits, name);
      },
    }),
  ];
}
