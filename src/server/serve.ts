// `wharf serve`: one process, or a primary that prepares the data directory and forks workers that
// share the listening socket. Shutdown is graceful: stop accepting, let in-flight requests finish
// (bounded by shutdownTimeout), then close the database. Upload sessions live in the database and
// the store, so they survive a restart.
import cluster from 'node:cluster';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';
import { bootstrapAdmin } from '../iam/index.js';
import { DEFAULT_SETTINGS, RegistryError, ROOT_PREFIX } from '../registry/index.js';
import { buildApp } from './app.js';
import { JobRunner, type JobHandler } from '../jobs/index.js';
import { LIFECYCLE_RUN_ALL_JOB, LifecycleService, lifecycleJobHandlers } from '../lifecycle/index.js';
import { newCollector, openRuntime, type Runtime } from './runtime.js';
import { GC_RUN_JOB, gcJobHandlers } from '../gc/index.js';
import { REMATCH_PERIOD_MS, SCAN_REMATCH_JOB, scanJobHandlers } from '../scan/index.js';
import { loadTls } from './tls.js';

function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listen.slice(colon + 1)) };
}

function baseUrl(tls: boolean, host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `${tls ? 'https' : 'http'}://${shown}:${port}`;
}

/** Background jobs and how often they recur. */
const UPLOAD_EXPIRY_JOB = 'uploads.expire';
const SESSION_SWEEP_JOB = 'role-sessions.sweep';

function uploadSweepPeriod(config: Config): number {
  return Math.max(250, Math.min(config.uploadTtl / 2, 600_000));
}

function backgroundJobs(runtime: Runtime, config: Config, logger: Logger): Record<string, JobHandler> {
  const lifecycle = new LifecycleService({ db: runtime.meta.db, registry: runtime.registry, repositoryArn: (name) => runtime.iam.control.repositoryArn(name) });
  return {
    ...lifecycleJobHandlers({ lifecycle, jobs: runtime.jobs, logger }),
    ...gcJobHandlers({ collector: newCollector(runtime), graceMs: config.gcGrace, untaggedOlderThanMs: config.gcUntaggedAfter ?? null, logger }),
    [UPLOAD_EXPIRY_JOB]: async () => {
      const removed = await runtime.registry.uploads.expire(config.uploadTtl);
      if (removed > 0) logger.info({ removed }, 'expired abandoned uploads');
    },
    [SESSION_SWEEP_JOB]: async () => {
      await runtime.iam.sessions.sweep();
    },
  };
}

/** Runs once per data directory before any worker listens: migrations, ids, the admin key. */
async function prepare(config: Config, logger: Logger, endpoint: string): Promise<void> {
  const runtime = await openRuntime(config);
  try {
    const file = join(config.dataDir, 'admin-credentials.json');
    const result = await bootstrapAdmin(runtime.iam.directory, runtime.iam.keys, file, { region: config.region, registryId: runtime.registryId, endpoint });
    if (result.created) logger.info({ accessKeyId: result.accessKeyId, file }, 'created administrator access key');
    await ensureRootTemplate(runtime, config);
    await runtime.jobs.ensureRecurring(UPLOAD_EXPIRY_JOB, UPLOAD_EXPIRY_JOB, uploadSweepPeriod(config));
    await runtime.jobs.ensureRecurring(SESSION_SWEEP_JOB, SESSION_SWEEP_JOB, 600_000);
    // A new registry has no policies yet: the first evaluation is one interval away (ECR: within 24 h).
    await runtime.jobs.ensureRecurring(SCAN_REMATCH_JOB, SCAN_REMATCH_JOB, REMATCH_PERIOD_MS);
    await runtime.jobs.ensureRecurring(GC_RUN_JOB, GC_RUN_JOB, config.gcInterval, { firstRunAt: Date.now() + config.gcInterval });
    await runtime.jobs.ensureRecurring(LIFECYCLE_RUN_ALL_JOB, LIFECYCLE_RUN_ALL_JOB, config.lifecycleInterval, { firstRunAt: Date.now() + config.lifecycleInterval });
  } finally {
    await runtime.close();
  }
}

/**
 * With `--listen HOST:0` the port is only known once listening: put the real one into the
 * credentials file written at bootstrap, so its `endpoint` can be used as it stands.
 */
