// Optional storage and image-count limits, per repository (`repository:<name>`) and per namespace
// (`prefix:<p>` covers every repository named `<p>/...`). They are checked inside the transaction
// that would cross them, after the change, so a refused push rolls back and usage never moves.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { RegistryError } from './errors.js';

export interface Quota {
  /** `repository:<name>` or `prefix:<namespace>`. */
  scope: string;
  maxBytes: number | null;
  maxImages: number | null;
}

/** The quota scopes that govern a repository, most specific first. */
export function quotaScopesFor(repository: string): string[] {
  const segments = repository.split('/');
  const prefixes = segments.slice(0, -1).map((_, i) => `prefix:${segments.slice(0, i + 1).join('/')}`);
  return [`repository:${repository}`, ...prefixes.reverse()];
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function describe(scope: string): string {
  return scope.startsWith('prefix:') ? `the quota of namespace '${scope.slice(7)}/'` : `the quota of repository '${scope.slice(11)}'`;
}

function likePrefix(namespace: string): string {
  return `${namespace.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
}

async function quotasFor(trx: Kysely<Database>, repository: string, column: 'max_bytes' | 'max_images') {
  return trx.selectFrom('quotas').select(['scope', column]).where('scope', 'in', quotaScopesFor(repository)).where(column, 'is not', null).execute();
}

/** Throws QUOTA_EXCEEDED when the repository's stored bytes (already updated) cross a byte quota. */
export async function assertStorageQuota(trx: Kysely<Database>, repository: string, addedBytes: number): Promise<void> {
  for (const quota of await quotasFor(trx, repository, 'max_bytes')) {
    const limit = Number(quota.max_bytes);
    let query = trx.selectFrom('repositories').select(sql<number>`coalesce(sum(unique_bytes + shared_bytes), 0)`.as('bytes'));
    query = quota.scope.startsWith('prefix:')
      ? query.where(sql<boolean>`name like ${likePrefix(quota.scope.slice(7))} escape '\\'`)
      : query.where('name', '=', repository);
    const used = Number((await query.executeTakeFirstOrThrow()).bytes);
    if (used > limit) {
      throw new RegistryError(
        'QUOTA_EXCEEDED',
        `storage quota exceeded: ${describe(quota.scope)} is ${formatBytes(limit)}; this push of ${formatBytes(addedBytes)} would bring it to ${formatBytes(used)}`,
        { quota: quota.scope, limitBytes: limit, wouldUseBytes: used },
      );
    }
  }
}

/** Throws QUOTA_EXCEEDED when the repository's image count (already updated) crosses a quota. */
export async function assertImageQuota(trx: Kysely<Database>, repository: string): Promise<void> {
  for (const quota of await quotasFor(trx, repository, 'max_images')) {
    const limit = Number(quota.max_images);
    let query = trx.selectFrom('manifests').select(sql<number>`count(*)`.as('images'));
    query = quota.scope.startsWith('prefix:')
      ? query.where(sql<boolean>`repository like ${likePrefix(quota.scope.slice(7))} escape '\\'`)
      : query.where('repository', '=', repository);
    const images = Number((await query.executeTakeFirstOrThrow()).images);
    if (images > limit) {
      throw new RegistryError('QUOTA_EXCEEDED', `image quota exceeded: ${describe(quota.scope)} allows ${limit} images; this push would make ${images}`, {
        quota: quota.scope,
        limitImages: limit,
      });
    }
  }
}

export class QuotaService {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number) {}

  async list(): Promise<Quota[]> {
    const rows = await this.db.selectFrom('quotas').selectAll().orderBy('scope').execute();
    return rows.map((r) => ({ scope: r.scope, maxBytes: r.max_bytes === null ? null : Number(r.max_bytes), maxImages: r.max_images === null ? null : Number(r.max_images) }));
  }

  async set(quota: Quota): Promise<void> {
    if (!/^(repository|prefix):./.test(quota.scope)) throw new RegistryError('NAME_INVALID', `a quota scope is repository:<name> or prefix:<namespace>, not '${quota.scope}'`);
    const values = { max_bytes: quota.maxBytes, max_images: quota.maxImages, updated_at: this.now() };
    await this.db
      .insertInto('quotas')
      .values({ scope: quota.scope, ...values })
      .onConflict((oc) => oc.column('scope').doUpdateSet(values))
      .execute();
  }

  async remove(scope: string): Promise<boolean> {
    const result = await this.db.deleteFrom('quotas').where('scope', '=', scope).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
