export {
  InvalidTokenError,
  isInvalidTokenError,
  KeyRepositoryError,
  type InvalidTokenReason,
} from './errors.ts';
export {
  decrypt,
  encrypt,
  FERNET_VERSION,
  generateFernetKey,
  parseFernetKey,
  type DecryptedFernet,
  type FernetKey,
} from './fernet.ts';
export {
  DEFAULT_MAX_ACTIVE_KEYS,
  listKeyIndexes,
  loadKeys,
  rotateKeys,
  setupKeyRepository,
  STAGED_KEY_INDEX,
  type RepositoryKeys,
  type RotationResult,
} from './key-repository.ts';
export { KeyRing, type KeyRingOptions, type KeySource } from './key-ring.ts';
export {
  decodePayload,
  encodePayload,
  KNOWN_AUTH_METHODS,
  newAuditId,
  PAYLOAD_VERSION,
  type TokenPayload,
  type TokenScope,
} from './payload.ts';
export { MAX_TOKEN_LENGTH, TokenCodec, type OpenedToken } from './token-codec.ts';
