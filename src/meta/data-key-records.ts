// The wrapped data keys of encrypted blob stores (storage/encryption) in the metadata database, so
// every node sees the same keys. Each store has a scope, a ref prefix of its own, so several stores
// (each with its own master key) share the table without seeing one another's rows.
import { sql, type Kysely } from 'kysely';
import type { DataKeyRecords, WrappedKey } from '../storage/index.js';
import type { Database, DataKeysTable } from './schema.js';

const PAGE = 500;
/** Printable ASCII: a character count is then the same in JavaScript, SQLite and PostgreSQL. */
const SCOPE_RE = /^[\x21-\x7e]*$/;

function toKey(row: Pick<DataKeysTable, 'key_name' | 'key_version' | 'wrapped'>): WrappedKey {
  return { keyName: row.key_name, version: Number(row.key_version), wrapped: Buffer.from(row.wrapped, 'base64') };
}

export class SqlDataKeyRecords implements DataKeyRecords {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly scope = '',
  ) {
    if (!SCOPE_RE.test(scope)) throw new Error(`data key scope ${JSON.stringify(scope)} must be printable ASCII without spaces`);
  }

  async get(ref: string): Promise<WrappedKey | null> {
    const row = await this.db
      .selectFrom('data_keys')
      .select(['key_name', 'key_version', 'wrapped'])
      .where('ref', '=', this.scope + ref)
      .executeTakeFirst();
    return row ? toKey(row) : null;
  }

  async put(ref: string, key: WrappedKey): Promise<void> {
    const values = { key_name: key.keyName, key_version: key.version, wrapped: key.wrapped.toString('base64') };
    await this.db
      .insertInto('data_keys')
      .values({ ref: this.scope + ref, ...values, created_at: Date.now() })
      .onConflict((oc) => oc.column('ref').doUpdateSet(values))
      .execute();
  }

  async delete(ref: string): Promise<void> {
    await this.db.deleteFrom('data_keys').where('ref', '=', this.scope + ref).execute();
  }

  /** Pages through in ref order, so rows put or deleted meanwhile (re-wrapping does) never shift a page. */
  async *list(keyName: string): AsyncIterable<{ ref: string; key: WrappedKey }> {
    let after = '';
    for (;;) {
      let query = this.db
        .selectFrom('data_keys')
        .select(['ref', 'key_name', 'key_version', 'wrapped'])
        .where('key_name', '=', keyName)
        .where('ref', '>', after)
        .orderBy('ref')
        .limit(PAGE);
      // substr rather than LIKE: SQLite's LIKE ignores ASCII case, and a prefix range is not
      // contiguous under PostgreSQL's default collations.
      if (this.scope) query = query.where(sql<string>`substr(ref, 1, ${this.scope.length})`, '=', this.scope);
      const rows = await query.execute();
      for (const row of rows) yield { ref: row.ref.slice(this.scope.length), key: toKey(row) };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.ref;
    }
  }
}
