import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Tables whose changes invalidate what nodes cache (manifests and tags, principals and policies). */
export const WATCHED_TABLES = ['repositories', 'manifests', 'tags', 'users', 'access_keys', 'user_policies', 'roles', 'role_policies', 'settings'];
export const CHANGE_CHANNEL = 'wharf_changes';

/**
 * PostgreSQL only: every committed write to a watched table sends a NOTIFY, so each node can drop
 * its caches (SQLite processes use PRAGMA data_version for the same purpose).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    create function wharf_notify_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify(${sql.lit(CHANGE_CHANNEL)}, tg_table_name);
      return null;
    end $$`.execute(db);
  for (const table of WATCHED_TABLES) {
    await sql`create trigger ${sql.id(`${table}_notify_change`)} after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function wharf_notify_change()`.execute(db);
  }
}
