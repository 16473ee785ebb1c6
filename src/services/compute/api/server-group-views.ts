import type { ApiCall } from '../../../core/http/index.ts';
import { CHANGES, since } from '../microversions.ts';
import type { ServerGroup } from '../store/server-groups.ts';

/** A server group: `policies` and `metadata` before 2.64, `policy` and `rules` from it; owners from 2.13. */
export function serverGroupView(call: ApiCall, g: ServerGroup): Record<string, unknown> {
  const view: Record<string, unknown> = { id: g.id, name: g.name };
  if (since(call, CHANGES.serverGroupPolicyRules)) {
    view.policy = g.policy;
    view.rules = g.rules;
  } else {
    view.policies = [g.policy];
    view.metadata = {};
  }
  view.members = g.members;
  if (since(call, CHANGES.serverGroupOwner)) {
    view.project_id = g.projectId;
    view.user_id = g.userId;
  }
  return view;
}
