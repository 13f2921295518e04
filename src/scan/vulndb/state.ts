// What the rest of Wharf asks about the vulnerability database as a whole, kept in settings rows:
// how fresh its source is (ECR's vulnerabilitySourceUpdatedAt) and a generation that moves
// whenever findings could have changed (continuous scanning re-evaluates stored inventories then).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../meta/index.js';
import { vulnDb } from './schema.js';

const UPDATED_AT = 'scan-db:updated-at';
const GENERATION = 'scan-db:generation';

async function setting(db: Kysely<Database>, key: string): Promise<number | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row ? Number(row.value) : null;
}

/** The newest `modified` time of any record imported (epoch ms), or null before the first import. */
export function vulnerabilitySourceUpdatedAt(db: Kysely<Database>): Promise<number | null> {
  return setting(db, UPDATED_AT);
}

export async function vulnerabilityDbGeneration(db: Kysely<Database>): Promise<number> {
  return (await setting(db, GENERATION)) ?? 0;
}

/**
 * The first statement of each import transaction. Being a write, it also makes SQLite take the
 * write lock before the transaction reads anything, so the transaction never has to upgrade a
 * read snapshot another writer has meanwhile made stale (which fails at once, without waiting).
 */
export async function beginImportTransaction(trx: Kysely<Database>): Promise<void> {
  await trx.insertInto('settings').values({ key: GENERATION, value: '0' }).onConflict((oc) => oc.column('key').doNothing()).execute();
}

/** In the transaction that changed rows, so no reader sees new rows under an old generation. */
export async function bumpGeneration(trx: Kysely<Database>): Promise<void> {
  await trx
    .updateTable('settings')
    .set({ value: sql<string>`cast(cast(${sql.ref('value')} as bigint) + 1 as text)` })
    .where('key', '=', GENERATION)
    .execute();
}

/** Moves the source update time forward to `modified`, never back (an older file may be imported later). */
export async function advanceSourceUpdatedAt(trx: Kysely<Database>, modified: number): Promise<void> {
  await trx
    .insertInto('settings')
    .values({ key: UPDATED_AT, value: String(modified) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(modified) }).where(sql`cast(${sql.ref('settings.value')} as bigint)`, '<', modified))
    .execute();
}

export interface VulnerabilityDbStatus {
  vulnerabilities: number;
  withdrawn: number;
  packageEntries: number;
  sourceUpdatedAt: number | null;
  generation: number;
}

export async function vulnerabilityDbStatus(db: Kysely<Database>): Promise<VulnerabilityDbStatus> {
  const vdb = vulnDb(db);
  const records = await vdb
    .selectFrom('vulnerabilities')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('withdrawn').as('withdrawn')])
    .executeTakeFirstOrThrow();
  const packages = await vdb.selectFrom('vulnerable_packages').select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  return {
    vulnerabilities: Number(records.total) - Number(records.withdrawn),
    withdrawn: Number(records.withdrawn),
    packageEntries: Number(packages.total),
    sourceUpdatedAt: await vulnerabilitySourceUpdatedAt(db),
    generation: await vulnerabilityDbGeneration(db),
  };
}
