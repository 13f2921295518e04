import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Bytes and byte-ordered text differ between the two dialects; everything else is shared SQL. */
function types(dialect: Dialect) {
  return dialect === 'postgres'
    ? { bytes: sql`bytea`, sortedText: sql`text collate "C"` }
    : { bytes: sql`blob`, sortedText: sql`text` };
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = types(dialect);
  await db.schema
    .createTable('repositories')
    .addColumn('name', t.sortedText, (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('blobs')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('repository_blobs')
    .addColumn('repository', 'text', (c) => c.notNull().references('repositories.name').onDelete('cascade'))
    .addColumn('digest', 'text', (c) => c.notNull().references('blobs.digest'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('repository_blobs_pk', ['repository', 'digest'])
    .execute();
  await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();

  await db.schema
    .createTable('manifests')
    .addColumn('repository', 'text', (c) => c.notNull().references('repositories.name').onDelete('cascade'))
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('artifact_type', 'text')
    .addColumn('subject_digest', 'text')
    .addColumn('config_digest', 'text')
    .addColumn('annotations', 'text')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content', t.bytes, (c) => c.notNull())
    .addColumn('pushed_at', 'bigint', (c) => c.notNull())
    .addColumn('last_pulled_at', 'bigint')
    .addPrimaryKeyConstraint('manifests_pk', ['repository', 'digest'])
    .execute();
  await db.schema.createIndex('manifests_subject').on('manifests').columns(['repository', 'subject_digest']).execute();

  await db.schema
    .createTable('manifest_children')
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('manifest_digest', 'text', (c) => c.notNull())
    .addColumn('child_digest', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('manifest_children_pk', ['repository', 'manifest_digest', 'child_digest'])
    .addForeignKeyConstraint('manifest_children_parent', ['repository', 'manifest_digest'], 'manifests', ['repository', 'digest'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('manifest_children_child').on('manifest_children').columns(['child_digest']).execute();

  await db.schema
    .createTable('tags')
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('name', t.sortedText, (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['repository', 'name'])
    .addForeignKeyConstraint('tags_manifest', ['repository', 'digest'], 'manifests', ['repository', 'digest'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('tags_digest').on('tags').columns(['repository', 'digest']).execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uploads_updated').on('uploads').column('updated_at').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('access_keys')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
