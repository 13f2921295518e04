// Online garbage collection: how fast `wharf gc` removes unreferenced blobs from a Wharf on SQLite
// + the filesystem while that Wharf serves, and what a concurrent run costs a client pushing
// images. The garbage is blobs uploaded without any manifest: once their links are older than the
// grace window nothing references them, as with the layers of a deleted image, and they are
// quicker to make (one request a blob).
//
//   (a) garbage, then `wharf gc` on an idle registry
//   (b) pushes of small images one after another: first without GC, then, after more garbage, for
//       as long as a `wharf gc` started alongside them runs
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GcReport } from '../src/gc/index.js';
import { send, sleep, type HttpRequest } from './http-client.js';
import { makeSmallImage, pushImage } from './images.js';
import { MiB } from './plan.js';
import { RegistryClient, RegistryError, sha256Digest } from './registry-client.js';
import { addRow, type Cell, type Column, type Row, type Table } from './report.js';
import { startWharf, type ServerProcess } from './servers.js';
import { percentile, runPool, timeMs } from './stats.js';
import { measureTargets, type BenchContext, type LiveTarget } from './workloads.js';

const execFileAsync = promisify(execFile);

/** (a) runs with nothing in flight, so any age makes an unreferenced link garbage. */
const IDLE_GRACE_MS = 1;
/**
 * (b) runs under pushes. A grace shorter than one push would let the collector unlink a layer
 * between its upload and its manifest, and the manifest PUT would rightly be refused (see
 * src/gc/collector.ts): links younger than this stay, and the garbage is older by then.
 */
const BUSY_GRACE_MS = 5_000;
const GC_TIMEOUT_MS = 10 * 60_000;
const PUSH_REPOSITORY = 'bench/gc-pushes';
/** Fewer pushes than this during a collection make its percentiles mean little: the cell says so. */
const FEW_PUSHES = 20;

/** Column keys: the GC table's, then the latency table's. */
const ALONE = 'alone';
const PUSHING = 'pushing';
const WITHOUT_GC = 'without-gc';
const DURING_GC = 'during-gc';

interface Garbage {
  blobs: number;
  bytes: number;
  /** When the last garbage blob was linked (epoch ms): its age decides when a grace has passed. */
  pushedAt: number;
}

interface GcRun {
  report: GcReport;
  /** Process start to exit: the report's own span plus Node's start-up and opening the database. */
  wallMs: number;
}

interface GcRows {
  seconds: Row;
  rate: Row;
  freed: Row;
}

interface LatencyRows {
  p50: Row;
  p95: Row;
}

export async function garbageCollection(ctx: BenchContext, wharfMain: string, scratch: string): Promise<Table[]> {
  const { gcTable, gcRows } = newGcTable(ctx);
  const { latencyTable, latencyRows } = newLatencyTable(ctx);
  const dataDir = join(scratch, 'wharf-gc');
  mkdirSync(dataDir, { recursive: true });
  let server: ServerProcess;
  try {
    server = await startWharf({ mainJs: wharfMain, dataDir, name: 'wharf gc' });
    ctx.log(`${server.name} listening on ${server.url} (pid ${server.pid})`);
  } catch (err) {
    ctx.log((err as Error).message);
    const error: Cell = { error: (err as Error).message };
    for (const table of [gcTable, latencyTable]) for (const row of table.rows) for (const { key } of table.columns) row.cells[key] = error;
    return [gcTable, latencyTable];
  }
  try {
    const client = new RegistryClient(server.url);
    const as = (key: string): LiveTarget[] => [{ key, client, server }];
    const runs = new Map<string, GcRun>();
    const latencies = new Map<string, number[]>();

    await measureTargets(ctx, latencyRows.p50, as(WITHOUT_GC), async () => {
      const sample = await pushInSequence(ctx, client, WITHOUT_GC, (pushed) => pushed < ctx.plan.gc.idlePushes);
      latencies.set(WITHOUT_GC, sample);
      return latencyCell(sample, 0.5);
    });

    await measureTargets(ctx, gcRows.seconds, as(ALONE), async () => {
      const garbage = await pushGarbage(ctx, client, 'a');
      const run = await runGc(wharfMain, dataDir, IDLE_GRACE_MS);
      runs.set(ALONE, run);
      return gcCell(run, garbage);
    });

    await measureTargets(ctx, gcRows.seconds, as(PUSHING), async () => {
      const garbage = await pushGarbage(ctx, client, 'b');
      await sleep(Math.max(0, garbage.pushedAt + BUSY_GRACE_MS + 100 - Date.now())); // all of it older than the grace
      const { run, sample } = await collectWhilePushing(ctx, client, wharfMain, dataDir);
      runs.set(PUSHING, run);
      latencies.set(DURING_GC, sample);
      return gcCell(run, garbage);
    });
    deriveGcRows(gcRows, runs);
    deriveLatencyRows(latencyRows, latencies, gcRows.seconds.cells[PUSHING]);
  } finally {
    await server.stop();
  }
  return [gcTable, latencyTable];
}

