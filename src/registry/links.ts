// Every change of a repository's link to a blob goes through here, inside the caller's transaction,
// so three things always move together: the link row, the blob's link_count, and the storage usage
// of the repositories involved (unique bytes: only this repository links the blob; shared bytes:
// others do too). The first statement on a blob is a write to its row, which makes the row the
// per-digest lock that orders links against garbage collection (src/gc/collector.ts explains why
// that is enough). On SQLite every write transaction is serialised anyway.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { assertStorageQuota } from './quotas.js';

export type LinkOutcome = 'linked' | 'already-linked' | 'blob-being-deleted';

type UsageChange = Map<string, { unique: number; shared: number }>;

function change(changes: UsageChange, repository: string, unique: number, shared: number): void {
  const current = changes.get(repository) ?? { unique: 0, shared: 0 };
  changes.set(repository, { unique: current.unique + unique, shared: current.shared + shared });
}

/**
 * Applies usage changes in repository-name order: two transactions on different blobs shared by
 * the same two repositories then lock those rows in the same order and cannot deadlock.
 */
async function applyUsage(trx: Kysely<Database>, changes: UsageChange): Promise<void> {
  for (const [repository, delta] of [...changes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (delta.unique === 0 && delta.shared === 0) continue;
    await trx
      .updateTable('repositories')
      .set((eb) => ({ unique_bytes: eb('unique_bytes', '+', delta.unique), shared_bytes: eb('shared_bytes', '+', delta.shared) }))
      .where('name', '=', repository)
      .execute();
  }
}

async function otherHolder(trx: Kysely<Database>, repository: string, digest: string): Promise<string | undefined> {
  const row = await trx.selectFrom('repository_blobs').select('repository').where('digest', '=', digest).where('repository', '<>', repository).limit(1).executeTakeFirst();
  return row?.repository;
}

/**
 * Links `digest` (of `size` bytes) into `repository`, creating the blob's row if it has none.
 * 'blob-being-deleted' means a collector is removing the blob's bytes right now: the caller rolls
 * back, waits for the row to go, and stores its own copy. Throws QUOTA_EXCEEDED (the caller's
 * transaction then rolls back, leaving usage as it was).
 */
export async function linkBlob(trx: Kysely<Database>, repository: string, digest: string, size: number, now: number): Promise<LinkOutcome> {
  const blob = await trx
    .insertInto('blobs')
    .values({ digest, size, created_at: now, gc_marked_at: null })
    .onConflict((oc) => oc.column('digest').doUpdateSet({ size: sql`blobs.size` }))
    .returning(['gc_state', 'size'])
    .executeTakeFirstOrThrow();
  if (blob.gc_state !== '') return 'blob-being-deleted';
  const inserted = await trx
    .insertInto('repository_blobs')
    .values({ repository, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    // Pushed again: the link is young again, so a collection running now leaves it alone.
    await trx.updateTable('repository_blobs').set({ created_at: now }).where('repository', '=', repository).where('digest', '=', digest).execute();
    return 'already-linked';
  }
  const bytes = Number(blob.size);
  const { link_count } = await trx
    .updateTable('blobs')
    .set((eb) => ({ link_count: eb('link_count', '+', 1) }))
    .where('digest', '=', digest)
    .returning('link_count')
    .executeTakeFirstOrThrow();
  const links = Number(link_count);
  const changes: UsageChange = new Map();
  if (links === 1) {
    change(changes, repository, bytes, 0);
  } else {
    if (links === 2) {
      const other = await otherHolder(trx, repository, digest);
      if (other) change(changes, other, -bytes, bytes);
    }
    change(changes, repository, 0, bytes);
  }
  await applyUsage(trx, changes);
  await assertStorageQuota(trx, repository, bytes);
  return 'linked';
}

export interface UnlinkCondition {
  /** Only a link made before this time (epoch ms) and referenced by no manifest of its repository. */
  unreferencedAndLinkedBefore: number;
}

/** Removes a link; false when there was none (or it no longer meets `condition`). */
export async function unlinkBlob(trx: Kysely<Database>, repository: string, digest: string, condition?: UnlinkCondition): Promise<boolean> {
  // Lock the blob's row first, so a manifest being committed that references this blob (it holds
  // the row FOR SHARE) has either committed, and is seen below, or has to wait for us.
  const blob = await trx
    .updateTable('blobs')
    .set({ link_count: sql`link_count` })
    .where('digest', '=', digest)
    .returning('size')
    .executeTakeFirst();
  if (!blob) return false;
  let removal = trx.deleteFrom('repository_blobs').where('repository', '=', repository).where('digest', '=', digest);
  if (condition) {
    removal = removal
      .where('created_at', '<', condition.unreferencedAndLinkedBefore)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('manifest_children as mc').select('mc.child_digest').whereRef('mc.repository', '=', 'repository_blobs.repository').whereRef('mc.child_digest', '=', 'repository_blobs.digest'))),
      );
  }
  const removed = await removal.executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) return false;
  const bytes = Number(blob.size);
  const { link_count } = await trx
    .updateTable('blobs')
    .set((eb) => ({ link_count: eb('link_count', '-', 1) }))
    .where('digest', '=', digest)
    .returning('link_count')
    .executeTakeFirstOrThrow();
  const links = Number(link_count);
  const changes: UsageChange = new Map();
  if (links === 0) {
    change(changes, repository, -bytes, 0);
  } else {
    if (links === 1) {
      const remaining = await otherHolder(trx, repository, digest);
      if (remaining) change(changes, remaining, bytes, -bytes);
    }
    change(changes, repository, 0, -bytes);
  }
  await applyUsage(trx, changes);
  return true;
}

/**
 * Holds the rows of blobs a manifest is about to reference until the caller's transaction ends,
 * so no link to them can be removed in between (PostgreSQL; SQLite serialises writers instead).
 */
export async function holdBlobs(trx: Kysely<Database>, digests: string[]): Promise<void> {
  const sorted = [...new Set(digests)].sort();
  for (let i = 0; i < sorted.length; i += 500) {
    await trx.selectFrom('blobs').select('digest').where('digest', 'in', sorted.slice(i, i + 500)).forShare().execute();
  }
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply run again. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs a transaction that changes links, again (a few times) when PostgreSQL chose it as the
 * victim of a deadlock: link changes lock a blob row and repository rows, and a repository
 * deletion unlinking many blobs can cross a push's locks.
 */
export async function inLinkTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= 4 || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}
