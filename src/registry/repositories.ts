// Repositories and their ECR settings. A push to a missing repository creates it from the
// longest-prefix creation template that applies to CREATE_ON_PUSH (ROOT matches every name), when
// the pusher may ecr:CreateRepository; with no template the push fails with NAME_UNKNOWN, as on ECR.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { RegistryError } from './errors.js';
import { unlinkBlob } from './links.js';
import type { RegistryContext } from './context.js';
import type { MutabilityExclusion, TagMutability } from './mutability.js';

export interface RepositorySettings {
  imageTagMutability: TagMutability;
  mutabilityExclusions: MutabilityExclusion[];
  scanOnPush: boolean;
  encryptionType: 'AES256' | 'KMS' | 'KMS_DSSE';
  kmsKey: string | null;
  tags: Record<string, string>;
  policy: string | null;
  lifecyclePolicy: string | null;
}

export interface Repository extends RepositorySettings {
  name: string;
  createdAt: Date;
}

export const DEFAULT_SETTINGS: RepositorySettings = {
  imageTagMutability: 'MUTABLE',
  mutabilityExclusions: [],
  scanOnPush: false,
  encryptionType: 'AES256',
  kmsKey: null,
  tags: {},
  policy: null,
  lifecyclePolicy: null,
};

/** Asks the access layer whether the pusher may create `name` (ecr:CreateRepository). */
export type MayCreate = (name: string) => Promise<boolean>;

// Usage columns are kept by links.ts and the pull block by the scanner, never written with the settings.
type RepositoryRow = Omit<Database['repositories'], 'unique_bytes' | 'shared_bytes' | 'scan_pull_block'>;

function toRepository(row: Omit<RepositoryRow, 'storage_scope'>): Repository {
  return {
    name: row.name,
    createdAt: new Date(Number(row.created_at)),
    imageTagMutability: row.image_tag_mutability as TagMutability,
    mutabilityExclusions: row.mutability_exclusions ? (JSON.parse(row.mutability_exclusions) as MutabilityExclusion[]) : [],
    scanOnPush: Boolean(Number(row.scan_on_push)),
    encryptionType: row.encryption_type as RepositorySettings['encryptionType'],
    kmsKey: row.kms_key,
    tags: row.resource_tags ? (JSON.parse(row.resource_tags) as Record<string, string>) : {},
    policy: row.policy,
    lifecyclePolicy: row.lifecycle_policy,
  };
}

function toRow(name: string, createdAt: number, s: RepositorySettings): Omit<RepositoryRow, 'storage_scope'> {
  return {
    name,
    created_at: createdAt,
    image_tag_mutability: s.imageTagMutability,
    mutability_exclusions: s.mutabilityExclusions.length ? JSON.stringify(s.mutabilityExclusions) : null,
    scan_on_push: s.scanOnPush ? 1 : 0,
    encryption_type: s.encryptionType,
    kms_key: s.kmsKey,
    resource_tags: Object.keys(s.tags).length ? JSON.stringify(s.tags) : null,
    policy: s.policy,
    lifecycle_policy: s.lifecyclePolicy,
  };
}

function unknownRepository(name: string): RegistryError {
  return new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
}

export class RepositoryService {
  constructor(private readonly ctx: RegistryContext) {}

  private get db(): Kysely<Database> {
    return this.ctx.db;
  }

