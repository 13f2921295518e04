import type { Kysely } from 'kysely';

/**
 * Wrapped data keys of encrypted blob stores (storage/encryption), one row per upload or blob. The
 * index serves re-wrapping, which walks one master key's rows in ref order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('data_keys')
    .addColumn('ref', 'text', (c) => c.primaryKey())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('key_version', 'integer', (c) => c.notNull())
    .addColumn('wrapped', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_keys_key_name').on('data_keys').columns(['key_name', 'ref']).execute();
}
