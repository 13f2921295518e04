/**
 * Online garbage collection: removes blobs no manifest references while pushes and pulls go on.
 *
 * A run has four phases:
 *   1. untagged (opt-in): images with no tag, pushed before a cutoff, that no index and no live
 *      subject needs, are deleted the way BatchDeleteImage deletes them.
 *   2. links: a repository's link to a blob is removed when no manifest of that repository
 *      references the blob and the link is older than the grace window.
 *   3. blobs: a blob no repository links any more is marked 'deleting', its bytes are removed from
 *      every storage scope, then its row.
 *   4. storage: bytes in a store with no blob row at all (left by a crash) are removed the same way.
 *
 * Why a concurrent push never loses a blob:
 *   - Every link change happens in a transaction whose first statement writes the blob's row
 *     (registry/links.ts): the row is a per-digest lock. PostgreSQL serialises those writers per
 *     row; SQLite serialises all writers.
 *   - A link is only removed (phase 2) by a DELETE that re-checks, under that lock and after any
 *     manifest holding the row FOR SHARE has committed, that no manifest of the repository
 *     references the blob. A manifest push checks its links inside its own transaction, with the
 *     same rows held, so either it commits first (and the link is kept) or it sees the link gone
 *     and is refused with MANIFEST_BLOB_UNKNOWN: never a manifest pointing at a deleted blob.
 *   - The grace window covers a push in progress: layers are linked when their upload completes
 *     and the manifest arrives later; a client that skips an upload because HEAD (or
 *     BatchCheckLayerAvailability) found the blob makes the link young again.
 *   - A blob's bytes are only deleted after a conditional update moved its row from '' to
 *     'deleting' while it had no link (phase 3), or after inserting a 'deleting' row for bytes
 *     that had none (phase 4). A push meeting such a row cannot link it (linkBlob reports
 *     'blob-being-deleted'); it waits until the row is gone and then stores its own bytes,
 *     because uploads link first and move their bytes into place second.
 *   - A push that linked first is never a candidate: the conditional update needs link_count = 0.
 * A collector that dies between marking and deleting leaves a 'deleting' row; the next run
 * finishes it once it is older than STALE_MARK_MS, and pushes of that digest wait meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Dialect } from '../meta/index.js';
import { inLinkTransaction, unlinkBlob, type BlobStores, type ManifestService } from '../registry/index.js';

export type GcPhase = 'untagged' | 'links' | 'blobs' | 'storage';

export interface GcOptions {
  dryRun: boolean;
  /** Links younger than this are left alone. */
  graceMs: number;
  /** When set, untagged images pushed longer ago than this are deleted first. */
  untaggedOlderThanMs?: number | null;
  onProgress?: (phase: GcPhase, done: number, total: number | null) => void;
}

export interface GcReport {
  id: string;
  startedAt: number;
  finishedAt: number;
  dryRun: boolean;
  untaggedImagesDeleted: number;
  linksRemoved: number;
  blobsDeleted: number;
  bytesFreed: number;
  orphanObjectsDeleted: number;
  /** The first blobs removed (or that would be), for people reading the report. */
  sample: { digest: string; size: number }[];
}

export interface CollectorDeps {
  db: Kysely<Database>;
  /** SQLite has one writer at a time and pays a sync per commit: links are then removed in groups. */
  dialect: Dialect;
  stores: BlobStores;
  manifests: Pick<ManifestService, 'deleteImage'>;
  now?: () => number;
}

const PAGE = 500;
const PARALLELISM = 8;
const SAMPLE_SIZE = 200;
/** A 'deleting' mark older than this belongs to a collector that died. */
const STALE_MARK_MS = 10 * 60 * 1000;

async function inBatches<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLELISM) await Promise.all(items.slice(i, i + PARALLELISM).map(work));
}

export class GarbageCollector {
  private readonly now: () => number;

  /** Links removed per transaction: on PostgreSQL one, so no run holds many blob rows at once. */
  private readonly linksPerTransaction: number;

  constructor(private readonly deps: CollectorDeps) {
    this.now = deps.now ?? Date.now;
    this.linksPerTransaction = deps.dialect === 'sqlite' ? 100 : 1;
  }

  async run(options: GcOptions): Promise<GcReport> {
    const report: GcReport = {
      id: randomUUID(),
      startedAt: this.now(),
      finishedAt: 0,
      dryRun: options.dryRun,
      untaggedImagesDeleted: 0,
      linksRemoved: 0,
      blobsDeleted: 0,
      bytesFreed: 0,
      orphanObjectsDeleted: 0,
      sample: [],
    };
    await this.deps.db.insertInto('gc_runs').values({ id: report.id, started_at: report.startedAt, finished_at: null, dry_run: options.dryRun ? 1 : 0, status: 'RUNNING', report: null, error: null }).execute();
    try {
      if (options.untaggedOlderThanMs != null) await this.untagged(options, report);
      const removedLinks = await this.links(options, report);
      await this.blobs(options, report, removedLinks);
      await this.storage(options, report);
      report.finishedAt = this.now();
      await this.deps.db.updateTable('gc_runs').set({ status: 'COMPLETE', finished_at: report.finishedAt, report: JSON.stringify(report) }).where('id', '=', report.id).execute();
      return report;
    } catch (error) {
      await this.deps.db
        .updateTable('gc_runs')
        .set({ status: 'FAILED', finished_at: this.now(), report: JSON.stringify(report), error: error instanceof Error ? error.message : String(error) })
        .where('id', '=', report.id)
        .execute();
      throw error;
    }
  }

