import { sql, type Kysely } from 'kysely';

/**
 * Storage accounting and online garbage collection:
 *
 * - blobs.link_count: how many repositories link the blob. Every change of a link updates it in the
 *   same transaction, so the UPDATE on the blob's row is the per-digest lock that orders links
 *   against garbage collection (see src/gc/collector.ts for the argument).
 * - blobs.gc_state / gc_marked_at: '' for a live blob; 'deleting' while a collector removes its
 *   bytes. A push meeting 'deleting' waits for the row to go and then stores its own bytes.
 * - repositories.unique_bytes / shared_bytes: bytes of the blobs linked to the repository, counted
 *   once, split into those no other repository links and those some other repository links too.
 * - quotas: optional limits per repository (`repository:<name>`) or per namespace
 *   (`prefix:<p>`, every repository named `<p>/...`).
 * - gc_runs: one row per collection, the report `wharf gc` prints and anyone can read later.
 *
 * Existing data is counted once here, so accounting is exact from the first start onwards.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('blobs').addColumn('link_count', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('blobs').addColumn('gc_state', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('blobs').addColumn('gc_marked_at', 'bigint').execute();
  await db.schema.createIndex('blobs_unlinked').on('blobs').column('link_count').execute();
  await db.schema.alterTable('repositories').addColumn('unique_bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('repositories').addColumn('shared_bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('repository_blobs_age').on('repository_blobs').column('created_at').execute();

  await sql`update blobs set link_count = (select count(*) from repository_blobs rb where rb.digest = blobs.digest)`.execute(db);
  await sql`update repositories set
      unique_bytes = coalesce((select sum(b.size) from repository_blobs rb join blobs b on b.digest = rb.digest
                               where rb.repository = repositories.name and b.link_count = 1), 0),
      shared_bytes = coalesce((select sum(b.size) from repository_blobs rb join blobs b on b.digest = rb.digest
                               where rb.repository = repositories.name and b.link_count > 1), 0)`.execute(db);

  await db.schema
    .createTable('quotas')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('max_bytes', 'bigint')
    .addColumn('max_images', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('gc_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('report', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('gc_runs_started').on('gc_runs').column('started_at').execute();
}
