// SQL on a test server's metadata database from the test process: PostgreSQL through pg, SQLite
// through the sqlite3 command-line tool (better-sqlite3 is not opened in test processes: on
// Node 24 it can abort the process at exit).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresFor } from './server.js';

export async function queryMeta(dataDir: string, statement: string): Promise<Record<string, unknown>[]> {
  const url = await postgresFor(dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query(statement);
      return (Array.isArray(result) ? result.at(-1) : result).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  }
  const { stdout } = await promisify(execFile)('sqlite3', ['-json', '-cmd', '.timeout 10000', join(dataDir, 'wharf.db'), statement]);
  return stdout.trim() === '' ? [] : (JSON.parse(stdout) as Record<string, unknown>[]);
}
