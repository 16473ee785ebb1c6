import type { ApiCall } from '../../../core/http/index.ts';
import { CHANGES, since } from '../microversions.ts';
import type { KeypairRow } from '../store/keypairs.ts';

const withType = (call: ApiCall, k: KeypairRow, view: Record<string, unknown>) =>
  since(call, CHANGES.keypairType) ? { ...view, type: k.type } : view;

/** Stored times print the way Nova's keypair show does: no zone suffix. */
const novaTime = (t: string) => t.replace(/Z$/, '');

/** POST /os-keypairs: with the private key when one was generated. */
export function keypairCreatedView(
  call: ApiCall,
  k: KeypairRow,
  privateKey: string | undefined,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    name: k.name,
    public_key: k.public_key,
    fingerprint: k.fingerprint,
    user_id: k.user_id,
  };
  if (privateKey !== undefined) view.private_key = privateKey;
  return { keypair: withType(call, k, view) };
}

/** GET /os-keypairs entries. */
export function keypairListItemView(call: ApiCall, k: KeypairRow): Record<string, unknown> {
  return {
    keypair: withType(call, k, {
      name: k.name,
      public_key: k.public_key,
      fingerprint: k.fingerprint,
    }),
  };
}

/** GET /os-keypairs/{name}: the full record with Nova's soft-delete fields. */
export function keypairView(call: ApiCall, k: KeypairRow): Record<string, unknown> {
  return {
    keypair: withType(call, k, {
      name: k.name,
      public_key: k.public_key,
      fingerprint: k.fingerprint,
      user_id: k.user_id,
      created_at: novaTime(k.created_at),
      updated_at: null,
      deleted: false,
      deleted_at: null,
      id: k.id,
    }),
  };
}
