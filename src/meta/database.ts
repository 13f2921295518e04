// Opens the metadata database. SQLite runs in WAL mode so readers never wait for the writer and
// several processes can share one data directory.
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import type { Dialect } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { CHANGE_CHANNEL } from './migrations/0004_change_notifications.js';

export interface MetaDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /**
   * A number that changes whenever another connection (another process on the same database)
   * committed; caches compare it to know when they may be stale. Null when the dialect has none.
   */
  externalChangeCounter(): number | null;
  /**
   * True when the counter moves the moment another writer commits (SQLite's data_version); false
   * when news of a commit arrives a moment later (PostgreSQL notifications), so a cache of
   * mutable data (tags) could briefly lag another node's write.
   */
  changeCounterIsSynchronous: boolean;
  close(): Promise<void>;
}

export interface SqliteOptions {
  path: string;
  /** FULL makes every commit durable against power loss; NORMAL only against process crashes. */
  synchronous: 'FULL' | 'NORMAL';
}

/**
 * Transactions take SQLite's write lock when they begin (BEGIN IMMEDIATE), waiting for it under
 * busy_timeout. With a plain BEGIN, a transaction that reads first and writes later fails with
 * SQLITE_BUSY at once when another process (`wharf gc`, `wharf admin`) wrote in between, because
 * its snapshot can no longer be upgraded.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly driverConfig: SqliteDialectConfig) {
    super(driverConfig);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.driverConfig);
  }
}

export async function openSqlite(options: SqliteOptions): Promise<MetaDatabase> {
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    externalChangeCounter: () => dataVersion.get() as number,
    changeCounterIsSynchronous: true,
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
 * PostgreSQL, for several stateless nodes. Writes to cached tables NOTIFY (migration 0004); a
 * listening connection counts the notifications, and that count is the change counter caches
 * watch. While the listener is down the counter is null and caches stay off.
 */
export async function openPostgres(options: PostgresOptions): Promise<MetaDatabase> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db as Kysely<unknown>, 'postgres');
  const listener = new ChangeListener(options.url);
  await listener.start();
  return {
    db,
    dialect: 'postgres',
    externalChangeCounter: () => listener.counter(),
    changeCounterIsSynchronous: false,
    close: async () => {
      await listener.stop();
      await db.destroy();
    },
  };
}

class ChangeListener {
  private client: pg.Client | null = null;
  private changes = 0;
  private stopped = false;

  constructor(private readonly url: string) {}

  counter(): number | null {
    return this.client ? this.changes : null;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.changes++);
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    this.client = client;
  }

  /** Caches go off at once; a new listener is tried every second until one connects. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.changes++;
    this.reconnect();
  }

  private reconnect(): void {
    if (this.stopped) return;
    setTimeout(() => void this.start().catch(() => this.reconnect()), 1000).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