function newGcTable(ctx: BenchContext): { gcTable: Table; gcRows: GcRows } {
  const { garbageBlobs, garbageBlobBytes, garbageRepositories } = ctx.plan.gc;
  const gcTable = twoColumnTable(
    [
      `Online garbage collection: \`wharf gc\` against a serving Wharf on SQLite + filesystem, ${count(garbageBlobs)} unreferenced`,
      `  ${garbageBlobBytes / 1024} KiB blobs in ${garbageRepositories} repositories (uploaded without manifests); seconds from the JSON report`,
      `  idle registry: --grace ${IDLE_GRACE_MS}ms, nothing else running; during pushes: --grace ${BUSY_GRACE_MS / 1000}s, one client pushing small images throughout`,
    ],
    { key: ALONE, title: 'idle registry' },
    { key: PUSHING, title: 'during pushes' },
    'during/idle',
  );
  const label = `GC of ${count(garbageBlobs)} unreferenced blobs`;
  const gcRows = {
    seconds: addRow(gcTable, label, 's', 'lower'),
    rate: addRow(gcTable, label, 'blobs/s', 'higher'),
    freed: addRow(gcTable, label, 'MiB freed', 'higher'),
  };
  return { gcTable, gcRows };
}

function newLatencyTable(ctx: BenchContext): { latencyTable: Table; latencyRows: LatencyRows } {
  const latencyTable = twoColumnTable(
    [
      `Push latency with and without a concurrent \`wharf gc\`: one client pushing unique images in sequence as docker does`,
      `  (HEAD, POST, PUT for a ${ctx.plan.imageLayerBytes / 1024} KiB layer and for the config, then PUT manifest);`,
      `  ${ctx.plan.gc.idlePushes} pushes without GC, and during GC as many as fit while it collects ${count(ctx.plan.gc.garbageBlobs)} blobs`,
    ],
    { key: WITHOUT_GC, title: 'without GC' },
    { key: DURING_GC, title: 'during GC' },
    'during/without',
  );
  const latencyRows = { p50: addRow(latencyTable, 'push p50', 'ms', 'lower'), p95: addRow(latencyTable, 'push p95', 'ms', 'lower') };
  return { latencyTable, latencyRows };
}