  /** Reports of past runs, newest first. */
  async history(limit = 20): Promise<(GcReport & { status: string; error: string | null })[]> {
    const rows = await this.deps.db.selectFrom('gc_runs').selectAll().orderBy('started_at', 'desc').limit(limit).execute();
    return rows.map((r) => {
      const stored = r.report ? (JSON.parse(r.report) as GcReport) : null;
      return {
        ...(stored ?? { id: r.id, startedAt: Number(r.started_at), dryRun: r.dry_run === 1, untaggedImagesDeleted: 0, linksRemoved: 0, blobsDeleted: 0, bytesFreed: 0, orphanObjectsDeleted: 0, sample: [] }),
        finishedAt: r.finished_at === null ? 0 : Number(r.finished_at),
        status: r.status,
        error: r.error,
      };
    });
  }

  private async untagged(options: GcOptions, report: GcReport): Promise<void> {
    const cutoff = this.now() - (options.untaggedOlderThanMs ?? 0);
    const candidates = await this.deps.db
      .selectFrom('manifests as m')
      .select(['m.repository', 'm.digest'])
      .where('m.pushed_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('tags as t').select('t.name').whereRef('t.repository', '=', 'm.repository').whereRef('t.digest', '=', 'm.digest'))))
      // A child of an index, or a referrer whose subject is still there, is not garbage.
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('manifest_children as mc').select('mc.child_digest').whereRef('mc.repository', '=', 'm.repository').whereRef('mc.child_digest', '=', 'm.digest'))),
      )
      .where(({ or, eb, not, exists, selectFrom }) =>
        or([eb('m.subject_digest', 'is', null), not(exists(selectFrom('manifests as s').select('s.digest').whereRef('s.repository', '=', 'm.repository').whereRef('s.digest', '=', 'm.subject_digest')))]),
      )
      .orderBy('m.repository')
      .orderBy('m.digest')
      .execute();
    let done = 0;
    for (const image of candidates) {
      if (options.dryRun) report.untaggedImagesDeleted++;
      else if ((await this.deps.manifests.deleteImage(image.repository, image.digest)).outcome === 'deleted') report.untaggedImagesDeleted++;
      options.onProgress?.('untagged', ++done, candidates.length);
    }
  }

  /** Phase 2; returns, per digest, how many links went (or would go). */
  private async links(options: GcOptions, report: GcReport): Promise<Map<string, number>> {
    const cutoff = this.now() - options.graceMs;
    const removed = new Map<string, number>();
    let after: { repository: string; digest: string } | null = null;
    let done = 0;
    for (;;) {
      let query = this.deps.db
        .selectFrom('repository_blobs as rb')
        .select(['rb.repository', 'rb.digest'])
        .where('rb.created_at', '<', cutoff)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('manifest_children as mc').select('mc.child_digest').whereRef('mc.repository', '=', 'rb.repository').whereRef('mc.child_digest', '=', 'rb.digest'))),
        );
      if (after) {
        const { repository, digest } = after;
        query = query.where(({ or, and, eb }) => or([eb('rb.repository', '>', repository), and([eb('rb.repository', '=', repository), eb('rb.digest', '>', digest)])]));
      }
      const page = await query.orderBy('rb.repository').orderBy('rb.digest').limit(PAGE).execute();
      if (page.length === 0) break;
      after = page[page.length - 1]!;
      for (let i = 0; i < page.length; i += this.linksPerTransaction) {
        const group = page.slice(i, i + this.linksPerTransaction);
        const gone = options.dryRun
          ? group
          : await inLinkTransaction(this.deps.db, async (trx) => {
              const unlinked: typeof group = [];
              for (const link of group) if (await unlinkBlob(trx, link.repository, link.digest, { unreferencedAndLinkedBefore: cutoff })) unlinked.push(link);
              return unlinked;
            });
        for (const link of gone) {
          report.linksRemoved++;
          removed.set(link.digest, (removed.get(link.digest) ?? 0) + 1);
        }
        done += group.length;
        options.onProgress?.('links', done, null);
      }
    }
    return removed;
  }

  private async blobs(options: GcOptions, report: GcReport, removedLinks: Map<string, number>): Promise<void> {
    let candidates: { digest: string; size: number }[];
    if (options.dryRun) {
      // Nothing was unlinked: a blob would go if every link it has would have gone.
      const unlinked = await this.deps.db.selectFrom('blobs').select(['digest', 'size']).where('link_count', '=', 0).where('gc_state', '=', '').execute();
      const wouldBe: { digest: string; size: number }[] = [];
      const digests = [...removedLinks.keys()];
      for (let i = 0; i < digests.length; i += PAGE) {
        const rows = await this.deps.db.selectFrom('blobs').select(['digest', 'size', 'link_count']).where('digest', 'in', digests.slice(i, i + PAGE)).execute();
        for (const row of rows) if (Number(row.link_count) === removedLinks.get(row.digest)) wouldBe.push(row);
      }
      candidates = [...unlinked, ...wouldBe].map((r) => ({ digest: r.digest, size: Number(r.size) }));
    } else {
      const staleMark = this.now() - STALE_MARK_MS;
      const rows = await this.deps.db
        .selectFrom('blobs')
        .select(['digest', 'size'])
        .where('link_count', '=', 0)
        .where(({ or, eb, and }) => or([eb('gc_state', '=', ''), and([eb('gc_state', '=', 'deleting'), eb('gc_marked_at', '<', staleMark)])]))
        .execute();
      candidates = rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
    }
    const scopes = await this.deps.stores.scopesInUse();
    let done = 0;
    for (let i = 0; i < candidates.length; i += PAGE) {
      const group = candidates.slice(i, i + PAGE);
      const deleted = options.dryRun ? group : await this.deleteBlobs(group, scopes);
      for (const blob of deleted) {
        report.blobsDeleted++;
        report.bytesFreed += blob.size;
        if (report.sample.length < SAMPLE_SIZE) report.sample.push(blob);
      }
      done += group.length;
      options.onProgress?.('blobs', done, candidates.length);
    }
  }

  /**
   * Marks the blobs that are still unlinked (one statement: a push that linked one meanwhile keeps
   * it), deletes their bytes everywhere, then drops their rows; returns those it deleted. Whole
   * groups at a time, so a run costs a few commits per page rather than per blob.
   */
  private async deleteBlobs(blobs: { digest: string; size: number }[], scopes: string[]): Promise<{ digest: string; size: number }[]> {
    const now = this.now();
    const marked = await this.deps.db
      .updateTable('blobs')
      .set({ gc_state: 'deleting', gc_marked_at: now })
      .where('digest', 'in', blobs.map((b) => b.digest))
      .where('link_count', '=', 0)
      .where(({ or, eb, and }) => or([eb('gc_state', '=', ''), and([eb('gc_state', '=', 'deleting'), eb('gc_marked_at', '<', now - STALE_MARK_MS)])]))
      .returning('digest')
      .execute();
    const claimed = new Set(marked.map((r) => r.digest));
    const deleted = blobs.filter((b) => claimed.has(b.digest));
    await inBatches(deleted, (blob) => this.deleteBytes(blob.digest, scopes));
    if (deleted.length > 0) {
      await this.deps.db.deleteFrom('blobs').where('digest', 'in', deleted.map((b) => b.digest)).where('gc_state', '=', 'deleting').execute();
    }
    return deleted;
  }

  private async deleteBytes(digest: string, scopes: string[]): Promise<void> {
    for (const scope of scopes) await (await this.deps.stores.forScope(scope)).delete(digest);
  }

  /** Phase 4: bytes no blob row accounts for. */
  private async storage(options: GcOptions, report: GcReport): Promise<void> {
    let done = 0;
    for (const scope of await this.deps.stores.scopesInUse()) {
      const store = await this.deps.stores.forScope(scope);
      let batch: string[] = [];
      const sweep = async (): Promise<void> => {
        const known = await this.deps.db.selectFrom('blobs').select('digest').where('digest', 'in', batch).execute();
        const knownSet = new Set(known.map((r) => r.digest));
        const orphans = batch.filter((d) => !knownSet.has(d));
        await inBatches(orphans, async (digest) => {
          const size = (await store.stat(digest))?.size ?? 0;
          if (!options.dryRun) {
            // Claim the digest with a 'deleting' row so a push of the same bytes waits for us.
            const claimed = await this.deps.db
              .insertInto('blobs')
              .values({ digest, size, created_at: this.now(), gc_state: 'deleting', gc_marked_at: this.now() })
              .onConflict((oc) => oc.column('digest').doNothing())
              .executeTakeFirst();
            if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) return;
            await store.delete(digest);
            await this.deps.db.deleteFrom('blobs').where('digest', '=', digest).where('gc_state', '=', 'deleting').execute();
          }
          report.orphanObjectsDeleted++;
          report.bytesFreed += size;
        });
        done += batch.length;
        options.onProgress?.('storage', done, null);
        batch = [];
      };
      for await (const digest of store.list()) {
        batch.push(digest);
        if (batch.length >= PAGE) await sweep();
      }
      if (batch.length > 0) await sweep();
    }
  }
}
