// Blobs are global and content-addressed; a repository may read only the blobs linked to it.
import type { Readable } from 'node:stream';
import { BlobNotFound, type ByteRange } from '../storage/index.js';
import { RegistryError } from './errors.js';
import type { RegistryContext } from './context.js';
import { inLinkTransaction, linkBlob, unlinkBlob } from './links.js';

/** How long a link stays safe from garbage collection after a push made or checked it. */
export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;

export interface BlobInfo {
  digest: string;
  size: number;
  /** The storage scope holding the bytes for the repository the blob was found in. */
  scope: string;
}

function unknownBlob(digest: string): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
}

export class BlobService {
  /**
   * @param redirectSeconds when set and the store can hand out URLs, blob reads may be answered
   *   with a redirect to a URL valid this long, so the bytes bypass the node
   */
  constructor(
    private readonly ctx: RegistryContext,
    private readonly redirectSeconds: number | null = null,
    /** Garbage collection's grace window: links younger than this are never collected. */
    private readonly gcGraceMs: number = DEFAULT_GC_GRACE_MS,
  ) {}

  /** Where a client may fetch a blob directly, or null to stream it through the node. */
  async directUrl(blob: BlobInfo): Promise<string | null> {
    // Encrypted scopes hold ciphertext that only a node can turn back into the blob.
    if (this.redirectSeconds === null || blob.scope !== '') return null;
    const store = await this.ctx.stores.forScope('');
    return store.readUrl ? store.readUrl(blob.digest, this.redirectSeconds) : null;
  }

  async stat(repository: string, digest: string): Promise<BlobInfo> {
    const row = await this.ctx.db
      .selectFrom('repository_blobs as rb')
      .innerJoin('blobs as b', 'b.digest', 'rb.digest')
      .innerJoin('repositories as r', 'r.name', 'rb.repository')
      .select(['b.digest', 'b.size', 'r.storage_scope'])
      .where('rb.repository', '=', repository)
      .where('rb.digest', '=', digest)
      .executeTakeFirst();
    if (!row) throw unknownBlob(digest);
    return { digest: row.digest, size: Number(row.size), scope: row.storage_scope };
  }

  async open(blob: BlobInfo, range?: ByteRange): Promise<Readable> {
    try {
      return await (await this.ctx.stores.forScope(blob.scope)).read(blob.digest, range);
    } catch (error) {
      // Metadata says the blob exists but the bytes are gone: report it as unknown, not a crash.
      if (error instanceof BlobNotFound) throw unknownBlob(blob.digest);
      throw error;
    }
  }

  /** Removes the repository's link; the bytes stay until garbage collection finds them unused. */
  async unlink(repository: string, digest: string): Promise<void> {
    const removed = await inLinkTransaction(this.ctx.db, (trx) => unlinkBlob(trx, repository, digest));
    if (!removed) throw unknownBlob(digest);
  }

  /**
   * A client checking a blob before a push decides not to upload it when it is there, so the link
   * is made young again (at most once per half grace window, to keep this a rare write) and a
   * garbage collection running meanwhile does not take it away before the manifest arrives.
   */
  async refreshForPush(repository: string, digest: string): Promise<void> {
    const now = this.ctx.now();
    await this.ctx.db
      .updateTable('repository_blobs')
      .set({ created_at: now })
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .where('created_at', '<', now - this.gcGraceMs / 2)
      .execute();
  }

  /**
   * Links `digest`, which `source` holds, into `target` (which must exist) without moving bytes;
   * false when the bytes are not in the target's storage scope (another encryption key), so the
   * client has to upload them: one key's ciphertext never serves another key's repository. False
   * too while a collector is deleting the blob. Throws QUOTA_EXCEEDED past the target's quota.
   */
  async mount(target: string, source: string, digest: string): Promise<boolean> {
    const scopes = await this.ctx.db.selectFrom('repositories').select(['name', 'storage_scope']).where('name', 'in', [target, source]).execute();
    const targetScope = scopes.find((r) => r.name === target)?.storage_scope;
    const sourceScope = scopes.find((r) => r.name === source)?.storage_scope;
    if (targetScope === undefined) return false;
    if (targetScope !== sourceScope && !(await (await this.ctx.stores.forScope(targetScope)).stat(digest))) return false;
    const blob = await this.ctx.db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
    if (!blob) return false;
    const outcome = await inLinkTransaction(this.ctx.db, (trx) => linkBlob(trx, target, digest, Number(blob.size), this.ctx.now()));
    return outcome !== 'blob-being-deleted';
  }

  /** Repositories holding `digest`, for a mount without `from`; capped so a popular blob stays cheap. */
  async repositoriesHolding(digest: string, limit = 20): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('repository_blobs')
      .select('repository')
      .where('digest', '=', digest)
      .limit(limit)
      .execute();
    return rows.map((r) => r.repository);
  }

  /** Which of `digests` are linked to the repository. */
  async linkedDigests(repository: string, digests: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < digests.length; i += 500) {
      const rows = await this.ctx.db
        .selectFrom('repository_blobs')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', digests.slice(i, i + 500))
        .execute();
      for (const r of rows) found.add(r.digest);
    }
    return found;
  }
}
