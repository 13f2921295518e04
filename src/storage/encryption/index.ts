export { EncryptedBlobStore, DataKeyMissing, type DataKeyRecords, type EncryptedBlobStoreOptions } from './encrypted-store.js';
export {
  KeyRing,
  KeyRingError,
  UnknownMasterKey,
  DEFAULT_MASTER_KEY,
  MASTER_KEYS_ENV,
  type KeyRingOptions,
  type WrappedKey,
} from './key-ring.js';
export { TamperedBlob } from './chunks.js';
