import { fromDbTime } from '../../../core/db/index.ts';
import type { ApiCall } from '../../../core/http/index.ts';
import type { Provider } from '../store/providers.ts';
import { at } from './common.ts';

/** A resource provider as GET /resource_providers/{uuid} shows it at the call's microversion. */
export function providerView(call: ApiCall, p: Provider): Record<string, unknown> {
  const base = `/resource_providers/${p.uuid}`;
  const links = [
    { rel: 'self', href: base },
    { rel: 'inventories', href: `${base}/inventories` },
    { rel: 'usages', href: `${base}/usages` },
  ];
  if (at(call, 1)) links.push({ rel: 'aggregates', href: `${base}/aggregates` });
  if (at(call, 6)) links.push({ rel: 'traits', href: `${base}/traits` });
  if (at(call, 11)) links.push({ rel: 'allocations', href: `${base}/allocations` });
  const view: Record<string, unknown> = { uuid: p.uuid, name: p.name, generation: p.generation, links };
  if (at(call, 14)) {
    view.parent_provider_uuid = p.parent_uuid;
    view.root_provider_uuid = p.root_uuid;
  }
  return view;
}

export const timeOf = (dbTime: string) => fromDbTime(dbTime).toISOString();
