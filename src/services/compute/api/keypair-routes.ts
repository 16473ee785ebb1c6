import { Type, type TSchema } from 'typebox';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { generateSshKeypair, InvalidPublicKey, sshFingerprint } from '../keypairs/ssh-keys.ts';
import { generateX509Keypair, x509Fingerprint } from '../keypairs/x509.ts';
import { CHANGES, versionRange } from '../microversions.ts';
import { effectiveLimits } from '../quotas.ts';
import { deleteKeypair, getKeypair, insertKeypair, listKeypairs } from '../store/keypairs.ts';
import { keypairCreatedView, keypairListItemView, keypairView } from './keypair-views.ts';
import { callerProject, collectionLinks, Name, novaRoute, pageOf, queryValue } from './params.ts';

/** How a range of microversions treats keypairs: `type` (2.2), acting for another user (2.10), paging (2.35). */
interface KeypairVersion {
  readonly versions: { min?: string; max?: string };
  readonly typed: boolean;
  readonly otherUsers: boolean;
  readonly paginated: boolean;
}

const VERSIONS: readonly KeypairVersion[] = [
  {
    versions: versionRange(undefined, CHANGES.keypairType),
    typed: false,
    otherUsers: false,
    paginated: false,
  },
  {
    versions: versionRange(CHANGES.keypairType, CHANGES.keypairUserId),
    typed: true,
    otherUsers: false,
    paginated: false,
  },
  {
    versions: versionRange(CHANGES.keypairUserId, CHANGES.keypairPagination),
    typed: true,
    otherUsers: true,
    paginated: false,
  },
  {
    versions: versionRange(CHANGES.keypairPagination, undefined),
    typed: true,
    otherUsers: true,
    paginated: true,
  },
];

function createBody(v: KeypairVersion): TSchema {
  const props: Record<string, TSchema> = { name: Name, public_key: Type.Optional(Type.String()) };
  if (v.typed) props.type = Type.Optional(Type.String({ enum: ['ssh', 'x509'] }));
  if (v.otherUsers) props.user_id = Type.Optional(Type.String({ minLength: 1, maxLength: 255 }));
  return Type.Object(
    { keypair: Type.Object(props, { additionalProperties: false }) },
    { additionalProperties: false },
  );
}

interface CreateInput {
  name: string;
  public_key?: string;
  type?: 'ssh' | 'x509';
  user_id?: string;
}

const NameParams = Type.Object({ keypair_name: Type.String({ minLength: 1 }) });
const SAFE_NAME = /^[A-Za-z0-9_\- ]+$/;

/** The user a call acts for: `?user_id=` where the range allows it, else the caller. */
function queryUser(call: ApiCall, v: KeypairVersion): string {
  return (v.otherUsers ? queryValue(call, 'user_id') : undefined) ?? call.ctx.auth.userId;
}

async function create(env: ComputeEnv, call: ApiCall, input: CreateInput) {
  const userId = input.user_id ?? call.ctx.auth.userId;
  if (!SAFE_NAME.test(input.name))
    throw computeErrors.invalidKeypair('Keypair name contains unsafe characters');
  const type = input.type ?? 'ssh';
  let publicKey: string;
  let fingerprint: string;
  let privateKey: string | undefined;
  if (input.public_key === undefined) {
    const generated =
      type === 'x509' ? await generateX509Keypair(userId, env.now()) : await generateSshKeypair();
    ({ publicKey, fingerprint, privateKey } = generated);
  } else {
    publicKey = input.public_key;
    try {
      fingerprint = type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
    } catch (err) {
      if (err instanceof InvalidPublicKey)
        throw computeErrors.invalidKeypair('failed to generate fingerprint');
      throw err;
    }
  }
  const limits = await effectiveLimits(env, callerProject(call), userId);
  const result = await insertKeypair(
    env.db,
    { userId, name: input.name, fingerprint, publicKey, type },
    limits.key_pairs ?? -1,
    env.now(),
  );
  if ('taken' in result) throw computeErrors.keypairExists(input.name);
  if ('overLimit' in result) throw computeErrors.keypairLimit();
  return keypairCreatedView(call, result.row, privateKey);
}

function routesFor(env: ComputeEnv, v: KeypairVersion): RouteSpec[] {
  return [
    ...novaRoute('/os-keypairs', {
      method: 'POST',
      versions: v.versions,
      status: v.typed ? 201 : 200,
      policy: 'os_compute_api:os-keypairs:create',
      target: (call) => ({
        user_id:
          (call.body as { keypair?: CreateInput } | undefined)?.keypair?.user_id ??
          call.ctx.auth.userId,
      }),
      schema: { body: createBody(v) },
      handler: (call) => create(env, call, (call.body as { keypair: CreateInput }).keypair),
    }),
    ...novaRoute('/os-keypairs', {
      method: 'GET',
      versions: v.versions,
      policy: 'os_compute_api:os-keypairs:index',
      target: (call) => ({ user_id: queryUser(call, v) }),
      async handler(call) {
        const userId = queryUser(call, v);
        if (!v.paginated) {
          return {
            keypairs: (await listKeypairs(env.db, userId, {})).map((k) =>
              keypairListItemView(call, k),
            ),
          };
        }
        const page = pageOf(call, env.settings.max_limit);
        if (page.marker !== undefined && !(await getKeypair(env.db, userId, page.marker)))
          throw computeErrors.markerNotFound(page.marker);
        const rows = await listKeypairs(env.db, userId, page);
        return {
          keypairs: rows.map((k) => keypairListItemView(call, k)),
          ...collectionLinks(call, 'keypairs', {
            limit: page.limit,
            count: rows.length,
            lastMarker: rows.at(-1)?.name,
          }),
        };
      },
    }),
    ...novaRoute('/os-keypairs/:keypair_name', {
      method: 'GET',
      versions: v.versions,
      policy: 'os_compute_api:os-keypairs:show',
      target: (call) => ({ user_id: queryUser(call, v) }),
      schema: { params: NameParams },
      async handler(call) {
        const userId = queryUser(call, v);
        const row = await getKeypair(env.db, userId, call.params.keypair_name);
        if (!row) throw computeErrors.keypairNotFound(call.params.keypair_name, userId);
        return keypairView(call, row);
      },
    }),
    ...novaRoute('/os-keypairs/:keypair_name', {
      method: 'DELETE',
      versions: v.versions,
      status: v.typed ? 204 : 202,
      policy: 'os_compute_api:os-keypairs:delete',
      target: (call) => ({ user_id: queryUser(call, v) }),
      schema: { params: NameParams },
      async handler(call) {
        const userId = queryUser(call, v);
        if (!(await deleteKeypair(env.db, userId, call.params.keypair_name)))
          throw computeErrors.keypairNotFound(call.params.keypair_name, userId);
        return undefined;
      },
    }),
  ];
}

/** os-keypairs: create (generated or imported), list, show, delete; keypairs belong to users. */
export function keypairRoutes(env: ComputeEnv): RouteSpec[] {
  return VERSIONS.flatMap((v) => routesFor(env, v));
}
