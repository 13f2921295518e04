// `wharf migrate`: moves an installation (typically the single-machine SQLite + disk default) to
// another metadata database and blob store (typically PostgreSQL + S3 for several nodes), then
// re-checks every manifest and blob digest on the target. Run it with the source's servers
// stopped (or read-only); it can be re-run to finish an interrupted move.
import type { Config } from '../config/index.js';
import { openMeta } from '../server/runtime.js';
import { NodeBlobStores } from '../server/blob-stores.js';
import type { KeyRing } from '../storage/index.js';
import { Progress, formatBytes } from '../cli/progress.js';
import { copyMetadata } from './metadata.js';
import { copyBlobs, linkedBlobs, RawScopes } from './blobs.js';
import { verifyInstallation, type VerifyReport } from './verify.js';

export interface MigrateOptions {
  source: Config;
  target: Config;
  /** The source's encryption keys; the target's nodes must be given the same ones. */
  keys: KeyRing;
  verifyOnly: boolean;
  progress: Progress;
}

export interface MigrateResult {
  rows: number;
  blobsCopied: number;
  blobsSkipped: number;
  bytesCopied: number;
  verification: VerifyReport;
}

async function registryIdOf(meta: Awaited<ReturnType<typeof openMeta>>): Promise<string | null> {
  const row = await meta.db.selectFrom('settings').select('value').where('key', '=', 'registry_id').executeTakeFirst();
  return row?.value ?? null;
}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { progress } = options;
  const source = await openMeta(options.source);
  const target = await openMeta(options.target);
  const sourceScopes = new RawScopes(options.source);
  const targetScopes = new RawScopes(options.target);
  let stores: NodeBlobStores | null = null;
  try {
    const result: MigrateResult = { rows: 0, blobsCopied: 0, blobsSkipped: 0, bytesCopied: 0, verification: { manifests: 0, blobs: 0, bytes: 0, problems: [] } };
    if (!options.verifyOnly) {
      const [from, to] = await Promise.all([registryIdOf(source), registryIdOf(target)]);
      if (to !== null && to !== from) throw new Error(`the target database already holds another registry (${to}); migrate into an empty one`);
      result.rows = await copyMetadata(source.db, target.db, target.dialect, (p) => progress.update(`metadata ${p.table.padEnd(20)}`, p.copied, p.total));
      const blobs = await linkedBlobs(source.db);
      const copied = await copyBlobs(blobs, sourceScopes, targetScopes, (p) => progress.update('blobs', p.done, p.total, `${formatBytes(p.bytes)} copied, ${p.skipped} already there`));
      if (copied.missing.length > 0) {
        progress.say(`warning: ${copied.missing.length} linked blob(s) were missing in the source and were not copied: ${copied.missing.slice(0, 5).map((b) => b.digest).join(', ')}`);
      }
      Object.assign(result, { blobsCopied: copied.copied, blobsSkipped: copied.skipped, bytesCopied: copied.bytes });
    }
    stores = await NodeBlobStores.open({ config: options.target, db: target.db, keys: options.keys, encryptByDefault: false });
    result.verification = await verifyInstallation(target.db, stores, (p) => progress.update(`verify ${p.stage.padEnd(9)}`, p.done, p.total));
    return result;
  } finally {
    stores?.close();
    await sourceScopes.close();
    await targetScopes.close();
    await source.close();
    await target.close();
  }
}
