import type { MetaDatabase } from '../meta/index.js';
import type { BlobStores, RegistryHooks } from './context.js';
import { BlobService } from './blobs.js';
import { ManifestCache } from './manifest-cache.js';
import { ManifestService } from './manifests.js';
import { PullRecorder } from './pulls.js';
import { RepositoryService } from './repositories.js';
import { TagService } from './tags.js';
import { TemplateService } from './templates.js';
import { UploadService } from './uploads.js';

export { RegistryError, type ErrorCode } from './errors.js';
export * from './grammar.js';
export { MediaTypes, SUPPORTED_MANIFEST_TYPES } from './media-types.js';
export type { Descriptor } from './manifest-parser.js';
export { isTagImmutable, TAG_MUTABILITIES, wildcardMatches, type MutabilityExclusion, type TagMutability } from './mutability.js';
export { DEFAULT_SETTINGS, type MayCreate, type Repository, type RepositorySettings } from './repositories.js';
export { ROOT_PREFIX, templateApplies, type AppliedFor, type CreationTemplate, type TemplateInput } from './templates.js';
export { IMAGE_ACTION, type ImageActionDetail } from './events.js';

/** Account settings live in the settings table under this prefix (ECR's Get/PutAccountSetting). */
export const ACCOUNT_SETTING_PREFIX = 'account:';
export const BLOB_MOUNTING_SETTING = `${ACCOUNT_SETTING_PREFIX}BLOB_MOUNTING`;
export { DEFAULT_GC_GRACE_MS, type BlobInfo } from './blobs.js';
export { QuotaService, formatBytes, quotaScopesFor, type Quota } from './quotas.js';
export { inLinkTransaction, linkBlob, unlinkBlob } from './links.js';
export { registryUsage, repositoryUsage, type RegistryUsage, type RepositoryUsage } from './usage.js';
export type { BlobStores, RegistryHooks } from './context.js';
export type { BlobService, ManifestService, PullRecorder, RepositoryService, TagService, TemplateService, UploadService };

export interface Registry {
  repositories: RepositoryService;
  templates: TemplateService;
  blobs: BlobService;
  uploads: UploadService;
  manifests: ManifestService;
  tags: TagService;
  pulls: PullRecorder;
  /** Replace the members to plug a feature in (see RegistryHooks). */
  hooks: RegistryHooks;
}

export interface RegistryOptions {
  meta: MetaDatabase;
  stores: BlobStores;
  maxManifestBytes: number;
  manifestCacheEntries: number;
  /** Answer blob reads with presigned-URL redirects valid this long (stores that support it). */
  blobRedirectSeconds?: number | null;
  /** Garbage collection's grace window on blob links (default one hour). */
  gcGraceMs?: number;
  now?: () => number;
}

export function createRegistry(options: RegistryOptions): Registry {
  const now = options.now ?? Date.now;
  const cache = new ManifestCache(options.manifestCacheEntries, options.meta.externalChangeCounter);
  const templates = new TemplateService(options.meta.db, now);
  const hooks: RegistryHooks = { manifestStored: async () => undefined, beforePull: async () => undefined };
  const ctx = { hooks, db: options.meta.db, dialect: options.meta.dialect, stores: options.stores, now, templates, onManifestsChanged: () => cache.invalidate() };
  const repositories = new RepositoryService(ctx);
  const blobs = new BlobService(ctx, options.blobRedirectSeconds ?? null, options.gcGraceMs);
  return {
    repositories,
    templates,
    blobs,
    uploads: new UploadService(ctx, repositories),
    manifests: new ManifestService(ctx, repositories, cache, options.maxManifestBytes, options.meta.changeCounterIsSynchronous),
    tags: new TagService(ctx, repositories),
    pulls: new PullRecorder(options.meta.db, now),
    hooks,
  };
}
