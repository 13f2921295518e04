// Opens everything a node needs from its configuration: metadata, blob store, access control and
// the registry services. Used by `serve` and by the offline commands alike.
import { mkdir } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { AnonymousAccess, type AccessControl } from '../access/index.js';
import { LAYER_URL_KEY_PURPOSE } from '../ecr/download-urls.js';
import { AccessKeyStore, Directory, FailureLimiter, IamAccessControl, LoginTokens, MasterKey, RoleSessions } from '../iam/index.js';
import { openPostgres, openSqlite, type MetaDatabase } from '../meta/index.js';
import { createRegistry, type Registry } from '../registry/index.js';
import { KeyRing } from '../storage/index.js';
import { NodeBlobStores } from './blob-stores.js';
import { agreeOnMasterKey } from './key-agreement.js';
import { JobQueue } from '../jobs/index.js';
import { GarbageCollector } from '../gc/index.js';
import { ScanService } from '../scan/index.js';

export interface IamServices {
  directory: Directory;
  keys: AccessKeyStore;
  sessions: RoleSessions;
  tokens: LoginTokens;
  control: IamAccessControl;
  /** HMAC key of the signed layer URLs GetDownloadUrlForLayer hands out. */
  layerUrlKey: Buffer;
}

export interface Runtime {
  config: Config;
  meta: MetaDatabase;
  /** One blob store per storage scope; `stores.plain` answers readiness checks. */
  stores: NodeBlobStores;
  keyRing: KeyRing;
  registry: Registry;
  access: AccessControl;
  iam: IamServices;
  registryId: string;
  jobs: JobQueue;
  scans: ScanService;
  close(): Promise<void>;
}

export async function openMeta(config: Config): Promise<MetaDatabase> {
  if (config.database && /^postgres(ql)?:\/\//.test(config.database)) return openPostgres({ url: config.database, poolSize: 10 });
  if (config.database && !config.database.startsWith('sqlite:')) {
    throw new Error(`database ${config.database.split(':')[0]}: is not supported; use postgres://... or omit --database for SQLite in the data directory`);
  }
  const path = config.database ? config.database.replace(/^sqlite:(\/\/)?/, '') : join(config.dataDir, 'wharf.db');
  return openSqlite({ path, synchronous: config.fsync ? 'FULL' : 'NORMAL' });
}

/** The registry id is chosen once (or taken from config) and kept, so ARNs never change. */
async function settleRegistryId(meta: MetaDatabase, configured: string | undefined): Promise<string> {
  const existing = await meta.db.selectFrom('settings').select('value').where('key', '=', 'registry_id').executeTakeFirst();
  if (existing) return configured ?? existing.value;
  const generated = configured ?? String(randomInt(1, 10)) + Array.from({ length: 11 }, () => randomInt(10)).join('');
  await meta.db
    .insertInto('settings')
    .values({ key: 'registry_id', value: generated })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const settled = await meta.db.selectFrom('settings').select('value').where('key', '=', 'registry_id').executeTakeFirstOrThrow();
  return configured ?? settled.value;
}

/** The key ring file (unless WHARF_ENCRYPTION_KEYS holds the keys). */
export function encryptionKeyFile(config: Config): string {
  return join(config.dataDir, 'encryption-keys.json');
}

export async function openRuntime(config: Config): Promise<Runtime> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const meta = await openMeta(config);
  const keyRing = await KeyRing.open({ path: encryptionKeyFile(config) });
  const stores = await NodeBlobStores.open({ config, db: meta.db, keys: keyRing, encryptByDefault: config.encryptAtRest });
  const registryId = await settleRegistryId(meta, config.registryId);
  const master = await MasterKey.load(join(config.dataDir, 'master.key'), process.env.WHARF_MASTER_KEY);
  await agreeOnMasterKey(meta.db, master);
  const directory = new Directory(meta.db, registryId);
  const keys = new AccessKeyStore(meta.db, master);
  const sessions = new RoleSessions(meta.db, master);
  const tokens = new LoginTokens(master.derive('login-token-v1'));
  const control = new IamAccessControl({
    db: meta.db,
    directory,
    keys,
    sessions,
    tokens,
    limiter: new FailureLimiter(config.authFailureLimit, 60_000),
    accountId: registryId,
    region: config.region,
    externalChangeCounter: meta.externalChangeCounter,
  });
  const access = config.anonymous ? new AnonymousAccess() : control;
  const registry = createRegistry({
    meta,
    stores,
    maxManifestBytes: config.maxManifestBytes,
    blobRedirectSeconds: config.blobRedirect ? Math.ceil(config.blobRedirectTtl / 1000) : null,
    manifestCacheEntries: config.manifestCacheEntries,
    gcGraceMs: config.gcGrace,
  });
  const jobs = new JobQueue(meta.db);
  const scans = new ScanService({
    db: meta.db,
    registry,
    jobs,
    repositoryArn: (name) => control.repositoryArn(name),
    sbomReferrers: config.scanSbomReferrers,
    limits: { maxDecompressedBytes: config.scanMaxDecompressedBytes, maxEntries: config.scanMaxEntries, maxFileBytes: config.scanMaxFileBytes },
  });
  registry.hooks.manifestStored = (repository, digest, isReferrer) => scans.onPush(repository, digest, isReferrer);
  registry.hooks.beforePull = (repository, digest) => scans.assertPullAllowed(repository, digest);
  return { config, meta, stores, keyRing, registry, access, iam: { directory, keys, sessions, tokens, control, layerUrlKey: master.derive(LAYER_URL_KEY_PURPOSE) }, registryId, jobs, scans, close: async () => {
    stores.close();
    await meta.close();
  } };
}

/** The garbage collector of this runtime's registry (used by `serve`'s job and `wharf gc`). */
export function newCollector(runtime: Runtime): GarbageCollector {
  return new GarbageCollector({ db: runtime.meta.db, dialect: runtime.meta.dialect, stores: runtime.stores, manifests: runtime.registry.manifests });
}
