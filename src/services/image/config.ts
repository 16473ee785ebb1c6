import { defineSection, opt } from '../../core/config/index.ts';

/** Options of the image service; names follow glance-api.conf where one exists. */
export const imageConfig = defineSection('image', 'Image service (Glance v2 API).', {
  port: opt.int(9292, 'TCP port the image API listens on (0 picks a free one).', { min: 0, max: 65535 }),
  database_url: opt.url('', 'Database URL for the image service; empty uses database.url.', { secret: true }),
  enabled_backends: opt.list(['file'], 'Image stores, by id; the first is the default store (Glance enabled_backends / default_backend). Known: file, rbd (Ceph).'),
  filesystem_store_datadir: opt.string('', 'Directory of the file store; empty uses <data_dir>/image/images.'),
  rbd_store_ceph_conf: opt.string('', 'ceph.conf of the rbd store (Glance rbd_store_ceph_conf); required when rbd is enabled.'),
  rbd_store_pool: opt.string('images', 'RADOS pool of the rbd store (Glance rbd_store_pool); created at start when missing.'),
  rbd_store_user: opt.string('', 'cephx client id of the rbd store (Glance rbd_store_user); empty for a cluster without auth.'),
  staging_dir: opt.string('', 'Directory where interoperable import stages data (Glance os_glance_staging_store); empty uses <data_dir>/image/staging.'),
  container_formats: opt.list(['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'], 'Container formats an image may declare (Glance [image_format] container_formats).'),
  disk_formats: opt.list(['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'], 'Disk formats an image may declare (Glance [image_format] disk_formats).'),
  enabled_import_methods: opt.list(['glance-direct', 'web-download', 'copy-image'], 'Interoperable import methods offered in /v2/info/import.'),
  image_size_cap: opt.int(1_099_511_627_776, 'Largest image accepted by upload, stage or import, in bytes (Glance default 1 TiB).', { min: 1 }),
  image_member_quota: opt.int(128, 'Members an image may have (-1 = unlimited).', { min: -1 }),
  image_property_quota: opt.int(128, 'Additional properties an image may have (-1 = unlimited).', { min: -1 }),
  image_tag_quota: opt.int(128, 'Tags an image may have (-1 = unlimited).', { min: -1 }),
  limit_param_default: opt.int(25, 'Images a list returns when the request gives no limit.', { min: 1 }),
  api_limit_max: opt.int(1000, 'Most items a list returns in one page, whatever limit the request asks.', { min: 1 }),
  use_keystone_limits: opt.bool(true, 'Enforce per-project quotas from unified limits (image_size_total, image_stage_total, image_count_total, image_count_uploading); a resource without a registered limit is unlimited.'),
  import_allowed_schemes: opt.list(['http', 'https'], 'URL schemes web-download may fetch from (Glance import_filtering_opts allowed_schemes).'),
  import_allowed_hosts: opt.list([], 'Hosts web-download may fetch from; empty allows any host not in import_disallowed_hosts.'),
  import_disallowed_hosts: opt.list([], 'Hosts web-download never fetches from (ignored when import_allowed_hosts is set).'),
  import_allowed_ports: opt.list(['80', '443'], 'Ports web-download may connect to; empty allows any port.'),
  worker_id: opt.string('', 'Stable name of this image worker for in-flight uploads and imports; empty uses the host name. Two processes on one host need different names.'),
  operation_heartbeat_seconds: opt.int(15, 'How often an upload or import in progress records that its worker is alive; one silent for three periods is recovered by another worker.', { min: 1, max: 3600 }),
});
