import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Principals, their policies, role sessions, resource policies and the audit log. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const sortedText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const autoId = dialect === 'postgres' ? sql`bigserial` : sql`integer`;

  await db.schema
    .createTable('users')
    .addColumn('name', sortedText, (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().unique())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_policies')
    .addColumn('user_name', 'text', (c) => c.notNull().references('users.name').onDelete('cascade'))
    .addColumn('policy_name', sortedText, (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_policies_pk', ['user_name', 'policy_name'])
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('name', sortedText, (c) => c.primaryKey())
    .addColumn('role_id', 'text', (c) => c.notNull().unique())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('trust_policy', 'text', (c) => c.notNull())
    .addColumn('max_session_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('role_policies')
    .addColumn('role_name', 'text', (c) => c.notNull().references('roles.name').onDelete('cascade'))
    .addColumn('policy_name', sortedText, (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_policies_pk', ['role_name', 'policy_name'])
    .execute();

  // Temporary credentials from sts:AssumeRole; rows past expires_at are refused and swept.
  await db.schema
    .createTable('role_sessions')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('role_name', 'text', (c) => c.notNull().references('roles.name').onDelete('cascade'))
    .addColumn('session_name', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('session_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('role_sessions_expiry').on('role_sessions').column('expires_at').execute();

  await db.schema.alterTable('repositories').addColumn('policy', 'text').execute();
  // The digest an upload was verified as, recorded before its bytes move into the blob store, so a
  // crash between the move and the database commit can be finished on the client's retry.
  await db.schema.alterTable('uploads').addColumn('digest', 'text').execute();
  await db.schema.alterTable('repositories').addColumn('resource_tags', 'text').execute();
  await db.schema.createIndex('access_keys_user').on('access_keys').column('user_name').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', autoId, (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('principal_arn', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('source_ip', 'text')
    .addColumn('decision', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
}
