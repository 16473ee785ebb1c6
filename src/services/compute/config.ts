import { defineSection, opt } from '../../core/config/index.ts';

/** Options of the compute API; names follow nova.conf where one exists ([quota] ones without the prefix). */
export const computeConfig = defineSection('compute', 'Compute service (Nova v2.1 API).', {
  port: opt.int(8774, 'TCP port the compute API listens on (0 picks a free one).', {
    min: 0,
    max: 65535,
  }),
  database_url: opt.url('', 'Database URL for compute; empty uses database.url.', { secret: true }),
  max_limit: opt.int(1000, 'Most items a list returns in one page (Nova api.max_limit).', {
    min: 1,
  }),
  default_availability_zone: opt.string(
    'nova',
    'Availability zone of compute hosts not placed in one by a host aggregate.',
  ),
  internal_service_availability_zone: opt.string(
    'internal',
    'Availability zone shown for the control-plane services (conductor, scheduler) in the admin zone detail.',
  ),
  quota_instances: opt.int(10, 'Default servers per project (Nova quota.instances).', { min: -1 }),
  quota_cores: opt.int(20, 'Default vCPUs per project.', { min: -1 }),
  quota_ram: opt.int(51200, 'Default MiB of RAM per project.', { min: -1 }),
  quota_metadata_items: opt.int(128, 'Default metadata items per server.', { min: -1 }),
  quota_injected_files: opt.int(
    5,
    'Default injected files per server (shown before microversion 2.57).',
    { min: -1 },
  ),
  quota_injected_file_content_bytes: opt.int(
    10240,
    'Default bytes of one injected file (shown before microversion 2.57).',
    { min: -1 },
  ),
  quota_injected_file_path_bytes: opt.int(
    255,
    'Default bytes of an injected file path (shown before microversion 2.57).',
    { min: -1 },
  ),
  quota_key_pairs: opt.int(100, 'Default key pairs per user.', { min: -1 }),
  quota_server_groups: opt.int(10, 'Default server groups per project.', { min: -1 }),
  quota_server_group_members: opt.int(10, 'Default servers per server group.', { min: -1 }),
});
