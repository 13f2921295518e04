import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The scanner's vulnerability database, imported from OSV records (`wharf scan-db import`); the
 * layout is drawn at the top of src/scan/vulndb/schema.ts.
 *
 * - vulnerabilities: one row per OSV id, kept when withdrawn so a re-import of the same record is
 *   recognised (content_hash) and skipped.
 * - vulnerable_packages: what the matcher reads, looked up by (ecosystem_key, package_key); the
 *   rows of a record are replaced whenever the record is, and go with it (ON DELETE CASCADE).
 *
 * CVSS scores are double precision: PostgreSQL's real would hand 9.8 back as 9.800000190734863.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const sortedText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable('vulnerabilities')
    .addColumn('id', sortedText, (c) => c.primaryKey())
    .addColumn('modified', 'bigint', (c) => c.notNull())
    .addColumn('published', 'bigint')
    .addColumn('withdrawn', 'bigint')
    .addColumn('summary', 'text')
    .addColumn('details', 'text')
    .addColumn('aliases', 'text', (c) => c.notNull())
    .addColumn('reference_urls', 'text', (c) => c.notNull())
    .addColumn('source_url', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('vulnerable_packages')
    .addColumn('vulnerability_id', 'text', (c) => c.notNull().references('vulnerabilities.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('ecosystem_key', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('package_key', 'text', (c) => c.notNull())
    .addColumn('ranges', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('cvss_score', 'double precision')
    .addColumn('cvss_version', 'text')
    .addColumn('cvss_vector', 'text')
    .addPrimaryKeyConstraint('vulnerable_packages_pk', ['vulnerability_id', 'seq'])
    .execute();
  await db.schema.createIndex('vulnerable_packages_lookup').on('vulnerable_packages').columns(['ecosystem_key', 'package_key']).execute();
}
