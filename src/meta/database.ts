// Opens the metadata database. SQLite runs in WAL mode so readers never wait for the writer and
// several processes can share one data directory.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import type { Dialect } from './dialect.js';
import { migrateToLatest } from './migrate.js';

export interface MetaDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /**
   * A number that changes whenever another connection (another process on the same database)
   * committed; caches compare it to know when they may be stale. Null when the dialect has none.
   */
  externalChangeCounter(): number | null;
  close(): Promise<void>;
}

export interface SqliteOptions {
  path: string;
  /** FULL makes every commit durable against power loss; NORMAL only against process crashes. */
  synchronous: 'FULL' | 'NORMAL';
}

export async function openSqlite(options: SqliteOptions): Promise<MetaDatabase> {
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    externalChangeCounter: () => dataVersion.get() as number,
    close: () => db.destroy(),
  };
}

export interface PostgresOptions {
  url: string;
  poolSize: number;
}

// int8 (counts, sizes, epoch milliseconds) arrives as a string by default; every such value Wharf
// stores fits in a double, so read it as a number, as SQLite gives it.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * PostgreSQL, for several stateless nodes. No change counter is exposed, so caches that need one
 * to stay exact (the manifest cache) stay off; short-TTL caches still apply.
 */
export async function openPostgres(options: PostgresOptions): Promise<MetaDatabase> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db as Kysely<unknown>, 'postgres');
  return {
    db,
    dialect: 'postgres',
    externalChangeCounter: () => null,
    close: () => db.destroy(),
  };
}
