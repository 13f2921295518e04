import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import type { BlobStore } from '../storage/index.js';
import type { TemplateService } from './templates.js';

/** What every domain service needs; built once at start. */
export interface RegistryContext {
  db: Kysely<Database>;
  store: BlobStore;
  now: () => number;
  templates: TemplateService;
  /** Drops cached manifest resolutions after a local change to manifests or tags. */
  onManifestsChanged: () => void;
}
