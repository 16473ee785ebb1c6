/**
 * The JSON schemas Glance publishes under /v2/schemas and validates requests against. They
 * are documents clients read (glanceclient builds its CLI from them), so their shape follows
 * Glance's: `name`, `properties`, `additionalProperties`, `links`.
 */
export type JsonSchema = Record<string, unknown>;

export const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

/** Properties Glance's etc/schema-image.json adds (custom, not base, properties). */
const CUSTOM_PROPERTIES: Record<string, JsonSchema> = {
  kernel_id: { type: ['null', 'string'], pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.', is_base: false },
  ramdisk_id: { type: ['null', 'string'], pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.', is_base: false },
  instance_uuid: { type: 'string', description: 'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)', is_base: false },
  architecture: { type: 'string', description: 'Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html', is_base: false },
  os_distro: { type: 'string', description: 'Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html', is_base: false },
  os_version: { type: 'string', description: 'Operating system version as specified by the distributor.', is_base: false },
  description: { type: 'string', description: 'A human-readable string describing this image.', is_base: false },
  cinder_encryption_key_id: { type: 'string', description: 'Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage Service to use when mounting a volume created from this image', is_base: false },
  cinder_encryption_key_deletion_policy: { type: 'string', enum: ['on_image_deletion', 'do_not_delete'], description: "States the condition under which the Image Service will delete the object associated with the 'cinder_encryption_key_id' image property.  If this property is missing, the Image Service will take no action", is_base: false },
};

export interface ImageFormats {
  readonly container: readonly string[];
  readonly disk: readonly string[];
}

function baseProperties(formats: ImageFormats): Record<string, JsonSchema> {
  const str = (description: string, extra: JsonSchema = {}) => ({ type: 'string', description, ...extra });
  const readOnly = (type: unknown, description: string, extra: JsonSchema = {}) => ({ type, readOnly: true, description, ...extra });
  return {
    id: str('An identifier for the image', { pattern: UUID_PATTERN }),
    name: { type: ['null', 'string'], description: 'Descriptive name for the image', maxLength: 255 },
    status: readOnly('string', 'Status of the image', {
      enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'],
    }),
    visibility: str('Scope of image accessibility', { enum: ['community', 'public', 'private', 'shared'] }),
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: readOnly(['null', 'string'], 'md5 hash of image contents.', { maxLength: 32 }),
    os_hash_algo: readOnly(['null', 'string'], 'Algorithm to calculate the os_hash_value', { maxLength: 64 }),
    os_hash_value: readOnly(['null', 'string'], 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', { maxLength: 128 }),
    owner: { type: ['null', 'string'], description: 'Owner of the image', maxLength: 255 },
    size: readOnly(['null', 'integer'], 'Size of image file in bytes'),
    virtual_size: readOnly(['null', 'integer'], 'Virtual size of image in bytes'),
    container_format: { type: ['null', 'string'], description: 'Format of the container', enum: [null, ...formats.container] },
    disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...formats.disk] },
    created_at: readOnly('string', 'Date and time of image registration'),
    updated_at: readOnly('string', 'Date and time of the last image modification'),
    tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
    direct_url: readOnly('string', 'URL to access the image file kept in external store'),
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: readOnly('string', 'An image self url'),
    file: readOnly('string', 'An image file url'),
    stores: readOnly('string', 'Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers.'),
    schema: readOnly('string', 'An image schema url'),
    locations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          url: { type: 'string', maxLength: 255 },
          metadata: { type: 'object' },
          validation_data: {
            description: "Values to be used to populate the corresponding image properties. If the image status is not 'queued', values must exactly match those already contained in the image properties.",
            type: 'object',
            writeOnly: true,
            additionalProperties: false,
            properties: {
              checksum: { type: 'string', minLength: 32, maxLength: 32 },
              os_hash_algo: { type: 'string', maxLength: 64 },
              os_hash_value: { type: 'string', maxLength: 128 },
            },
            required: ['os_hash_algo', 'os_hash_value'],
          },
        },
        required: ['url', 'metadata'],
      },
      description: 'A set of URLs to access the image file kept in external store',
    },
  };
}

/** GET /v2/schemas/image, which is also what create and PATCH validate against. */
export function imageSchema(formats: ImageFormats): JsonSchema {
  return {
    name: 'image',
    properties: { ...baseProperties(formats), ...CUSTOM_PROPERTIES },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** Glance's CollectionSchema around an item schema (images, tasks, metadefs). */
export function collectionSchema(name: string, item: JsonSchema): JsonSchema {
  const { definitions, ...rest } = item as { definitions?: unknown } & JsonSchema;
  return {
    name,
    properties: {
      [name]: { type: 'array', items: rest },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
    ...(definitions ? { definitions } : {}),
  };
}

export const memberSchema: JsonSchema = {
  name: 'member',
  properties: {
    created_at: { type: 'string', description: 'Date and time of image member creation' },
    image_id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
    member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
    schema: { readOnly: true, type: 'string' },
    status: { type: 'string', description: 'The status of this image member', enum: ['pending', 'accepted', 'rejected'] },
    updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
  },
};

export const membersSchema: JsonSchema = {
  name: 'members',
  properties: {
    members: { type: 'array', items: memberSchema },
    schema: { type: 'string' },
  },
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};

export const taskSchema: JsonSchema = {
  name: 'task',
  properties: {
    id: { type: 'string', description: 'An identifier for the task', pattern: UUID_PATTERN },
    type: { type: 'string', description: 'The type of task represented by this content', enum: ['import', 'api_image_import'] },
    status: { type: 'string', description: 'The current status of this task', enum: ['pending', 'processing', 'success', 'failure'] },
    input: { type: ['null', 'object'], description: 'The parameters required by task, JSON blob' },
    result: { type: ['null', 'object'], description: 'The result of current task, JSON blob' },
    owner: { type: 'string', description: 'An identifier for the owner of this task' },
    message: { type: 'string', description: 'Human-readable informative message only included when appropriate (usually on failure)' },
    image_id: { type: 'string', description: 'Image associated with the task', readOnly: true },
    request_id: { type: 'string', description: 'Human-readable informative request-id', readOnly: true },
    user_id: { type: 'string', description: 'User associated with the task', readOnly: true },
    expires_at: { type: ['null', 'string'], description: 'Datetime when this resource would be subject to removal' },
    created_at: { type: 'string', description: 'Datetime when this resource was created' },
    updated_at: { type: 'string', description: 'Datetime when this resource was updated' },
    self: { readOnly: true, type: 'string' },
    schema: { readOnly: true, type: 'string' },
  },
  required: ['type', 'input'],
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};
