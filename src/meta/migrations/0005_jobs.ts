import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The durable job queue: background work any node may claim under a lease. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === 'postgres' ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable('jobs')
    .addColumn('id', autoId, (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // Recurring and deduplicated jobs have a key; at most one job per key exists.
    .addColumn('key', 'text', (c) => c.unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('every_ms', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
}
