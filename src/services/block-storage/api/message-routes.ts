import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  deleteMessage,
  getMessage,
  listMessages,
  MESSAGE_FILTER_COLUMNS,
  type MessageFilterColumn,
  type MessageRow,
} from '../store/message-queries.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { projectScoped } from './project-paths.ts';
import { resourceLinks } from './resource-links.ts';
import { isAdminCall } from './volume-access.ts';
import { cinderTime } from './volume-views.ts';

/** User messages arrived in 3.3. */
const VERSIONS = { min: '3.3' };
const Params = Type.Object({ message_id: Type.String({ minLength: 1, maxLength: 255 }) });

const SORT_COLUMNS = {
  created_at: { column: 'created_at' },
  id: { column: 'id' },
  event_id: { column: 'event_id' },
  resource_type: { column: 'resource_type' },
  resource_uuid: { column: 'resource_uuid', nullable: true },
  message_level: { column: 'message_level' },
  request_id: { column: 'request_id' },
};

function messageView(call: ApiCall, m: MessageRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: m.id,
    event_id: m.event_id,
    user_message: m.user_message,
    message_level: m.message_level,
    created_at: cinderTime(m.created_at),
    guaranteed_until: cinderTime(m.expires_at),
    request_id: m.request_id,
    links: resourceLinks(call, 'messages', m.id),
  };
  if (m.resource_type) view.resource_type = m.resource_type;
  if (m.resource_uuid) view.resource_uuid = m.resource_uuid;
  return view;
}

/** A message this caller may see: other projects' messages do not exist for non-admins. */
async function visibleMessage(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<MessageRow> {
  const m = await getMessage(env.db, id);
  if (!m || (m.project_id !== projectIdOf(call.ctx.auth) && !isAdminCall(call)))
    throw blockStorageErrors.messageNotFound(id);
  return m;
}

/** GET and DELETE /messages: what failed after a request was accepted (written by store/messages.ts). */
export function messageRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/messages', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'message:get_all',
      async handler(call) {
        const params = parseCinderList(call, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        let marker: MessageRow | undefined;
        if (params.markerId !== undefined)
          marker = await visibleMessage(env, call, params.markerId);
        const match: Partial<Record<MessageFilterColumn, string>> = {};
        for (const column of MESSAGE_FILTER_COLUMNS) {
          const v = singleFilter(call.query, column);
          if (v !== undefined) match[column] = v;
        }
        const rows = await listMessages(
          env.db,
          { projectId: isAdminCall(call) ? undefined : projectIdOf(call.ctx.auth), match },
          listWindow(params, marker),
        );
        const body: Record<string, unknown> = { messages: rows.map((m) => messageView(call, m)) };
        const links =
          call.query.limit !== undefined ? collectionLinks(call, params, rows) : undefined;
        if (links) body.messages_links = links;
        return body;
      },
    }),
    ...projectScoped('/messages/:message_id', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'message:get',
      schema: { params: Params },
      async handler(call) {
        const m = await visibleMessage(env, call, call.params.message_id);
        call.authorize('message:get', { project_id: m.project_id });
        return { message: messageView(call, m) };
      },
    }),
    ...projectScoped('/messages/:message_id', {
      method: 'DELETE',
      versions: VERSIONS,
      policy: 'message:delete',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        const m = await visibleMessage(env, call, call.params.message_id);
        call.authorize('message:delete', { project_id: m.project_id });
        await deleteMessage(env.db, m.id);
        return undefined;
      },
    }),
  ];
}
