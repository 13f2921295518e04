import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** ECR repository settings, creation templates, the events outbox and pull-time exclusions. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const sortedText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const autoId = dialect === 'postgres' ? sql`bigserial` : sql`integer`;

  await db.schema.alterTable('repositories').addColumn('image_tag_mutability', 'text', (c) => c.notNull().defaultTo('MUTABLE')).execute();
  await db.schema.alterTable('repositories').addColumn('mutability_exclusions', 'text').execute();
  await db.schema.alterTable('repositories').addColumn('scan_on_push', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('repositories').addColumn('encryption_type', 'text', (c) => c.notNull().defaultTo('AES256')).execute();
  await db.schema.alterTable('repositories').addColumn('kms_key', 'text').execute();
  await db.schema.alterTable('repositories').addColumn('lifecycle_policy', 'text').execute();

  await db.schema
    .createTable('creation_templates')
    .addColumn('prefix', sortedText, (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('applied_for', 'text', (c) => c.notNull())
    .addColumn('image_tag_mutability', 'text', (c) => c.notNull())
    .addColumn('mutability_exclusions', 'text')
    .addColumn('encryption_type', 'text', (c) => c.notNull())
    .addColumn('kms_key', 'text')
    .addColumn('resource_tags', 'text')
    .addColumn('repository_policy', 'text')
    .addColumn('lifecycle_policy', 'text')
    .addColumn('custom_role_arn', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Events are written in the same transaction as the change they describe; a deliverer (the events
  // issue) reads undelivered rows in id order.
  await db.schema
    .createTable('events_outbox')
    .addColumn('id', autoId, (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('detail_type', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema.createIndex('events_outbox_pending').on('events_outbox').columns(['delivered_at', 'id']).execute();

  await db.schema
    .createTable('pull_time_exclusions')
    .addColumn('principal_arn', sortedText, (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