  async exists(name: string): Promise<boolean> {
    const row = await this.db.selectFrom('repositories').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async assertExists(name: string): Promise<void> {
    if (!(await this.exists(name))) throw unknownRepository(name);
  }

  /** Which blob store holds the repository's bytes (fixed at creation). */
  async storageScope(name: string): Promise<string> {
    const row = await this.db.selectFrom('repositories').select('storage_scope').where('name', '=', name).executeTakeFirst();
    if (!row) throw unknownRepository(name);
    return row.storage_scope;
  }

  async get(name: string): Promise<Repository> {
    const row = await this.db.selectFrom('repositories').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw unknownRepository(name);
    return toRepository(row);
  }

  async create(name: string, settings: Partial<RepositorySettings> = {}): Promise<Repository> {
    const full = { ...DEFAULT_SETTINGS, ...settings };
    const row = toRow(name, this.ctx.now(), full);
    const storage_scope = await this.ctx.stores.scopeFor(full);
    const result = await this.db.insertInto('repositories').values({ ...row, storage_scope }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new RegistryError('REPOSITORY_EXISTS', `The repository with name '${name}' already exists`, { name });
    }
    return toRepository(row);
  }

  /**
   * Makes sure a pushed-to repository exists, creating it from a creation template if one applies.
   * Resolves with its storage scope (one lookup serves both, on the push path).
   */
  async ensureForPush(name: string, mayCreate: MayCreate): Promise<string> {
    const existing = await this.db.selectFrom('repositories').select('storage_scope').where('name', '=', name).executeTakeFirst();
    if (existing) return existing.storage_scope;
    const template = await this.ctx.templates.forPush(name);
    if (!template) throw new RegistryError('NAME_UNKNOWN', `repository '${name}' does not exist and no creation template applies`, { name });
    if (!(await mayCreate(name))) throw new RegistryError('DENIED', `not authorized to create repository '${name}' on push`, { name });
    try {
      await this.create(name, template.settings);
    } catch (error) {
      // Two pushes racing to create the same repository: the loser just uses it.
      if (!(error instanceof RegistryError && error.code === 'REPOSITORY_EXISTS')) throw error;
    }
    return this.storageScope(name);
  }

  /** Deletes a repository and everything in it; without `force` only when it holds no images. */
  async delete(name: string, force: boolean): Promise<Repository> {
    const repository = await this.get(name);
    const uploads = await this.db.transaction().execute(async (trx) => {
      if (!force) {
        const image = await trx.selectFrom('manifests').select('digest').where('repository', '=', name).limit(1).executeTakeFirst();
        if (image) throw new RegistryError('REPOSITORY_NOT_EMPTY', `The repository with name '${name}' cannot be deleted because it still contains images`, { name });
      }
      const open = await trx.selectFrom('uploads').select(['id', 'storage_scope']).where('repository', '=', name).execute();
      // Through unlinkBlob, one by one, so link counts and the usage of repositories sharing these
      // blobs stay exact; the bytes are garbage collection's to remove.
      const links = await trx.selectFrom('repository_blobs').select('digest').where('repository', '=', name).orderBy('digest').execute();
      for (const link of links) await unlinkBlob(trx, name, link.digest);
      await trx.deleteFrom('uploads').where('repository', '=', name).execute();
      await trx.deleteFrom('tags').where('repository', '=', name).execute();
      await trx.deleteFrom('manifests').where('repository', '=', name).execute();
      await trx.deleteFrom('repositories').where('name', '=', name).execute();
      return open;
    });
    for (const upload of uploads) await (await this.ctx.stores.forScope(upload.storage_scope)).deleteUpload(upload.id);
    this.ctx.onManifestsChanged();
    return repository;
  }

  /** Updates some settings of an existing repository. */
  async update(name: string, change: Partial<RepositorySettings>): Promise<Repository> {
    const current = await this.get(name);
    const next = { ...current, ...change };
    const row = toRow(name, current.createdAt.getTime(), next);
    const { name: _name, created_at: _created, ...settings } = row;
    await this.db.updateTable('repositories').set(settings).where('name', '=', name).execute();
    return { ...next, name, createdAt: current.createdAt };
  }

  /** The repository policy text, null when none is set; NAME_UNKNOWN when the repository is absent. */
  async policy(name: string): Promise<string | null> {
    return (await this.get(name)).policy;
  }

  async setPolicy(name: string, policy: string | null): Promise<void> {
    await this.update(name, { policy });
  }

  /** A registry-wide setting (registry policy, account settings, ...), null when unset. */
  async setting(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) {
      await this.db.deleteFrom('settings').where('key', '=', key).execute();
      return;
    }
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** One page of repository names in byte order, after `last`. */
  async list(limit: number, last: string | undefined): Promise<{ names: string[]; more: boolean }> {
    const page = await this.page(limit, last);
    return { names: page.repositories.map((r) => r.name), more: page.more };
  }

  /** One page of repositories in byte order of name, after `last`. */
  async page(limit: number, last: string | undefined): Promise<{ repositories: Repository[]; more: boolean }> {
    let query = this.db.selectFrom('repositories').selectAll().orderBy('name').limit(limit + 1);
    if (last !== undefined) query = query.where('name', '>', last);
    const rows = await query.execute();
    return { repositories: rows.slice(0, limit).map(toRepository), more: rows.length > limit };
  }
}
