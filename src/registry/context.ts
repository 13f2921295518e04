import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import type { BlobStore } from '../storage/index.js';

/** What every domain service needs; built once at start. */
export interface RegistryContext {
  db: Kysely<Database>;
  store: BlobStore;
  now: () => number;
  /** Create a repository on first push instead of answering NAME_UNKNOWN. */
  createOnPush: boolean;
}
