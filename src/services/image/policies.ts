import type { PolicyDefault } from '../../core/auth/index.ts';

// Glance's default rules (Zed, new defaults), spelled as upstream spells them so operators'
// policy.yaml files apply unchanged. Targets: images give project_id (= owner), owner,
// visibility and member_id (the caller's project when it is a member of the image);
// metadef namespaces give project_id (= owner) and visibility.
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const IMAGE_SEEN_BY =
  "project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s";
const ADMIN_OR_PROJECT_MEMBER = `role:admin or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `role:admin or (${PROJECT_READER})`;
const ADMIN_OR_NAMESPACE_READER = "role:admin or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))";
const ADMIN_OR_READER_OR_SHARED_MEMBER = 'role:admin or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))';

const op = (method: string, path: string) => [{ method, path }];

const images: PolicyDefault[] = [
  { name: 'add_image', check: `role:admin or (${PROJECT_MEMBER} and project_id:%(owner)s)`, description: 'Create a new image.', operations: op('POST', '/v2/images') },
  { name: 'delete_image', check: ADMIN_OR_PROJECT_MEMBER, description: 'Delete an image.', operations: op('DELETE', '/v2/images/{image_id}') },
  { name: 'get_image', check: `role:admin or (role:reader and (${IMAGE_SEEN_BY}))`, description: 'Show an image.', operations: op('GET', '/v2/images/{image_id}') },
  { name: 'get_images', check: ADMIN_OR_PROJECT_READER, description: 'List images.', operations: op('GET', '/v2/images') },
  { name: 'modify_image', check: ADMIN_OR_PROJECT_MEMBER, description: 'Update an image.', operations: op('PATCH', '/v2/images/{image_id}') },
  { name: 'publicize_image', check: 'role:admin', description: 'Make an image public.', operations: op('PATCH', '/v2/images/{image_id}') },
  { name: 'communitize_image', check: ADMIN_OR_PROJECT_MEMBER, description: 'Make an image available to the community.', operations: op('PATCH', '/v2/images/{image_id}') },
  { name: 'download_image', check: `role:admin or (role:member and (${IMAGE_SEEN_BY}))`, description: 'Download image data.', operations: op('GET', '/v2/images/{image_id}/file') },
  { name: 'upload_image', check: ADMIN_OR_PROJECT_MEMBER, description: 'Upload image data.', operations: op('PUT', '/v2/images/{image_id}/file') },
  // Glance's locations proxy checks these against the caller's own project, not the image's
  { name: 'get_image_location', check: ADMIN_OR_PROJECT_READER, description: "See an image's locations, direct_url and stores.", operations: op('GET', '/v2/images/{image_id}') },
  { name: 'set_image_location', check: ADMIN_OR_PROJECT_MEMBER, description: 'Add or replace image locations.', operations: op('PATCH', '/v2/images/{image_id}') },
  { name: 'delete_image_location', check: 'role:admin', description: 'Delete image data from one store.', operations: op('DELETE', '/v2/stores/{store_id}/{image_id}') },
  { name: 'deactivate', check: ADMIN_OR_PROJECT_MEMBER, description: 'Deactivate an image.', operations: op('POST', '/v2/images/{image_id}/actions/deactivate') },
  { name: 'reactivate', check: ADMIN_OR_PROJECT_MEMBER, description: 'Reactivate an image.', operations: op('POST', '/v2/images/{image_id}/actions/reactivate') },
  { name: 'copy_image', check: 'role:admin', description: 'Copy an existing image to other stores.', operations: op('POST', '/v2/images/{image_id}/import') },
];

const members: PolicyDefault[] = [
  { name: 'add_member', check: ADMIN_OR_PROJECT_MEMBER, description: 'Share an image with a project.', operations: op('POST', '/v2/images/{image_id}/members') },
  { name: 'delete_member', check: ADMIN_OR_PROJECT_MEMBER, description: 'Stop sharing an image with a project.', operations: op('DELETE', '/v2/images/{image_id}/members/{member_id}') },
  { name: 'get_member', check: ADMIN_OR_READER_OR_SHARED_MEMBER, description: 'Show an image member.', operations: op('GET', '/v2/images/{image_id}/members/{member_id}') },
  { name: 'get_members', check: ADMIN_OR_READER_OR_SHARED_MEMBER, description: 'List image members.', operations: op('GET', '/v2/images/{image_id}/members') },
  { name: 'modify_member', check: 'role:admin or (role:member and project_id:%(member_id)s)', description: 'Accept or reject a shared image.', operations: op('PUT', '/v2/images/{image_id}/members/{member_id}') },
];

const discoveryAndTasks: PolicyDefault[] = [
  { name: 'stores_info_detail', check: 'role:admin', description: 'Show the stores with their properties.', operations: op('GET', '/v2/info/stores/detail') },
  { name: 'tasks_api_access', check: 'role:admin', description: 'Use the tasks API at all.', operations: op('GET', '/v2/tasks') },
  { name: 'get_task', check: '@', description: 'Show a task.', operations: op('GET', '/v2/tasks/{task_id}') },
  { name: 'get_tasks', check: '@', description: 'List tasks.', operations: op('GET', '/v2/tasks') },
];

const metadefRead = (name: string, description: string, method: string, path: string): PolicyDefault => ({
  name,
  check: ADMIN_OR_NAMESPACE_READER,
  description,
  operations: op(method, path),
});
const metadefWrite = (name: string, description: string, method: string, path: string): PolicyDefault => ({
  name,
  check: 'rule:metadef_admin',
  description,
  operations: op(method, path),
});
const NS = '/v2/metadefs/namespaces/{namespace_name}';

const metadefs: PolicyDefault[] = [
  { name: 'metadef_admin', check: 'role:admin', description: 'Who may change metadata definitions.' },
  { name: 'get_metadef_namespaces', check: ADMIN_OR_PROJECT_READER, description: 'List metadef namespaces.', operations: op('GET', '/v2/metadefs/namespaces') },
  metadefRead('get_metadef_namespace', 'Show a metadef namespace.', 'GET', NS),
  metadefWrite('add_metadef_namespace', 'Create a metadef namespace.', 'POST', '/v2/metadefs/namespaces'),
  metadefWrite('modify_metadef_namespace', 'Update a metadef namespace.', 'PUT', NS),
  metadefWrite('delete_metadef_namespace', 'Delete a metadef namespace.', 'DELETE', NS),
  metadefRead('get_metadef_objects', 'List metadef objects.', 'GET', `${NS}/objects`),
  metadefRead('get_metadef_object', 'Show a metadef object.', 'GET', `${NS}/objects/{object_name}`),
  metadefWrite('add_metadef_object', 'Create a metadef object.', 'POST', `${NS}/objects`),
  metadefWrite('modify_metadef_object', 'Update a metadef object.', 'PUT', `${NS}/objects/{object_name}`),
  metadefWrite('delete_metadef_object', 'Delete a metadef object.', 'DELETE', `${NS}/objects/{object_name}`),
  metadefRead('list_metadef_resource_types', 'List metadef resource types.', 'GET', '/v2/metadefs/resource_types'),
  metadefRead('get_metadef_resource_type', 'List the resource type associations of a namespace.', 'GET', `${NS}/resource_types`),
  metadefWrite('add_metadef_resource_type_association', 'Associate a resource type with a namespace.', 'POST', `${NS}/resource_types`),
  metadefWrite('remove_metadef_resource_type_association', 'Remove a resource type association.', 'DELETE', `${NS}/resource_types/{name}`),
  metadefRead('get_metadef_properties', 'List metadef properties.', 'GET', `${NS}/properties`),
  metadefRead('get_metadef_property', 'Show a metadef property.', 'GET', `${NS}/properties/{property_name}`),
  metadefWrite('add_metadef_property', 'Create a metadef property.', 'POST', `${NS}/properties`),
  metadefWrite('modify_metadef_property', 'Update a metadef property.', 'PUT', `${NS}/properties/{property_name}`),
  metadefWrite('remove_metadef_property', 'Delete a metadef property.', 'DELETE', `${NS}/properties/{property_name}`),
  metadefRead('get_metadef_tags', 'List metadef tags.', 'GET', `${NS}/tags`),
  metadefRead('get_metadef_tag', 'Show a metadef tag.', 'GET', `${NS}/tags/{tag_name}`),
  metadefWrite('add_metadef_tag', 'Create a metadef tag.', 'POST', `${NS}/tags/{tag_name}`),
  metadefWrite('add_metadef_tags', 'Create metadef tags.', 'POST', `${NS}/tags`),
  metadefWrite('modify_metadef_tag', 'Update a metadef tag.', 'PUT', `${NS}/tags/{tag_name}`),
  metadefWrite('delete_metadef_tag', 'Delete a metadef tag.', 'DELETE', `${NS}/tags/{tag_name}`),
  metadefWrite('delete_metadef_tags', 'Delete every tag of a namespace.', 'DELETE', `${NS}/tags`),
];

/** The image service's default policy rules, with Glance's names. */
export const imagePolicies: readonly PolicyDefault[] = [...images, ...members, ...discoveryAndTasks, ...metadefs];
