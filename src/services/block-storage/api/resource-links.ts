import type { ApiCall } from '../../../core/http/index.ts';

/**
 * Cinder's self and bookmark links of a resource: `<base>/v3/<project>/<collection>/<id>`
 * and the same without the version; the project part only when the URL named one.
 */
export function resourceLinks(
  call: ApiCall,
  collection: string,
  id: string,
): Array<{ rel: string; href: string }> {
  const project = (call.params as { project_id?: unknown }).project_id;
  const tail = `${typeof project === 'string' ? `${project}/` : ''}${collection}/${id}`;
  return [
    { rel: 'self', href: `${call.baseUrl}/v3/${tail}` },
    { rel: 'bookmark', href: `${call.baseUrl}/${tail}` },
  ];
}
