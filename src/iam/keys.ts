// Access keys in the AWS shape (AKIA + 16, secret of 40). Secrets are sealed with AES-256-GCM under
// a master key kept outside the database, because SigV4 needs the plain secret back to verify.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

export const MAX_KEYS_PER_USER = 2;

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
}

export interface AccessKeyMetadata {
  accessKeyId: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
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
      try {
        await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (raced) {
        // Another process created it first: use theirs.
        if ((raced as NodeJS.ErrnoException).code === 'EEXIST') return MasterKey.load(file, undefined);
        throw raced;
      }
      return new MasterKey(key);
    }
  }

  /** A key for one purpose (token MACs, ...), so no two uses ever share key material. */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`wharf:${purpose}`).digest();
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