async function recordBoundEndpoint(config: Config, url: string): Promise<void> {
  const file = join(config.dataDir, 'admin-credentials.json');
  try {
    const credentials = JSON.parse(await readFile(file, 'utf8')) as { endpoint?: string };
    if (typeof credentials.endpoint !== 'string' || !credentials.endpoint.endsWith(':0')) return;
    await writeFile(file, JSON.stringify({ ...credentials, endpoint: url }, null, 2) + '\n', { mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Always written, whatever the log level: scripts and tests wait for this line. */
function announceListening(logger: Logger, url: string, workers: number): void {
  logger.child({}, { level: 'info' }).info({ url, workers }, 'listening');
}

/**
 * Once per registry (recorded, so a deleted ROOT template stays deleted): a ROOT creation template
 * lets pushes create repositories, as OCI clients expect. Without it pushes to unknown
 * repositories fail with NAME_UNKNOWN, as on ECR.
 */
async function ensureRootTemplate(runtime: Runtime, config: Config): Promise<void> {
  const repositories = runtime.registry.repositories;
  if (!config.createOnPush || (await repositories.setting(ROOT_TEMPLATE_DONE)) !== null) return;
  try {
    await runtime.registry.templates.create(ROOT_PREFIX, {
      description: 'created on first start so pushes create repositories; delete it for ECR-strict behaviour',
      appliedFor: ['CREATE_ON_PUSH'],
      settings: DEFAULT_SETTINGS,
      customRoleArn: null,
    });
  } catch (error) {
    if (!(error instanceof RegistryError && error.code === 'TEMPLATE_EXISTS')) throw error;
  }
  await repositories.setSetting(ROOT_TEMPLATE_DONE, new Date().toISOString());
}

const ROOT_TEMPLATE_DONE = 'bootstrap:root-template';

function printBanner(config: Config, url: string): void {
  const host = new URL(url).host;
  const creds = join(config.dataDir, 'admin-credentials.json');
  const lines = [
    `Wharf is listening on ${url}`,
    config.anonymous
      ? '  Authentication is OFF (--anonymous): anyone who can reach this port can push and pull.'
      : `  Log in with the administrator key in ${creds}:\n` +
        `    node -p "require('${creds}').secretAccessKey" | podman login${url.startsWith('http:') ? ' --tls-verify=false' : ''} --username "$(node -p "require('${creds}').accessKeyId")" --password-stdin ${host}`,
    `  Health: ${url}/healthz  Readiness: ${url}/readyz`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
}

async function runWorker(config: Config, logger: Logger, runBackgroundJobs: boolean): Promise<void> {
  const { host, port } = splitListen(config.listen);
  const tls = await loadTls({ certFile: config.tlsCert, keyFile: config.tlsKey, selfSigned: config.tlsSelfSigned, dataDir: config.dataDir, host });
  const runtime = await openRuntime(config);
  let closing = false;
  const app = await buildApp({ runtime, logger, tls, isClosing: () => closing });
  runtime.registry.pulls.start();
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = baseUrl(tls !== null, host, boundPort);
  if (!cluster.isWorker) {
    await recordBoundEndpoint(config, url);
    announceListening(logger, url, 1);
    printBanner(config, url);
  }

  // Background work runs as durable jobs: whichever node claims one runs it, once per period.
  const jobs = new JobRunner(runtime.jobs, backgroundJobs(runtime, config, logger), logger, { pollMs: 250, leaseMs: config.jobLease });
  if (runBackgroundJobs) jobs.start();
  // Scans get a runner of their own, so a long scan never holds up expiry, GC or lifecycle runs.
  runtime.scans.logTo(logger);
  const scanJobs = new JobRunner(runtime.jobs, scanJobHandlers(runtime.scans), logger, { pollMs: 250, leaseMs: config.jobLease });
  if (config.scanJobs) scanJobs.start();

  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await Promise.all([jobs.stop(), scanJobs.stop()]);
    const deadline = setTimeout(() => {
      logger.warn('shutdown timeout reached; exiting with requests still open');
      process.exit(1);
    }, config.shutdownTimeout);
    deadline.unref();
    // Connections that finish their last request while we wait are closed as soon as they idle.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(reaper);
    await runtime.registry.pulls.stop();
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

export async function serve(config: Config): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } });
  const { host, port } = splitListen(config.listen);
  const endpoint = baseUrl(Boolean(config.tlsCert || config.tlsSelfSigned), host, port);

  if (cluster.isWorker) {
    await runWorker(config, logger, process.env.WHARF_WORKER_INDEX === '0');
    return;
  }
  await prepare(config, logger, endpoint);
  if (config.workers <= 1) {
    await runWorker(config, logger, true);
    return;
  }
  await runPrimary(config, logger);
}

async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  let announced = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ WHARF_WORKER_INDEX: String(index) });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ worker: index, code, signal }, 'worker died; starting a new one');
      fork(index);
    });
  };
  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    const url = baseUrl(Boolean(config.tlsCert || config.tlsSelfSigned), splitListen(config.listen).host, address.port);
    void recordBoundEndpoint(config, url).finally(() => announceListening(logger, url, config.workers));
    printBanner(config, url);
  });
  for (let i = 0; i < config.workers; i++) fork(i);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
