import type { Kysely } from 'kysely';
import type { Database, Dialect } from '../meta/index.js';
import type { BlobStore } from '../storage/index.js';
import type { TemplateService } from './templates.js';

/**
 * The blob stores, one per storage scope: '' is the plain store; every other scope is the name of
 * the master key whose store encrypts the bytes of the repositories created with that key.
 */
export interface BlobStores {
  /** Smallest PATCH chunk every scope accepts (they share one driver). */
  readonly minChunkLength: number;
  forScope(scope: string): Promise<BlobStore>;
  /**
   * The scope a new repository with this encryption configuration gets. Throws RegistryError
   * KMS_KEY_UNKNOWN for a key the key ring does not hold.
   */
  scopeFor(encryption: { encryptionType: string; kmsKey: string | null }): Promise<string>;
  /** Every scope that holds or may hold bytes: the plain one and those repositories use. */
  scopesInUse(): Promise<string[]>;
}

/**
 * Where optional features plug into the core without the core knowing them (the scanner: scan
 * on push, refuse pulls of blocked images). Set once at start; the defaults do nothing.
 */
export interface RegistryHooks {
  /** After a push stored a manifest that was not there before (errors are the hook's to log). */
  manifestStored(repository: string, digest: string, isReferrer: boolean): Promise<void>;
  /** Before a manifest is served to a pull; throws RegistryError DENIED to refuse it. */
  beforePull(repository: string, digest: string): Promise<void>;
}

/** What every domain service needs; built once at start. */
export interface RegistryContext {
  db: Kysely<Database>;
  dialect: Dialect;
  stores: BlobStores;
  now: () => number;
  templates: TemplateService;
  /** Drops cached manifest resolutions after a local change to manifests or tags. */
  onManifestsChanged: () => void;
  hooks: RegistryHooks;
}
