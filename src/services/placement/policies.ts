import type { PolicyDefault } from '../../core/auth/index.ts';

// Placement's rules (placement/policies), spelled as upstream spells them so operators'
// policy.yaml files apply unchanged. Upstream's defaults are admin-only (system admin, with
// the legacy role:admin rule accepted); services such as Nova call placement with an
// admin (or service) role.
const ADMIN = 'role:admin or role:service';

const rule = (name: string, description: string, method: string, path: string): PolicyDefault => ({
  name,
  check: ADMIN,
  description,
  operations: [{ method, path }],
});

const RP = '/resource_providers/{uuid}';

export const placementPolicies: PolicyDefault[] = [
  rule('placement:resource_providers:list', 'List resource providers.', 'GET', '/resource_providers'),
  rule('placement:resource_providers:create', 'Create resource provider.', 'POST', '/resource_providers'),
  rule('placement:resource_providers:show', 'Show resource provider.', 'GET', RP),
  rule('placement:resource_providers:update', 'Update resource provider.', 'PUT', RP),
  rule('placement:resource_providers:delete', 'Delete resource provider.', 'DELETE', RP),
  rule('placement:resource_providers:inventories:list', 'List resource provider inventories.', 'GET', `${RP}/inventories`),
  rule('placement:resource_providers:inventories:create', 'Create one resource provider inventory.', 'POST', `${RP}/inventories`),
  rule('placement:resource_providers:inventories:show', 'Show resource provider inventory.', 'GET', `${RP}/inventories/{resource_class}`),
  rule('placement:resource_providers:inventories:update', 'Update resource provider inventory.', 'PUT', `${RP}/inventories`),
  rule('placement:resource_providers:inventories:delete', 'Delete resource provider inventory.', 'DELETE', `${RP}/inventories`),
  rule('placement:resource_providers:aggregates:list', 'List resource provider aggregates.', 'GET', `${RP}/aggregates`),
  rule('placement:resource_providers:aggregates:update', 'Update resource provider aggregates.', 'PUT', `${RP}/aggregates`),
  rule('placement:resource_providers:usages', 'List resource provider usages.', 'GET', `${RP}/usages`),
  rule('placement:usages', 'List total resource usages for a given project.', 'GET', '/usages'),
  rule('placement:resource_providers:traits:list', 'List resource provider traits.', 'GET', `${RP}/traits`),
  rule('placement:resource_providers:traits:update', 'Update resource provider traits.', 'PUT', `${RP}/traits`),
  rule('placement:resource_providers:traits:delete', 'Delete resource provider traits.', 'DELETE', `${RP}/traits`),
  rule('placement:traits:list', 'List traits.', 'GET', '/traits'),
  rule('placement:traits:show', 'Show trait.', 'GET', '/traits/{name}'),
  rule('placement:traits:update', 'Update trait.', 'PUT', '/traits/{name}'),
  rule('placement:traits:delete', 'Delete trait.', 'DELETE', '/traits/{name}'),
  rule('placement:resource_classes:list', 'List resource classes.', 'GET', '/resource_classes'),
  rule('placement:resource_classes:create', 'Create resource class.', 'POST', '/resource_classes'),
  rule('placement:resource_classes:show', 'Show resource class.', 'GET', '/resource_classes/{name}'),
  rule('placement:resource_classes:update', 'Update resource class.', 'PUT', '/resource_classes/{name}'),
  rule('placement:resource_classes:delete', 'Delete resource class.', 'DELETE', '/resource_classes/{name}'),
  rule('placement:allocations:list', 'List allocations.', 'GET', '/allocations/{consumer_uuid}'),
  rule('placement:allocations:manage', 'Manage allocations.', 'POST', '/allocations'),
  rule('placement:allocations:update', 'Update allocations.', 'PUT', '/allocations/{consumer_uuid}'),
  rule('placement:allocations:delete', 'Delete allocations.', 'DELETE', '/allocations/{consumer_uuid}'),
  rule('placement:resource_providers:allocations:list', 'List resource provider allocations.', 'GET', `${RP}/allocations`),
  rule('placement:allocation_candidates:list', 'List allocation candidates.', 'GET', '/allocation_candidates'),
  rule('placement:reshaper:reshape', 'Reshape Inventory and Allocations.', 'POST', '/reshaper'),
];
