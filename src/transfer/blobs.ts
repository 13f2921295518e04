// Copies the stored bytes of every blob a repository links, scope by scope, as they are stored:
// an encrypted scope's ciphertext moves unchanged, so its data keys (copied with the metadata)
// still open it. A blob already in the target with the same stored size is skipped, so a run can
// be resumed.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { openBlobStore, type OpenedStore, type StorageConfig } from '../storage/index.js';
import { scopeDirectory } from '../server/blob-stores.js';

export interface BlobCopyProgress {
  done: number;
  total: number;
  bytes: number;
  skipped: number;
}

export interface ScopedDigest {
  scope: string;
  digest: string;
}

const PARALLEL = 4;

/** Every (scope, digest) some repository links, from the metadata. */
export async function linkedBlobs(db: Kysely<Database>): Promise<ScopedDigest[]> {
  const rows = await db
    .selectFrom('repository_blobs as rb')
    .innerJoin('repositories as r', 'r.name', 'rb.repository')
    .select(['r.storage_scope', 'rb.digest'])
    .distinct()
    .execute();
  return rows.map((r) => ({ scope: r.storage_scope, digest: r.digest })).sort((a, b) => (a.scope + a.digest < b.scope + b.digest ? -1 : 1));
}

/** The raw store of each scope (no decryption): what is copied is what is stored. */
export class RawScopes {
  private readonly opened = new Map<string, Promise<OpenedStore>>();
  constructor(private readonly config: StorageConfig) {}

  get(scope: string): Promise<OpenedStore> {
    let store = this.opened.get(scope);
    if (!store) {
      store = openBlobStore(this.config, scope === '' ? '' : scopeDirectory(scope));
      this.opened.set(scope, store);
    }
    return store;
  }

  async close(): Promise<void> {
    for (const store of this.opened.values()) (await store).close();
  }
}

export async function copyBlobs(
  blobs: ScopedDigest[],
  source: RawScopes,
  target: RawScopes,
  onProgress: (progress: BlobCopyProgress) => void,
): Promise<{ copied: number; skipped: number; bytes: number; missing: ScopedDigest[] }> {
  const progress: BlobCopyProgress = { done: 0, total: blobs.length, bytes: 0, skipped: 0 };
  const missing: ScopedDigest[] = [];
  let next = 0;
  const worker = async () => {
    while (next < blobs.length) {
      const blob = blobs[next++]!;
      const from = (await source.get(blob.scope)).store;
      const to = (await target.get(blob.scope)).store;
      const stored = await from.stat(blob.digest);
      if (!stored) {
        missing.push(blob);
      } else if ((await to.stat(blob.digest))?.size === stored.size) {
        progress.skipped++;
      } else {
        const id = randomUUID();
        await to.createUpload(id);
        try {
          const written = await to.appendUpload(id, 0, await from.read(blob.digest));
          if (written !== stored.size) throw new Error(`copied ${written} of ${stored.size} bytes of ${blob.digest}`);
          await to.commitUpload(id, blob.digest);
        } catch (error) {
          await to.deleteUpload(id).catch(() => undefined);
          throw error;
        }
        progress.bytes += stored.size;
      }
      progress.done++;
      onProgress(progress);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return { copied: progress.done - progress.skipped - missing.length, skipped: progress.skipped, bytes: progress.bytes, missing };
}
