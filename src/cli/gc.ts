// `wharf gc [--dry-run] [--grace D] [--untagged-older-than D]`: online garbage collection now,
// straight on the data directory or database (safe while servers run: see src/gc/collector.ts).
// Progress goes to stderr; the report to stdout as JSON, and it stays readable later through
// `wharf gc --history`.
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { parseDuration } from '../config/duration.js';
import type { GcPhase, GcReport } from '../gc/index.js';
import { newCollector, openRuntime } from '../server/runtime.js';
import { formatBytes, Progress } from './progress.js';

interface GcFlags {
  dataDir?: string;
  database?: string;
  config?: string;
  dryRun?: boolean;
  grace?: string;
  untaggedOlderThan?: string;
  history?: boolean;
}

const PHASE_LABEL: Record<GcPhase, string> = {
  untagged: 'untagged images',
  links: 'unreferenced links',
  blobs: 'unlinked blobs',
  storage: 'stored objects',
};

function summary(report: GcReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  return (
    `garbage collection ${report.dryRun ? '(dry run) ' : ''}${verb} ${report.blobsDeleted} blobs and ${report.orphanObjectsDeleted} orphaned objects ` +
    `(${formatBytes(report.bytesFreed)}), ${report.linksRemoved} unreferenced links and ${report.untaggedImagesDeleted} untagged images ` +
    `in ${((report.finishedAt - report.startedAt) / 1000).toFixed(1)} s (report ${report.id})`
  );
}

async function run(flags: GcFlags): Promise<void> {
  const config = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
  const runtime = await openRuntime(config);
  let output: unknown;
  try {
    const collector = newCollector(runtime);
    if (flags.history) {
      output = await collector.history();
    } else {
      const progress = new Progress();
      const counted = new Map<GcPhase, number>();
      const report = await collector.run({
        dryRun: flags.dryRun === true,
        graceMs: flags.grace !== undefined ? parseDuration(flags.grace) : config.gcGrace,
        untaggedOlderThanMs: flags.untaggedOlderThan !== undefined ? parseDuration(flags.untaggedOlderThan) : (config.gcUntaggedAfter ?? null),
        onProgress: (phase, done, total) => {
          counted.set(phase, done);
          if (total !== null) progress.update(PHASE_LABEL[phase], done, total);
        },
      });
      for (const phase of ['links', 'storage'] as const) if (counted.has(phase)) progress.say(`checked ${counted.get(phase)} ${PHASE_LABEL[phase]}`);
      progress.say(summary(report));
      output = report;
    }
  } finally {
    await runtime.close();
  }
  process.stdout.write(JSON.stringify(output, null, 2) + '\n');
  // Leave through process.exit, as the other commands do (better-sqlite3 12 on Node 24).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(0);
}

export function gcCommand(): Command {
  return new Command('gc')
    .description('delete blobs no image references (online: pushes and pulls may go on)')
    .option('--dry-run', 'report what would be removed and how much space, and remove nothing')
    .option('--grace <duration>', 'leave links younger than this (default: gcGrace, 1h)')
    .option('--untagged-older-than <duration>', 'also delete untagged images pushed longer ago than this')
    .option('--history', 'print the reports of past runs instead of running')
    .option('--data-dir <dir>', 'data directory (default ./data)')
    .option('--database <url>', 'metadata database')
    .option('--config <file>', 'settings file')
    .action((flags: GcFlags) => run(flags));
}
