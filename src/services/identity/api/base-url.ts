import type { ApiCall } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

/** The base URL for links: the configured public URL, else what the client addressed. */
export function linkBase(env: IdentityEnv, call: Pick<ApiCall, 'baseUrl'>): string {
  return env.publicUrl ?? call.baseUrl;
}