/** The reference column, the other one, and the other's ratio to the reference. */
function twoColumnTable(title: string[], reference: Column, other: Column, ratioTitle: string): Table {
  return { title: title.join('\n'), columns: [reference, other], ratios: [{ title: ratioTitle, numerator: other.key, denominator: reference.key }], rows: [] };
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** Blobs no manifest will ever reference, spread over a few repositories (a link each). */
async function pushGarbage(ctx: BenchContext, client: RegistryClient, set: string): Promise<Garbage> {
  const { garbageBlobs, garbageBlobBytes, garbageRepositories, garbagePushConcurrency } = ctx.plan.gc;
  const milliseconds = await timeMs(() =>
    runPool(garbageBlobs, garbagePushConcurrency, (i) => postBlob(client, `bench/gc-garbage-${set}-${i % garbageRepositories}`, randomBytes(garbageBlobBytes))),
  );
  ctx.log(`    ${garbageBlobs} garbage blobs pushed in ${(milliseconds / 1000).toFixed(1)} s`);
  return { blobs: garbageBlobs, bytes: garbageBlobs * garbageBlobBytes, pushedAt: Date.now() };
}

/** The whole blob in the POST that opens the upload (the spec's one-request monolithic upload). */
async function postBlob(client: RegistryClient, repository: string, data: Buffer): Promise<void> {
  const request: HttpRequest = {
    method: 'POST',
    url: client.url(`/v2/${repository}/blobs/uploads/?digest=${sha256Digest(data)}`),
    headers: { 'content-type': 'application/octet-stream', 'content-length': data.length },
    body: data,
  };
  const res = await send(request);
  if (res.status !== 201) throw new RegistryError(request, '201', res);
}

/** Milliseconds of each push, one unique image after another, for as long as `keepGoing` says. */
async function pushInSequence(ctx: BenchContext, client: RegistryClient, tagPrefix: string, keepGoing: (pushed: number) => boolean): Promise<number[]> {
  const milliseconds: number[] = [];
  while (keepGoing(milliseconds.length)) {
    const image = makeSmallImage(ctx.plan.imageLayerBytes); // random bytes and digests: untimed
    milliseconds.push(await timeMs(() => pushImage(client, PUSH_REPOSITORY, `${tagPrefix}-${milliseconds.length}`, image)));
  }
  return milliseconds;
}

/** `wharf gc` in its own process, as an operator runs it next to the server. */
async function runGc(wharfMain: string, dataDir: string, graceMs: number): Promise<GcRun> {
  const started = performance.now();
  const { stdout } = await execFileAsync(process.execPath, [wharfMain, 'gc', '--data-dir', dataDir, '--grace', `${graceMs}ms`], {
    timeout: GC_TIMEOUT_MS,
    maxBuffer: 64 * MiB,
  });
  return { report: parseGcReport(stdout), wallMs: performance.now() - started };
}

function parseGcReport(stdout: string): GcReport {
  const report = JSON.parse(stdout) as Partial<GcReport>;
  for (const field of ['startedAt', 'finishedAt', 'blobsDeleted', 'bytesFreed', 'linksRemoved'] as const) {
    if (typeof report[field] !== 'number') throw new Error(`wharf gc reported no ${field}: ${stdout.slice(0, 300)}`);
  }
  return report as GcReport;
}

/** Starts `wharf gc` and pushes until it exits; a failed push still waits for the collector. */
async function collectWhilePushing(ctx: BenchContext, client: RegistryClient, wharfMain: string, dataDir: string): Promise<{ run: GcRun; sample: number[] }> {
  let collecting = true;
  const collection = runGc(wharfMain, dataDir, BUSY_GRACE_MS).finally(() => {
    collecting = false;
  });
  let sample: number[];
  try {
    sample = await pushInSequence(ctx, client, DURING_GC, () => collecting);
  } catch (err) {
    await collection.catch(() => undefined);
    throw err;
  }
  ctx.log(`    ${sample.length} pushes while wharf gc ran`);
  return { run: await collection, sample };
}

function gcCell(run: GcRun, garbage: Garbage): Cell {
  const { report } = run;
  const missed = report.blobsDeleted !== garbage.blobs || report.bytesFreed !== garbage.bytes;
  return {
    value: (report.finishedAt - report.startedAt) / 1000,
    detail: {
      wallSeconds: run.wallMs / 1000,
      blobsDeleted: report.blobsDeleted,
      bytesFreed: report.bytesFreed,
      linksRemoved: report.linksRemoved,
      orphanObjectsDeleted: report.orphanObjectsDeleted,
      garbage,
    },
    ...(missed ? { note: `removed ${report.blobsDeleted} blobs (${report.bytesFreed} bytes); ${garbage.blobs} (${garbage.bytes} bytes) were garbage` } : {}),
  };
}

function latencyCell(milliseconds: number[], quantile: number): Cell {
  const sorted = [...milliseconds].sort((a, b) => a - b);
  return {
    value: percentile(sorted, quantile),
    detail: { pushes: sorted.length, maxMs: sorted.at(-1) },
    ...(sorted.length < FEW_PUSHES ? { note: `only ${sorted.length} pushes` } : {}),
  };
}

/** The rate and freed-space rows from each run; a failed run's error fills its whole column. */
function deriveGcRows(rows: GcRows, runs: Map<string, GcRun>): void {
  for (const [key, secondsCell] of Object.entries(rows.seconds.cells)) {
    const run = runs.get(key);
    if (!run || !('value' in secondsCell)) {
      rows.rate.cells[key] = rows.freed.cells[key] = secondsCell;
      continue;
    }
    rows.rate.cells[key] = { value: run.report.blobsDeleted / secondsCell.value };
    rows.freed.cells[key] = { value: run.report.bytesFreed / MiB };
  }
}

/** The p95 row, and the during-GC column: its pushes, or the reason its GC run gave for having none. */
function deriveLatencyRows(rows: LatencyRows, latencies: Map<string, number[]>, busyRun: Cell | undefined): void {
  const during = latencies.get(DURING_GC);
  if (during) rows.p50.cells[DURING_GC] = latencyCell(during, 0.5);
  else if (busyRun) rows.p50.cells[DURING_GC] = busyRun;
  for (const [key, p50] of Object.entries(rows.p50.cells)) {
    const sample = latencies.get(key);
    rows.p95.cells[key] = sample && 'value' in p50 ? latencyCell(sample, 0.95) : p50;
  }
}
