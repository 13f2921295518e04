// Side-by-side benchmark on loopback: Wharf against Debian's docker-registry (distribution 2.8,
// the reference), with nginx serving the same blob file as the physical limit for blob pulls.
//
//   npm run bench                 full run (1/64/512 MiB blobs, 10,000 tags, 200 images, 100k tags;
//                                 about 8 minutes, plus about 4 for scale-out)
//   npm run bench -- --quick      under 3 minutes (1/16/64 MiB, 1,000 tags, 50 images, 3 load runs),
//                                 plus about 2 for scale-out
//   npm run bench -- --only blob-pull,manifest
//   npm run bench -- --only scale-out   Wharf on PostgreSQL + S3, 1 and 2 nodes, and encryption at
//                                 rest on/off (needs PostgreSQL and Ceph RGW, as the tests do)
//   npm run bench -- --only gc     `wharf gc` over 10,000 garbage blobs, and push latency during it
//                                 (about 3 minutes, most of it uploading garbage at the disk's fsync rate)
//   npm run bench -- --only scan   scan of a 300 MB image vs zcat | tar -t (needs skopeo; under a minute,
//                                 once the first run on the machine has built and cached the image)
//
// Servers take turns within each row (wharf, reference, nginx, wharf, ...) and rows report
// medians, because anything else running on the machine's 2 cores moves every figure.
//
// Needs the Debian packages docker-registry and nginx-light, and wrk for the request-rate runs:
//   apt-get install -y docker-registry nginx-light wrk
// (without wrk, a Node keep-alive client generates that load instead, and the table says so).
//
// Results: printed, and written to bench/results/<timestamp>.{json,txt}. Exit status 1 when any
// cell is an error, 2 when the run could not start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobLibrary } from './blob-files.js';
import { LoadGenerator } from './load.js';
import { parsePlan, type BenchPlan, type WorkloadName } from './plan.js';
import { garbageCollection } from './gc.js';
import { scanThroughput } from './scan.js';
import { scaleOut } from './scale-out.js';
import { RegistryClient } from './registry-client.js';
import { countErrors, renderReport, writeReport, type Report, type Table } from './report.js';
import { findExecutable, startNginx, startReferenceRegistry, startWharf, stopAllServers, type ServerProcess } from './servers.js';
import { compareWorkers } from './workers.js';
import {
  bigTagListing,
  blobPull,
  blobPush,
  manifestRequests,
  peakRssRow,
  smallImages,
  tagListing,
  type BenchContext,
  type Target,
} from './workloads.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WHARF_MAIN = join(REPO_ROOT, 'dist', 'src', 'main.js');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
/** The workloads of the main table, which need the reference registry and nginx running. */
const COMPARISON_WORKLOADS: WorkloadName[] = ['blob-push', 'blob-pull', 'manifest', 'tags', 'images', 'tags-100k'];

const started = performance.now();
function log(line: string): void {
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);
}

