import type { MetaDatabase } from '../meta/index.js';
import type { BlobStore } from '../storage/index.js';
import { BlobService } from './blobs.js';
import { ManifestCache } from './manifest-cache.js';
import { ManifestService } from './manifests.js';
import { RepositoryService } from './repositories.js';
import { TagService } from './tags.js';
import { UploadService } from './uploads.js';

export { RegistryError, type ErrorCode } from './errors.js';
export * from './grammar.js';
export { MediaTypes, SUPPORTED_MANIFEST_TYPES } from './media-types.js';
export type { Descriptor } from './manifest-parser.js';
export type { BlobService, ManifestService, RepositoryService, TagService, UploadService };

export interface Registry {
  repositories: RepositoryService;
  blobs: BlobService;
  uploads: UploadService;
  manifests: ManifestService;
  tags: TagService;
}

export interface RegistryOptions {
  meta: MetaDatabase;
  store: BlobStore;
  createOnPush: boolean;
  maxManifestBytes: number;
  manifestCacheEntries: number;
  now?: () => number;
}

export function createRegistry(options: RegistryOptions): Registry {
  const ctx = { db: options.meta.db, store: options.store, now: options.now ?? Date.now, createOnPush: options.createOnPush };
  const repositories = new RepositoryService(ctx);
  const blobs = new BlobService(ctx);
  const cache = new ManifestCache(options.manifestCacheEntries, options.meta.externalChangeCounter);
  return {
    repositories,
    blobs,
    uploads: new UploadService(ctx, repositories),
    manifests: new ManifestService(ctx, repositories, blobs, cache, options.maxManifestBytes),
    tags: new TagService(ctx, repositories),
  };
}
