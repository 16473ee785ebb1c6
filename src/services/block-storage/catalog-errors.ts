import { ApiError } from '../../core/errors/index.ts';

/**
 * Errors of the catalog APIs (types, QoS, quotas, services, groups, messages) with stable
 * codes and Cinder's messages. Not-found errors of shared resources come from errors.ts.
 */
export const catalogErrors = {
  volumeTypeNotFoundByName: (name: string) =>
    new ApiError(
      404,
      'block_storage.volume_type_not_found',
      `Volume type with name ${name} could not be found.`,
    ),
  volumeTypeExists: (name: string) =>
    new ApiError(409, 'block_storage.volume_type_exists', `Volume Type ${name} already exists.`),
  volumeTypeInUse: () =>
    new ApiError(400, 'block_storage.volume_type_in_use', 'Target volume type is still in use.'),
  volumeTypeSpecsInUse: () =>
    new ApiError(400, 'block_storage.volume_type_in_use', 'Volume Type is currently in use.'),
  defaultTypeDeletion: (id: string) =>
    new ApiError(
      400,
      'block_storage.default_type_deletion',
      `The volume type ${id} is a default volume type and cannot be deleted.`,
    ),
  extraSpecNotFound: (typeId: string, key: string) =>
    new ApiError(
      404,
      'block_storage.extra_spec_not_found',
      `Volume Type ${typeId} has no extra specs with key ${key}.`,
    ),
  typeAccessNotFound: (typeId: string, projectId: string) =>
    new ApiError(
      404,
      'block_storage.type_access_not_found',
      `Volume type access not found for ${typeId} / ${projectId} combination.`,
    ),
  publicTypeAccessList: () =>
    new ApiError(
      404,
      'block_storage.type_access_not_found',
      'Access list not available for public volume types.',
    ),
  typeAccessExists: (typeId: string, projectId: string) =>
    new ApiError(
      409,
      'block_storage.type_access_exists',
      `Volume type access for ${typeId} / ${projectId} combination already exists.`,
    ),
  encryptionNotFound: (typeId: string) =>
    new ApiError(
      404,
      'block_storage.encryption_not_found',
      `Volume type encryption for type ${typeId} does not exist.`,
    ),
  encryptionExists: (typeId: string) =>
    new ApiError(
      400,
      'block_storage.encryption_exists',
      `Volume type encryption for type ${typeId} already exists.`,
    ),
  encryptionInUse: () =>
    new ApiError(
      400,
      'block_storage.encryption_in_use',
      'Cannot update encryption specification. Volume type in use.',
    ),
  projectDefaultNotFound: (projectId: string) =>
    new ApiError(
      404,
      'block_storage.default_type_not_found',
      `Default type for project ${projectId} could not be found.`,
    ),
  qosExists: (name: string) =>
    new ApiError(409, 'block_storage.qos_specs_exists', `QoS Specs ${name} already exists.`),
  qosNotFound: (id: string) =>
    new ApiError(404, 'block_storage.qos_specs_not_found', `No such QoS spec ${id}.`),
  qosKeyNotFound: (id: string, key: string) =>
    new ApiError(
      404,
      'block_storage.qos_key_not_found',
      `QoS spec ${id} has no spec with key ${key}.`,
    ),
  qosInUse: () => new ApiError(400, 'block_storage.qos_specs_in_use', 'Qos specs still in use.'),
  serviceNotFound: (message: string) =>
    new ApiError(404, 'block_storage.service_not_found', message),
  hostNotFound: (host: string) =>
    new ApiError(404, 'block_storage.host_not_found', `Host ${host} could not be found.`),
  groupTypeExists: (name: string) =>
    new ApiError(409, 'block_storage.group_type_exists', `Group Type ${name} already exists.`),
  groupTypeInUse: () =>
    new ApiError(400, 'block_storage.group_type_in_use', 'Target group type is still in use.'),
  groupSpecNotFound: (typeId: string, key: string) =>
    new ApiError(
      404,
      'block_storage.group_spec_not_found',
      `Group Type ${typeId} has no specs with key ${key}.`,
    ),
  invalidGroup: (reason: string) =>
    new ApiError(400, 'block_storage.invalid_group', `Invalid Group: ${reason}`),
  invalidGroupSnapshot: (reason: string) =>
    new ApiError(400, 'block_storage.invalid_group_snapshot', `Invalid GroupSnapshot: ${reason}`),
  invalidVolume: (reason: string) =>
    new ApiError(400, 'block_storage.invalid_volume', `Invalid volume: ${reason}`),
  invalidInput: (reason: string) =>
    new ApiError(400, 'block_storage.invalid_input', `Invalid input received: ${reason}`),
  notImplemented: () =>
    new ApiError(
      501,
      'block_storage.not_implemented',
      'The requested functionality is not supported.',
    ),
};
