#!/usr/bin/env node
// The `wharf` command line.
import { Command, Option } from 'commander';
import { loadConfig } from './config/index.js';
import { serve } from './server/serve.js';
import { adminCommand } from './cli/admin.js';
import { migrateCommand } from './cli/migrate.js';
import { lifecycleCommand } from './cli/lifecycle.js';
import { gcCommand } from './cli/gc.js';
import { scanWorkerCommand } from './cli/scan-worker.js';
import { registerScanDbCommand } from './cli/scan-db.js';

const program = new Command()
  .name('wharf')
  .description('A self-hosted container registry that speaks OCI Distribution and the Amazon ECR API');

program
  .command('serve')
  .description('run the registry')
  .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:5000)')
  .option('--data-dir <dir>', 'directory for the database, blobs and keys (default ./data)')
  .option('--config <file>', 'YAML or JSON settings file')
  .option('--database <url>', 'metadata database (default: SQLite in the data directory)')
  .option('--region <region>', 'AWS region the registry answers as (default us-east-1)')
  .option('--registry-id <id>', '12-digit registry (account) id (default: generated once)')
  .option('--anonymous', 'serve without authentication (only for trials on trusted networks)')
  .option('--tls-cert <file>', 'PEM certificate chain')
  .option('--tls-key <file>', 'PEM private key')
  .option('--tls-self-signed', 'serve HTTPS with a generated self-signed certificate')
  .option('--upload-ttl <duration>', 'remove upload sessions idle this long (default 24h)')
  .option('--no-fsync', 'do not fsync blobs and commits (faster; acknowledged pushes may be lost on power loss)')
  .option('--max-manifest-bytes <n>', 'largest manifest accepted (default 4194304)')
  .option('--workers <n>', 'worker processes (default 1)')
  .option('--lifecycle-interval <duration>', "run every repository's lifecycle policy this often (default 24h)")
  .option('--gc-interval <duration>', 'run garbage collection this often (default 24h)')
  .option('--gc-grace <duration>', 'never collect blob links younger than this (default 1h)')
  .option('--no-scan-jobs', 'leave image scans to `wharf scan-worker` processes')
  .option('--job-lease <duration>', 'claim on a background job, taken over this long after its node died (default 60s)')
  .option('--trusted-proxies <cidrs>', 'proxies whose X-Forwarded-For is believed (comma-separated)')
  .option('--auth-failure-limit <n>', 'failed authentications per source address per minute (default 30)')
  .option('--sts-min-session-seconds <n>', 'shortest AssumeRole session (default 900; lower only for tests)')
  .addOption(new Option('--storage <kind>', 'where blob bytes live (default filesystem)').choices(['filesystem', 's3']))
  .option('--s3-bucket <bucket>', 'bucket for --storage s3')
  .option('--s3-prefix <prefix>', 'key prefix inside the bucket')
  .option('--s3-endpoint <url>', 'S3-compatible server (default: AWS)')
  .option('--s3-region <region>', 'bucket region (default: --region)')
  .option('--s3-force-path-style', 'address the bucket in the path, not the host name')
  .option('--encrypt-at-rest', 'encrypt the blobs of AES256 (default) repositories under the registry key')
  .option('--blob-redirect', 'answer blob GETs with a redirect to a short-lived presigned URL (s3)')
  .option('--blob-redirect-ttl <duration>', 'how long redirect URLs stay valid (default 5m)')
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
  .action(async (flags: Record<string, unknown>) => {
    const { config: file, fsync, scanJobs, ...rest } = flags;
    // commander sets fsync=true (scanJobs=true) by default for --no-fsync (--no-scan-jobs); only
    // pass them on when the flag was given, so the file and environment still decide otherwise.
    const config = loadConfig({
      file: file as string | undefined,
      flags: { ...rest, ...(fsync === false ? { fsync: false } : {}), ...(scanJobs === false ? { scanJobs: false } : {}) },
    });
    await serve(config);
  });

program.addCommand(adminCommand());
program.addCommand(migrateCommand());
program.addCommand(lifecycleCommand());
program.addCommand(gcCommand());
program.addCommand(scanWorkerCommand());
registerScanDbCommand(program);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`wharf: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
