// Access keys in the AWS shape (AKIA + 16, secret of 40). Secrets are sealed with AES-256-GCM under
// a master key kept outside the database, because SigV4 needs the plain secret back to verify.
import { createCipheriv, createDecipheriv, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
}

export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  /** From WHARF_MASTER_KEY (base64 of 32 bytes) or a 0600 file, created on first use. */
  static async load(file: string, fromEnv: string | undefined): Promise<MasterKey> {
    if (fromEnv) {
      const key = Buffer.from(fromEnv, 'base64');
      if (key.length !== 32) throw new Error('WHARF_MASTER_KEY must be 32 bytes, base64-encoded');
      return new MasterKey(key);
    }
    try {
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
      if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
      return new MasterKey(key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const key = randomBytes(32);
      await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      return new MasterKey(key);
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  unseal(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unknown sealed secret format');
    const authTag = Buffer.from(tag, 'base64');
    // A fixed 16-byte tag: GCM accepts shorter ones, which would make forgeries cheap.
    if (authTag.length !== 16) throw new Error('sealed secret has a truncated authentication tag');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

export class AccessKeyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly master: MasterKey,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userName: string): Promise<AccessKey> {
    const key: AccessKey = {
      accessKeyId: 'AKIA' + randomString(KEY_ID_ALPHABET, 16),
      secretAccessKey: randomString(SECRET_ALPHABET, 40),
      userName,
    };
    await this.db
      .insertInto('access_keys')
      .values({ access_key_id: key.accessKeyId, user_name: userName, secret_sealed: this.master.seal(key.secretAccessKey), status: 'Active', created_at: this.now() })
      .execute();
    return key;
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('access_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The key's owner when `secret` is right and the key active; constant-time on the secret. */
  async verify(accessKeyId: string, secret: string): Promise<string | null> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    if (!row || row.status !== 'Active') return null;
    const expected = Buffer.from(this.master.unseal(row.secret_sealed));
    const given = Buffer.from(secret);
    return expected.length === given.length && timingSafeEqual(expected, given) ? row.user_name : null;
  }
}

export interface BootstrapResult {
  created: boolean;
  accessKeyId?: string;
}

/**
 * On an empty database, creates the administrator's key and writes it to `file` (0600). A second
 * node on the same database finds keys already there and creates nothing.
 */
export async function bootstrapAdmin(store: AccessKeyStore, file: string, extra: Record<string, string>): Promise<BootstrapResult> {
  if ((await store.count()) > 0) return { created: false };
  const key = await store.create('admin');
  const body = JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, ...extra }, null, 2);
  await writeFile(file, body + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return { created: true, accessKeyId: key.accessKeyId };
}
