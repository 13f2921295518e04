// Long-term access keys of users: at most two each, Active or Inactive, secrets sealed at rest.
import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { IamError } from './errors.js';
import { newId, newSecret } from './ids.js';
import type { AccessKey, AccessKeyMetadata, MasterKey } from './keys.js';
import { MAX_KEYS_PER_USER } from './keys.js';

export class AccessKeyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly master: MasterKey,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userName: string): Promise<AccessKey> {
    const existing = await this.db.selectFrom('access_keys').select('access_key_id').where('user_name', '=', userName).execute();
    if (existing.length >= MAX_KEYS_PER_USER) {
      throw new IamError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`);
    }
    const key: AccessKey = { accessKeyId: newId('AKIA'), secretAccessKey: newSecret(), userName };
    await this.db
      .insertInto('access_keys')
      .values({ access_key_id: key.accessKeyId, user_name: userName, secret_sealed: this.master.seal(key.secretAccessKey), status: 'Active', created_at: this.now() })
      .execute();
    return key;
  }

  async list(userName: string): Promise<AccessKeyMetadata[]> {
    const rows = await this.db.selectFrom('access_keys').selectAll().where('user_name', '=', userName).orderBy('created_at').execute();
    return rows.map((r) => ({ accessKeyId: r.access_key_id, userName: r.user_name, status: r.status, createDate: new Date(Number(r.created_at)) }));
  }

  async setStatus(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void> {
    const result = await this.db.updateTable('access_keys').set({ status }).where('access_key_id', '=', accessKeyId).where('user_name', '=', userName).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new IamError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
  }

  async delete(userName: string, accessKeyId: string): Promise<void> {
    const result = await this.db.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).where('user_name', '=', userName).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new IamError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('access_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The owner and plain secret of an active key, for SigV4 and token checks; null otherwise. */
  async activeSecret(accessKeyId: string): Promise<{ userName: string; secretAccessKey: string } | null> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    if (!row || row.status !== 'Active') return null;
    return { userName: row.user_name, secretAccessKey: this.master.unseal(row.secret_sealed) };
  }

  /** The key's owner when `secret` is right and the key active; constant-time on the secret. */
  async verify(accessKeyId: string, secret: string): Promise<string | null> {
    const active = await this.activeSecret(accessKeyId);
    if (!active) return null;
    const expected = Buffer.from(active.secretAccessKey);
    const given = Buffer.from(secret);
    return expected.length === given.length && timingSafeEqual(expected, given) ? active.userName : null;
  }
}
