import { ApiError } from '../../../core/errors/index.ts';

/** Volume errors beyond the shared catalogue (errors.ts), with Cinder's messages. */
export const volumeErrors = {
  metadataNotFound: (volumeId: string, key: string) =>
    new ApiError(404, 'block_storage.volume_metadata_not_found', `Volume ${volumeId} has no metadata with key ${key}.`),
  imageMetadataNotFound: (volumeId: string) =>
    new ApiError(404, 'block_storage.image_metadata_not_found', `Glance metadata for volume/snapshot ${volumeId} cannot be found.`),
  volumeTypeNotFoundByName: (name: string) =>
    new ApiError(404, 'block_storage.volume_type_not_found', `Volume type with name ${name} could not be found.`),
  markerNotFound: (marker: string) => new ApiError(404, 'block_storage.marker_not_found', `Marker ${marker} could not be found.`),
};
