// `wharf scan-db import PATH...`: loads OSV records (.json files, directories of them, OSV's zip
// archives) into the vulnerability database, straight on the data directory (safe while servers
// run). Progress goes to stderr, the summary to stdout as JSON. `wharf scan-db status` tells how
// fresh the database is; `wharf scan-db match INVENTORY.json` shows what an inventory matches.
import { mkdir, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { loadConfig } from '../config/index.js';
import type { Database } from '../meta/index.js';
import type { Inventory } from '../scan/types.js';
import { findVulnerabilities, importOsv, vulnerabilityDbStatus, type ImportCounts } from '../scan/vulndb/index.js';
import { openMeta } from '../server/runtime.js';
import { JobQueue } from '../jobs/index.js';
import { SCAN_REMATCH_JOB } from '../scan/index.js';
import { Progress } from './progress.js';

interface DatabaseFlags {
  dataDir?: string;
  database?: string;
  config?: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

async function withDatabase<T>(flags: DatabaseFlags, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const config = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const meta = await openMeta(config);
  try {
    return await work(meta.db);
  } finally {
    await meta.close();
  }
}

/** Leave through exit, as `serve` and `admin` do (better-sqlite3 on Node 24 at natural exit), output flushed. */
async function finish(output: unknown, code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(output, null, 2) + '\n', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

function describeCounts(counts: Readonly<ImportCounts>): string {
  return `records ${counts.records}: imported ${counts.imported}, unchanged ${counts.unchanged}, outdated ${counts.outdated}, rejected ${counts.rejected}`;
}

async function runImport(paths: string[], flags: DatabaseFlags): Promise<void> {
  const progress = new Progress();
  const started = Date.now();
  const report = await withDatabase(flags, async (db) => {
    const imported = await importOsv(db, paths, { onProgress: (counts, total) => progress.update('scan-db import', counts.documents, total, describeCounts(counts)) });
    // Continuous scanning re-matches stored inventories now rather than at its next period.
    if (imported.changed) await new JobQueue(db).runNow(SCAN_REMATCH_JOB);
    return imported;
  });
  for (const { origin, reason } of report.rejectionExamples) progress.say(`rejected ${origin}: ${reason}`);
  progress.say(`${describeCounts(report)}; ${report.withdrawn} withdrawn; generation ${report.generation}${report.changed ? ' (changed)' : ''}`);
  const accepted = report.imported + report.unchanged + report.outdated;
  await finish(
    { ...report, sourceUpdatedAt: iso(report.sourceUpdatedAt), seconds: Math.round((Date.now() - started) / 100) / 10 },
    accepted === 0 && report.rejected > 0 ? 1 : 0,
  );
}

const InventorySchema = z.object({
  os: z
    .object({
      id: z.string(),
      versionId: z.string().optional(),
      versionCodename: z.string().optional(),
      prettyName: z.string().optional(),
      idLike: z.array(z.string()).default([]),
    })
    .optional(),
  packages: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      ecosystem: z.string(),
      kind: z.enum(['os', 'language']),
      sourceName: z.string().optional(),
      sourceVersion: z.string().optional(),
      path: z.string(),
      purl: z.string(),
      arch: z.string().optional(),
      licenses: z.array(z.string()).optional(),
    }),
  ),
}) satisfies z.ZodType<Inventory>;

async function runMatch(file: string, flags: DatabaseFlags): Promise<void> {
  const parsed = InventorySchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: not an inventory: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const findings = await withDatabase(flags, (db) => findVulnerabilities(db, parsed.data));
  await finish(findings, 0);
}

async function runStatus(flags: DatabaseFlags): Promise<void> {
  const status = await withDatabase(flags, vulnerabilityDbStatus);
  await finish({ ...status, sourceUpdatedAt: iso(status.sourceUpdatedAt) }, 0);
}

function withDatabaseOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory (default ./data)')
    .option('--database <url>', 'metadata database')
    .option('--config <file>', 'settings file');
}

export function registerScanDbCommand(program: Command): void {
  const scanDb = program.command('scan-db').description('the vulnerability database images are scanned against');
  withDatabaseOptions(
    scanDb
      .command('import')
      .description('import OSV records: .json files (a record or an array), directories of them, OSV zip archives (all.zip)')
      .argument('<paths...>', 'files or directories'),
  ).action((paths: string[], flags: DatabaseFlags) => runImport(paths, flags));
  withDatabaseOptions(scanDb.command('status').description('how many records the database holds and how fresh they are')).action((flags: DatabaseFlags) =>
    runStatus(flags),
  );
  withDatabaseOptions(
    scanDb
      .command('match')
      .description('print the findings of a package inventory (JSON: {os, packages}) against the database')
      .argument('<inventory>', 'inventory file'),
  ).action((file: string, flags: DatabaseFlags) => runMatch(file, flags));
}