async function main(): Promise<number> {
  const plan = parsePlan(process.argv.slice(2));
  requireTools();
  const scratch = mkdtempSync(join(tmpdir(), 'wharf-bench-'));
  // However the run ends: servers down first, then their data (gigabytes in a full run) goes.
  const cleanUp = async () => {
    await stopAllServers();
    rmSync(scratch, { recursive: true, force: true });
  };
  const stopOnSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping servers`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const report = await runBenchmark(plan, scratch);
    console.log(renderReport(report));
    for (const path of writeReport(report, RESULTS_DIR)) log(`wrote ${path}`);
    const errors = countErrors(report);
    if (errors > 0) log(`${errors} measurement(s) failed; see the footnotes`);
    return errors > 0 ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

function requireTools(): void {
  const missing = [
    ['docker-registry', 'apt-get install -y docker-registry'],
    ['nginx', 'apt-get install -y nginx-light'],
  ].filter(([name]) => !findExecutable(name!));
  if (missing.length > 0) {
    throw new Error(missing.map(([name, hint]) => `${name} is not installed; install it with: ${hint}`).join('\n'));
  }
  if (!findExecutable('wrk')) log('wrk is not installed (apt-get install -y wrk); using the Node load client');
}

async function runBenchmark(plan: BenchPlan, scratch: string): Promise<Report> {
  const startedAt = new Date().toISOString();
  // Anything else running on these 2 cores skews every figure; the report says how busy it was.
  // (At the end the benchmark's own load is in the figure, so only the start says anything.)
  const loadAverageAtStart = describeLoadAverage();
  const busyAtStart = machineIsBusy();
  if (busyAtStart) log(`warning: load average ${loadAverageAtStart} on ${cpus().length} CPUs; figures will be noisy`);
  const blobDirectory = makeDirectory(scratch, 'blobs');
  const wrk = findExecutable('wrk');
  const ctx: BenchContext = {
    plan,
    blobs: new BlobLibrary(blobDirectory),
    load: new LoadGenerator(wrk, makeDirectory(scratch, 'wrk')),
    log,
  };

  const selected = plan.workloads;
  const tables: Table[] = [];
  // Not started for a run of only the sections below, which bring their own servers.
  if (COMPARISON_WORKLOADS.some((name) => selected.has(name))) tables.push(...(await compareWithReference(ctx, scratch, blobDirectory)));

  if (selected.has('workers')) {
    if (existsSync(WHARF_MAIN)) tables.push(await compareWorkers(ctx, WHARF_MAIN, scratch));
    else log(`skipping the workers comparison: ${WHARF_MAIN} is missing`);
  }
  if (selected.has('gc')) await wharfOnlySection(tables, 'online garbage collection', () => garbageCollection(ctx, WHARF_MAIN, scratch));
  if (selected.has('scan')) await wharfOnlySection(tables, 'vulnerability scan', () => scanThroughput(ctx, WHARF_MAIN, scratch));

  // Last: it starts its own servers (and RGW and PostgreSQL), after the ones above are gone.
  const notes: Record<string, string> = {};
  if (selected.has('scale-out')) {
    if (existsSync(WHARF_MAIN)) {
      log('scale-out and encryption at rest');
      const result = await scaleOut(ctx, WHARF_MAIN, scratch);
      tables.push(...result.tables);
      Object.assign(notes, result.notes);
    } else {
      log(`skipping the scale-out comparison: ${WHARF_MAIN} is missing`);
    }
  }

  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: plan.mode,
    environment: {
      ...describeEnvironment(ctx, wrk),
      'load average': `${loadAverageAtStart} at start${busyAtStart ? ' (busy: other work competed for the CPUs)' : ''}, ${describeLoadAverage()} at end`,
      ...notes,
    },
    tables,
  };
}

/** The main table: Wharf, the reference registry and nginx taking turns (and the Wharf-only 100k tags). */
async function compareWithReference(ctx: BenchContext, scratch: string, blobDirectory: string): Promise<Table[]> {
  const reference = await startServer(() => startReferenceRegistry(makeDirectory(scratch, 'reference')));
  const nginx = await startServer(() => startNginx(makeDirectory(scratch, 'nginx'), blobDirectory));
  const wharf = await startWharfTarget(makeDirectory(scratch, 'wharf'));
  const targets: Target[] = [wharf, { key: 'reference', client: new RegistryClient(reference.url), server: reference }];

  const comparison: Table = {
    title: 'Wharf vs reference (docker-registry 2.8) vs nginx',
    columns: [
      { key: 'wharf', title: 'wharf' },
      { key: 'reference', title: 'reference' },
      { key: 'nginx', title: 'nginx' },
    ],
    ratios: [
      { title: 'wharf/ref', numerator: 'wharf', denominator: 'reference' },
      { title: 'wharf/nginx', numerator: 'wharf', denominator: 'nginx' },
    ],
    rows: [],
  };
  const tables = [comparison];
  const selected = ctx.plan.workloads;
  if (selected.has('blob-push')) await section('blob push', () => blobPush(ctx, comparison, targets));
  if (selected.has('blob-pull')) await section('blob pull', () => blobPull(ctx, comparison, targets, nginx));
  if (selected.has('manifest')) await section('manifest GET/HEAD', () => manifestRequests(ctx, comparison, targets));
  if (selected.has('tags')) await section('tag listing', () => tagListing(ctx, comparison, targets));
  if (selected.has('images')) await section('small images', () => smallImages(ctx, comparison, targets));
  peakRssRow(comparison, targets); // before the 100k-tag run, which only Wharf does

  if (selected.has('tags-100k') && ctx.plan.bigTagCount === 0) log('the 100,000-tag listing is skipped in --quick');
  if (selected.has('tags-100k') && ctx.plan.bigTagCount > 0) {
    const big: Table = { title: 'Wharf only', columns: [{ key: 'wharf', title: 'wharf' }], ratios: [], rows: [] };
    tables.push(big);
    await section(`${ctx.plan.bigTagCount} tags`, () => bigTagListing(ctx, big, wharf));
  }
  await Promise.all([reference.stop(), nginx.stop(), 'server' in wharf ? wharf.server.stop() : undefined]);
  return tables;
}

/** A section that starts its own Wharf: skipped, and said so, when there is no build to start. */
async function wharfOnlySection(tables: Table[], name: string, run: () => Promise<Table[]>): Promise<void> {
  if (!existsSync(WHARF_MAIN)) return log(`skipping the ${name}: ${WHARF_MAIN} is missing`);
  log(name);
  tables.push(...(await run()));
}

async function section(name: string, run: () => Promise<void>): Promise<void> {
  log(name);
  await run();
}

async function startServer(start: () => Promise<ServerProcess>): Promise<ServerProcess> {
  const server = await start();
  log(`${server.name} listening on ${server.url} (pid ${server.pid})`);
  return server;
}

/** A Wharf that does not build or start yet still leaves the reference figures worth having. */
async function startWharfTarget(dataDir: string): Promise<Target> {
  if (!existsSync(WHARF_MAIN)) {
    log(`${WHARF_MAIN} is missing (npm run build); measuring the reference only`);
    return { key: 'wharf', unavailable: `${WHARF_MAIN} is missing` };
  }
  try {
    const server = await startServer(() => startWharf({ mainJs: WHARF_MAIN, dataDir }));
    return { key: 'wharf', client: new RegistryClient(server.url), server };
  } catch (err) {
    log((err as Error).message);
    return { key: 'wharf', unavailable: (err as Error).message };
  }
}

function makeDirectory(parent: string, name: string): string {
  const path = join(parent, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function describeEnvironment(ctx: BenchContext, wrk: string | undefined): Record<string, string> {
  return {
    node: process.version,
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    reference: commandVersion('docker-registry', ['--version']),
    nginx: commandVersion('nginx', ['-v']),
    load: wrk ? `${commandVersion('wrk', ['-v']).split(' [')[0]}, 1 thread (HEAD: node client)` : 'node keep-alive client (wrk not installed)',
    method:
      `MB = 10^6 bytes; figures are medians, servers taking turns: push over uploads of distinct blobs, ` +
      `pull (back-to-back GETs on one connection) and manifest requests over ${ctx.plan.loadRuns} runs of ` +
      `${ctx.plan.loadRunSeconds} s (manifest after ${ctx.plan.warmupSeconds} s warm-up), tag lists over repeated GETs`,
  };
}

/** More runnable work than half the CPUs, averaged over the last minute. */
function machineIsBusy(): boolean {
  return loadavg()[0]! > cpus().length / 2;
}

function describeLoadAverage(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

function commandVersion(command: string, args: string[]): string {
  const executable = findExecutable(command);
  if (!executable) return 'not installed';
  // nginx prints its version on stderr and wrk exits non-zero after printing it: read both.
  const result = spawnSync(executable, args, { encoding: 'utf8', timeout: 5_000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? 'unknown';
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).message}`);
    process.exit(2);
  },
);
