// Blobs are global and content-addressed; a repository may read only the blobs linked to it.
import type { Readable } from 'node:stream';
import { BlobNotFound, type ByteRange } from '../storage/index.js';
import { RegistryError } from './errors.js';
import type { RegistryContext } from './context.js';

export interface BlobInfo {
  digest: string;
  size: number;
}

function unknownBlob(digest: string): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
}

export class BlobService {
  constructor(private readonly ctx: RegistryContext) {}

  async stat(repository: string, digest: string): Promise<BlobInfo> {
    const row = await this.ctx.db
      .selectFrom('repository_blobs as rb')
      .innerJoin('blobs as b', 'b.digest', 'rb.digest')
      .select(['b.digest', 'b.size'])
      .where('rb.repository', '=', repository)
      .where('rb.digest', '=', digest)
      .executeTakeFirst();
    if (!row) throw unknownBlob(digest);
    return { digest: row.digest, size: Number(row.size) };
  }

  async open(digest: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.ctx.store.read(digest, range);
    } catch (error) {
      // Metadata says the blob exists but the bytes are gone: report it as unknown, not a crash.
      if (error instanceof BlobNotFound) throw unknownBlob(digest);
      throw error;
    }
  }

  /** Removes the repository's link; the bytes stay until garbage collection finds them unused. */
  async unlink(repository: string, digest: string): Promise<void> {
    const result = await this.ctx.db
      .deleteFrom('repository_blobs')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw unknownBlob(digest);
  }

  /** Links an already-stored blob into `repository` (the repository must exist). */
  async link(repository: string, digest: string): Promise<void> {
    await this.ctx.db
      .insertInto('repository_blobs')
      .values({ repository, digest, created_at: this.ctx.now() })
      .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
      .execute();
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
