// `wharf scan-worker`: a process that only runs image scans from the shared job queue, so scanning
// can live on other machines (or cgroups) than the servers; start servers with `--no-scan-jobs`
// (scanJobs: false) to leave every scan to workers. Stops on SIGTERM/SIGINT after the scan at hand.
import { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../config/index.js';
import { JobRunner } from '../jobs/index.js';
import { scanJobHandlers } from '../scan/index.js';
import { openRuntime } from '../server/runtime.js';

interface WorkerFlags {
  dataDir?: string;
  database?: string;
  config?: string;
}

async function run(flags: WorkerFlags): Promise<void> {
  const config = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
  const logger = pino({ level: config.logLevel, base: { pid: process.pid, role: 'scan-worker' } });
  const runtime = await openRuntime(config);
  runtime.scans.logTo(logger);
  const runner = new JobRunner(runtime.jobs, scanJobHandlers(runtime.scans), logger, { pollMs: 250, leaseMs: config.jobLease });
  runner.start();
  logger.info({ owner: runner.owner }, 'scan worker started');
  const stop = async (signal: string) => {
    logger.info({ signal }, 'scan worker stopping');
    await runner.stop();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function scanWorkerCommand(): Command {
  return new Command('scan-worker')
    .description('run image scans from the job queue (beside or instead of the servers)')
    .option('--data-dir <dir>', 'data directory (default ./data)')
    .option('--database <url>', 'metadata database')
    .option('--config <file>', 'settings file')
    .action((flags: WorkerFlags) => run(flags));
}
