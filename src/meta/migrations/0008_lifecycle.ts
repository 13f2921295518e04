import type { Kysely } from 'kysely';

/**
 * Lifecycle policies at work (the policy text itself is repositories.lifecycle_policy, since 0003):
 *
 * - lifecycle_previews: the latest preview of each repository (StartLifecyclePolicyPreview writes
 *   it, GetLifecyclePolicyPreview reads it). `id` names one preview, so a page token of an older
 *   preview is refused and a preview only completes its own row.
 * - lifecycle_runs: when the current policy last ran (GetLifecyclePolicy's lastEvaluatedAt). The
 *   policy is named by the sha256 of its text, so a new policy reads as never evaluated without
 *   anyone resetting a column.
 * - audit_log.detail: what an audited action did beyond action and resource (JSON), e.g. which
 *   image a lifecycle rule expired.
 *
 * Both tables go with their repository (ON DELETE CASCADE).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lifecycle_previews')
    .addColumn('repository', 'text', (c) => c.primaryKey().references('repositories.name').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('policy_text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('results', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();

  await db.schema
    .createTable('lifecycle_runs')
    .addColumn('repository', 'text', (c) => c.primaryKey().references('repositories.name').onDelete('cascade'))
    .addColumn('policy_digest', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', 'bigint', (c) => c.notNull())
    .addColumn('expired_count', 'integer', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('audit_log').addColumn('detail', 'text').execute();
}
