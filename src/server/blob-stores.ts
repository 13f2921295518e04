// The blob stores of one node: the plain store, and one encrypting store per master key, each in a
// subdirectory (key prefix) of its own with its data keys under a scope of their own, so identical
// layers pushed to repositories with different keys are stored, and readable, once per key.
//
//   <root>/blobs/..., <root>/uploads/...                       plain scope ('')
//   <root>/encrypted/<sha256(key name), 16 hex>/blobs/...      scope = key name (AES-256-GCM chunks)
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SqlDataKeyRecords, type Database } from '../meta/index.js';
import { RegistryError, type BlobStores } from '../registry/index.js';
import { agreeOnEncryptionKey } from './key-agreement.js';
import { DEFAULT_MASTER_KEY, EncryptedBlobStore, openBlobStore, type BlobStore, type KeyRing, type StorageConfig } from '../storage/index.js';

export interface NodeBlobStoresOptions {
  config: StorageConfig;
  db: Kysely<Database>;
  keys: KeyRing;
  /** Whether AES256 repositories (ECR's default) are encrypted by Wharf under DEFAULT_MASTER_KEY. */
  encryptByDefault: boolean;
}

export function scopeDirectory(keyName: string): string {
  return `encrypted/${createHash('sha256').update(keyName).digest('hex').slice(0, 16)}/`;
}

export class NodeBlobStores implements BlobStores {
  private readonly stores = new Map<string, BlobStore>();
  private readonly opening = new Map<string, Promise<BlobStore>>();
  private readonly closers: (() => void)[] = [];

  private constructor(private readonly options: NodeBlobStoresOptions) {}

  static async open(options: NodeBlobStoresOptions): Promise<NodeBlobStores> {
    const stores = new NodeBlobStores(options);
    const plain = await openBlobStore(options.config);
    stores.stores.set('', plain.store);
    stores.closers.push(plain.close);
    // Open every scope in use now, so forScope() never waits and a missing key fails at start.
    for (const scope of await stores.scopesInUse()) await stores.ensure(scope);
    if (options.encryptByDefault) await stores.ensure(DEFAULT_MASTER_KEY);
    return stores;
  }

  get plain(): BlobStore {
    return this.stores.get('')!;
  }

  get minChunkLength(): number {
    return this.plain.minChunkLength;
  }

  private async ensure(scope: string): Promise<BlobStore> {
    const existing = this.stores.get(scope);
    if (existing) return existing;
    const opening = this.opening.get(scope);
    if (opening) return opening;
    const opened = this.openScope(scope).finally(() => this.opening.delete(scope));
    this.opening.set(scope, opened);
    return opened;
  }

  private async openScope(scope: string): Promise<BlobStore> {
    if (!this.options.keys.has(scope)) await this.options.keys.reload();
    if (!this.options.keys.has(scope)) throw new Error(`repositories are encrypted under master key ${JSON.stringify(scope)}, which the key ring does not hold`);
    await agreeOnEncryptionKey(this.options.db, this.options.keys, scope);
    const directory = scopeDirectory(scope);
    const inner = await openBlobStore(this.options.config, directory);
    this.closers.push(inner.close);
    const store = new EncryptedBlobStore({ inner: inner.store, keys: this.options.keys, keyName: scope, dataKeys: new SqlDataKeyRecords(this.options.db, directory) });
    this.stores.set(scope, store);
    return store;
  }

  /** A scope first used since start (a repository created with a new key, here or on another node) opens now. */
  forScope(scope: string): Promise<BlobStore> {
    return this.ensure(scope);
  }

  async scopeFor(encryption: { encryptionType: string; kmsKey: string | null }): Promise<string> {
    if (encryption.encryptionType === 'AES256') return this.options.encryptByDefault ? DEFAULT_MASTER_KEY : '';
    const key = encryption.kmsKey ?? DEFAULT_MASTER_KEY;
    // A key an administrator created since this node read the ring is found after a reload.
    if (!this.options.keys.has(key)) await this.options.keys.reload();
    if (!this.options.keys.has(key)) {
      throw new RegistryError('KMS_KEY_UNKNOWN', `KMS key ${key} was not found in the registry's key ring (create it with: wharf admin encryption-key create ${key})`, { kmsKey: key });
    }
    return key;
  }

  async scopesInUse(): Promise<string[]> {
    const rows = await this.options.db.selectFrom('repositories').select('storage_scope').distinct().execute();
    return [...new Set(['', ...rows.map((r) => r.storage_scope)])];
  }

  /** Re-wraps the data keys of the scope of master key `name` under its newest version. */
  async rewrap(name: string): Promise<number> {
    if (!(await this.scopesInUse()).includes(name)) return 0;
    const store = await this.ensure(name);
    return store instanceof EncryptedBlobStore ? store.rewrap() : 0;
  }

  close(): void {
    for (const close of this.closers) close();
  }
}
