import type { Kysely } from 'kysely';

/**
 * Image scanning results and settings:
 *
 * - image_scans: the latest scan of each image (repository + manifest digest): its ECR status and
 *   description, the scan type it ran as, the package inventory it found (JSON, kept so continuous
 *   scanning re-matches it without reading layers again), the findings (JSON) and their severity
 *   counts, and the vulnerability database generation they were matched against. Goes with its
 *   manifest.
 * - repositories.scan_pull_block: when set (a severity), pulls of images with findings at or
 *   above it are refused.
 * The registry scanning configuration is a settings row (`scanning:registry`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('image_scans')
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('scan_type', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .addColumn('inventory', 'text')
    .addColumn('findings', 'text')
    .addColumn('severity_counts', 'text')
    .addColumn('db_generation', 'bigint')
    .addColumn('source_updated_at', 'bigint')
    .addPrimaryKeyConstraint('image_scans_pk', ['repository', 'digest'])
    .addForeignKeyConstraint('image_scans_manifest', ['repository', 'digest'], 'manifests', ['repository', 'digest'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.alterTable('repositories').addColumn('scan_pull_block', 'text').execute();
}
