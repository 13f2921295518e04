import type { Kysely } from 'kysely';

/**
 * Which blob store holds a repository's bytes: '' for the plain store, else the name of the master
 * key its blobs are encrypted under (one store per key, so identical layers in repositories with
 * different keys never share ciphertext). Fixed when the repository is created, as ECR's
 * encryptionConfiguration is; an upload records the scope it started in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('repositories').addColumn('storage_scope', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('uploads').addColumn('storage_scope', 'text', (c) => c.notNull().defaultTo('')).execute();
}
