// `wharf migrate --to-config FILE`: the source is the installation the usual flags describe
// (--data-dir, --database, --config and WHARF_* variables); the target is described by FILE alone,
// so the environment of the source never leaks into it.
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { encryptionKeyFile } from '../server/runtime.js';
import { KeyRing } from '../storage/index.js';
import { migrate } from '../transfer/index.js';
import { formatBytes, Progress } from './progress.js';

interface MigrateFlags {
  dataDir?: string;
  database?: string;
  config?: string;
  toConfig: string;
  verifyOnly?: boolean;
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('copy this installation (metadata and blobs) to another database and blob store, then verify every digest there')
    .requiredOption('--to-config <file>', 'settings file of the target: database, storage, s3Bucket, s3Endpoint, ...')
    .option('--data-dir <dir>', 'source data directory (default ./data)')
    .option('--database <url>', 'source metadata database')
    .option('--config <file>', 'source settings file')
    .option('--verify-only', 'only re-check every manifest and blob digest of the target')
    .action(async (flags: MigrateFlags) => {
      const source = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
      const target = loadConfig({ file: flags.toConfig, env: {} });
      if (!flags.verifyOnly && source.storage === target.storage && source.dataDir === target.dataDir && source.s3Bucket === target.s3Bucket && source.s3Prefix === target.s3Prefix) {
        throw new Error('the target stores blobs in the same place as the source');
      }
      const progress = new Progress();
      const keys = await KeyRing.open({ path: encryptionKeyFile(source) });
      const started = Date.now();
      const result = await migrate({ source, target, keys, verifyOnly: flags.verifyOnly === true, progress });
      const { verification } = result;
      const summary = {
        rowsCopied: result.rows,
        blobsCopied: result.blobsCopied,
        blobsAlreadyThere: result.blobsSkipped,
        bytesCopied: result.bytesCopied,
        verified: { manifests: verification.manifests, blobs: verification.blobs, bytes: verification.bytes },
        problems: verification.problems,
        seconds: Math.round((Date.now() - started) / 100) / 10,
      };
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      if (verification.problems.length > 0) {
        progress.say(`verification found ${verification.problems.length} problem(s)`);
        await exitWhenFlushed(1);
      }
      progress.say(
        `verified ${verification.manifests} manifests and ${verification.blobs} blobs (${formatBytes(verification.bytes)}).` +
          (flags.verifyOnly ? '' : ' Give the new nodes this installation\'s keys: WHARF_MASTER_KEY = the contents of master.key, WHARF_ENCRYPTION_KEYS = the contents of encryption-keys.json (when it exists), and the same registryId.'),
      );
      await exitWhenFlushed(0);
    });
}

/** As `serve` and `admin`: leave through exit (better-sqlite3 on Node 24 at natural exit), output flushed. */
async function exitWhenFlushed(code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}
