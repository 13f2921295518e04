export type { Database } from './schema.js';
export type { Dialect } from './dialect.js';
export { openPostgres, openSqlite, type MetaDatabase, type PostgresOptions, type SqliteOptions } from './database.js';
export { SqlDataKeyRecords } from './data-key-records.js';
