// `wharf lifecycle run [--dry-run] [--repository NAME]`: runs lifecycle policies now, straight on
// the data directory (safe while servers run; the servers also run them every lifecycleInterval).
// Prints what was expired (or, with --dry-run, what would be) as JSON, for scripts; exits 1 when a
// repository's policy could not be run (it is reported with an `error`).
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { LifecyclePolicyError, LifecycleService, type LifecycleRunReport } from '../lifecycle/index.js';
import { isValidName } from '../registry/index.js';
import { openRuntime } from '../server/runtime.js';

interface RunFlags {
  dataDir?: string;
  database?: string;
  config?: string;
  dryRun?: boolean;
  repository?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function reportJson(report: LifecycleRunReport): Record<string, unknown> {
  return {
    repository: report.repository,
    hasPolicy: report.hasPolicy,
    expired: report.expired.map((e) => ({ ...e, imagePushedAt: iso(e.imagePushedAt) })),
    skipped: report.skipped,
  };
}

async function run(flags: RunFlags): Promise<void> {
  if (flags.repository !== undefined && !isValidName(flags.repository)) throw new Error(`${flags.repository}: not a valid repository name`);
  const config = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
  const runtime = await openRuntime(config);
  let output: Record<string, unknown>;
  let failed = false;
  try {
    const lifecycle = new LifecycleService({ db: runtime.meta.db, registry: runtime.registry, repositoryArn: (name) => runtime.iam.control.repositoryArn(name) });
    if (flags.repository !== undefined && !(await runtime.registry.repositories.exists(flags.repository))) {
      throw new Error(`repository ${flags.repository} does not exist`);
    }
    const names = flags.repository !== undefined ? [flags.repository] : await lifecycle.repositoriesWithPolicy();
    const repositories: Record<string, unknown>[] = [];
    let expiredImageCount = 0;
    for (const name of names) {
      try {
        const report = await lifecycle.run(name, { dryRun: flags.dryRun === true });
        expiredImageCount += report.expired.length;
        repositories.push(reportJson(report));
      } catch (error) {
        // One repository's invalid policy (stored by an older version) does not stop the others.
        if (!(error instanceof LifecyclePolicyError)) throw error;
        failed = true;
        repositories.push({ repository: name, hasPolicy: true, error: error.message });
      }
    }
    output = { dryRun: flags.dryRun === true, expiredImageCount, repositories };
  } finally {
    await runtime.close();
  }
  process.stdout.write(JSON.stringify(output, null, 2) + '\n');
  // Leave through process.exit, as `serve` and `admin` do: better-sqlite3 12 on Node 24 can abort
  // when its statements are finalized during a natural exit's teardown.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(failed ? 1 : 0);
}

export function lifecycleCommand(): Command {
  const lifecycle = new Command('lifecycle').description('lifecycle policies');
  lifecycle
    .command('run')
    .description('expire the images lifecycle policies select, now (every repository with a policy, or one)')
    .option('--dry-run', 'print what would be expired and delete nothing')
    .option('--repository <name>', 'only this repository')
    .option('--data-dir <dir>', 'data directory (default ./data)')
    .option('--database <url>', 'metadata database')
    .option('--config <file>', 'settings file')
    .action((flags: RunFlags) => run(flags));
  return lifecycle;
}
