export type { Database } from './schema.js';
export type { Dialect } from './dialect.js';
export { openSqlite, type MetaDatabase, type SqliteOptions } from './database.js';
