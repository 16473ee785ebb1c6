import { Type, type Static, type TSchema } from 'typebox';
import { ApiError, badRequest } from '../../../core/errors/index.ts';
import {
  compileValidator,
  inRange,
  type ApiCall,
  type RouteSpec,
  type Validator,
} from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import type { VolumeRow } from '../store/volumes.ts';
import { projectScoped } from './project-paths.ts';
import { visibleVolume, volumeTarget } from './volume-access.ts';

/**
 * POST /v3/{project_id}/volumes/{volume_id}/action carries one action per body, named by
 * the body's single key (`{"os-extend": {"new_size": 2}}`). Each family of actions registers
 * its handlers here (volumes, attachments ...) and one route dispatches them, so the checks
 * run the same way for all, in Cinder's order: body shape and action schema (400), the
 * volume visible to the caller (404), the action's policy rule on the volume (403).
 */

/** What an action handler receives. */
export interface VolumeActionCall<B> {
  /** The HTTP call (caller, microversion, request id, reply). */
  readonly call: ApiCall;
  /** The value under the action's key, validated against the action's schema. */
  readonly body: B;
  /** The volume as loaded before the policy check. */
  readonly volume: VolumeRow;
}

export interface VolumeActionSpec<S extends TSchema = TSchema> {
  /** Upstream rule checked with the volume as target. */
  readonly policy: string;
  /** Schema of the value under the action's key. */
  readonly schema: S;
  /** Success status; Cinder answers most actions with 202. */
  readonly status?: number;
  /** Microversions the action exists in; outside them Cinder answers 404. */
  readonly versions?: { readonly min?: string; readonly max?: string };
  readonly handler: (action: VolumeActionCall<Static<S>>) => Promise<unknown> | unknown;
}

/** An action with its name, as families export them (see volumeAction()). */
export interface VolumeAction {
  readonly name: string;
  readonly spec: VolumeActionSpec;
}

/** Declares an action; exists so the handler's body type is inferred from the schema. */
export function volumeAction<S extends TSchema>(name: string, spec: VolumeActionSpec<S>): VolumeAction {
  return { name, spec: spec as unknown as VolumeActionSpec };
}

/** Where families register their actions before the route is built. */
export interface VolumeActionRegistry {
  registerVolumeAction<S extends TSchema>(name: string, spec: VolumeActionSpec<S>): void;
}

interface Registered {
  readonly spec: VolumeActionSpec;
  readonly validate: Validator;
}

interface Resolved {
  readonly name: string;
  readonly action: Registered;
  readonly volume: VolumeRow;
}

function actionNameOf(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) {
    throw badRequest('Malformed request body', 'block_storage.malformed_action');
  }
  return Object.keys(body)[0]!;
}

export class VolumeActionDispatcher implements VolumeActionRegistry {
  private readonly actions = new Map<string, Registered[]>();

  constructor(private readonly env: BlockStorageEnv) {}

  registerVolumeAction<S extends TSchema>(name: string, spec: VolumeActionSpec<S>): void {
    const list = this.actions.get(name) ?? [];
    const schema = Type.Object({ [name]: spec.schema }, { required: [name], additionalProperties: false });
    list.push({ spec: spec as unknown as VolumeActionSpec, validate: compileValidator(schema, 'body') });
    this.actions.set(name, list);
  }

  register(actions: readonly VolumeAction[]): void {
    for (const a of actions) this.registerVolumeAction(a.name, a.spec);
  }

  /** The action route at both of Cinder's paths; call after every family registered. */
  routes(): RouteSpec[] {
    const resolved = new WeakMap<object, Resolved>();
    const rules = [...new Set([...this.actions.values()].flat().map((a) => a.spec.policy))];
    const resolve = async (call: ApiCall): Promise<Resolved> => {
      const name = actionNameOf(call.body);
      const candidates = this.actions.get(name);
      if (!candidates) {
        throw badRequest(
          `There is no such action: ${name}. Verify the request body and Content-Type header and try again.`,
          'block_storage.no_such_action',
        );
      }
      const action = candidates.find((c) => call.microversion === undefined || inRange(call.microversion, c.spec.versions?.min, c.spec.versions?.max));
      if (!action) throw new ApiError(404, 'not_found', 'The resource could not be found.');
      action.validate(call.body, 'body');
      const volume = await visibleVolume(this.env, call, (call.params as { volume_id: string }).volume_id);
      const r = { name, action, volume };
      resolved.set(call.request, r);
      return r;
    };
    return projectScoped('/volumes/:volume_id/action', {
      method: 'POST',
      // Each action's own schema is applied by the dispatcher (before the policy, as Cinder
      // validates before authorizing); the route only needs a JSON body to exist.
      schema: { body: Type.Unknown(), params: Type.Object({ project_id: Type.Optional(Type.String()), volume_id: Type.String() }) },
      policy: {
        rules,
        choose: (call) => {
          const r = resolved.get(call.request);
          if (!r) throw new Error('volume action policy chosen before the action was resolved');
          return r.action.spec.policy;
        },
      },
      target: async (call) => volumeTarget((await resolve(call)).volume),
      async handler(call) {
        const r = resolved.get(call.request) ?? (await resolve(call));
        const body = (call.body as Record<string, unknown>)[r.name];
        const result = await r.action.spec.handler({ call, body, volume: r.volume });
        // The route's status is per action, so the reply is sent here rather than by the core.
        if (call.reply.sent) return undefined;
        call.reply.code(r.action.spec.status ?? 202);
        return result === undefined ? call.reply.send() : call.reply.send(result);
      },
    });
  }
}
