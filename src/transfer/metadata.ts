// Copies every metadata table from one database to another (SQLite <-> PostgreSQL), in an order
// that satisfies the foreign keys, in batches, idempotently: a row already in the target is kept,
// so an interrupted run can simply be run again. Upload sessions are not carried over: clients
// restart an upload whose session is gone.
import { sql, type Kysely } from 'kysely';
import type { Database, Dialect } from '../meta/index.js';

interface TableSpec {
  name: keyof Database;
  key: string[];
  /** Identity columns whose PostgreSQL sequence must move past the copied ids. */
  serial?: string;
}

export const COPIED_TABLES: TableSpec[] = [
  { name: 'settings', key: ['key'] },
  { name: 'repositories', key: ['name'] },
  { name: 'lifecycle_runs', key: ['repository'] },
  { name: 'blobs', key: ['digest'] },
  { name: 'repository_blobs', key: ['repository', 'digest'] },
  { name: 'manifests', key: ['repository', 'digest'] },
  { name: 'manifest_children', key: ['repository', 'manifest_digest', 'child_digest'] },
  { name: 'tags', key: ['repository', 'name'] },
  { name: 'users', key: ['name'] },
  { name: 'access_keys', key: ['access_key_id'] },
  { name: 'user_policies', key: ['user_name', 'policy_name'] },
  { name: 'roles', key: ['name'] },
  { name: 'role_policies', key: ['role_name', 'policy_name'] },
  { name: 'role_sessions', key: ['access_key_id'] },
  { name: 'audit_log', key: ['id'], serial: 'id' },
  { name: 'creation_templates', key: ['prefix'] },
  { name: 'events_outbox', key: ['id'], serial: 'id' },
  { name: 'pull_time_exclusions', key: ['principal_arn'] },
  { name: 'jobs', key: ['id'], serial: 'id' },
  { name: 'data_keys', key: ['ref'] },
];

const BATCH = 200;

export interface TableProgress {
  table: string;
  copied: number;
  total: number;
}

type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

/** Rows of a table, in key order, a batch at a time. */
async function* batches(db: AnyDb, table: TableSpec): AsyncGenerator<Record<string, unknown>[]> {
  for (let offset = 0; ; offset += BATCH) {
    let query = db.selectFrom(table.name).selectAll();
    for (const column of table.key) query = query.orderBy(column);
    const rows = await query.limit(BATCH).offset(offset).execute();
    if (rows.length > 0) yield rows;
    if (rows.length < BATCH) return;
  }
}

/** A job is re-claimable on the new installation: leases held by the old nodes are dropped. */
function prepare(table: TableSpec, row: Record<string, unknown>): Record<string, unknown> {
  if (table.name === 'jobs') return { ...row, lease_owner: null, lease_until: null };
  return row;
}

export async function copyMetadata(
  source: Kysely<Database>,
  target: Kysely<Database>,
  targetDialect: Dialect,
  onProgress: (progress: TableProgress) => void,
): Promise<number> {
  const from = source as unknown as AnyDb;
  const to = target as unknown as AnyDb;
  let copied = 0;
  for (const table of COPIED_TABLES) {
    const { count } = await from.selectFrom(table.name).select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
    const total = Number(count);
    let done = 0;
    onProgress({ table: table.name, copied: 0, total });
    for await (const rows of batches(from, table)) {
      await to
        .insertInto(table.name)
        .values(rows.map((row) => prepare(table, row)))
        .onConflict((oc) => oc.columns(table.key).doNothing())
        .execute();
      done += rows.length;
      onProgress({ table: table.name, copied: done, total });
    }
    copied += done;
    if (table.serial && targetDialect === 'postgres') {
      // Explicit ids leave the sequence behind; new rows must not collide with copied ones.
      await sql`SELECT setval(pg_get_serial_sequence(${table.name}, ${table.serial}), GREATEST((SELECT MAX(${sql.ref(table.serial)}) FROM ${sql.table(table.name)}), 1))`.execute(target);
    }
  }
  return copied;
}
