// Wharf with `--workers 1` against `--workers 2`: does a second process buy throughput on a
// CPU-bound workload (many small requests) and an I/O-bound one (a big blob read)? Both run at
// once, idle while the other is measured, so their runs can take turns like the main table's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSmallImage } from './images.js';
import { MiB } from './plan.js';
import { RegistryClient } from './registry-client.js';
import { addRow, type Table } from './report.js';
import { startWharf } from './servers.js';
import {
  manifestContender,
  measureInTurns,
  peakRssRow,
  prepareManifestTarget,
  pullThroughput,
  registryPullContender,
  requestRate,
  type BenchContext,
  type LiveTarget,
  type Target,
} from './workloads.js';

export async function compareWorkers(ctx: BenchContext, wharfMain: string, scratch: string): Promise<Table> {
  const { workerCounts, workersConcurrency, workersBlobSize } = ctx.plan;
  const columns = workerCounts.map((n) => ({ key: `workers-${n}`, title: `--workers ${n}` }));
  const [first, second] = columns;
  const ratios = first && second ? [{ title: `${second.title}/${first.title}`, numerator: second.key, denominator: first.key }] : [];
  const table: Table = { title: 'Wharf worker processes', columns, ratios, rows: [] };

  const targets: Target[] = [];
  try {
    for (const workers of workerCounts) targets.push(await startWorkersTarget(ctx, wharfMain, scratch, workers));
    const live = targets.filter((target): target is LiveTarget => !('unavailable' in target));
    const image = makeSmallImage(ctx.plan.imageLayerBytes);
    const blob = ctx.blobs.get(workersBlobSize, 'push-monolithic-0');

    const manifestRow = addRow(table, `manifest GET c=${workersConcurrency}`, 'req/s', 'higher');
    const pullRow = addRow(table, `blob pull ${workersBlobSize / MiB} MiB`, 'MB/s', 'higher');
    for (const target of targets) {
      if ('unavailable' in target) manifestRow.cells[target.key] = pullRow.cells[target.key] = { error: target.unavailable };
    }
    const manifests = live.map((target) =>
      manifestContender(ctx, target, () => prepareManifestTarget(target.client, image), 'GET', workersConcurrency),
    );
    await measureInTurns(ctx, manifestRow, manifests, ctx.plan.loadRuns, requestRate);
    const pulls = live.map((target) => registryPullContender(ctx, target, blob));
    await measureInTurns(ctx, pullRow, pulls, ctx.plan.loadRuns, pullThroughput);
    peakRssRow(table, targets);
  } finally {
    await Promise.all(targets.map((target) => ('server' in target ? target.server.stop() : undefined)));
  }
  return table;
}

async function startWorkersTarget(ctx: BenchContext, wharfMain: string, scratch: string, workers: number): Promise<Target> {
  const key = `workers-${workers}`;
  const dataDir = join(scratch, `wharf-workers-${workers}`);
  mkdirSync(dataDir, { recursive: true });
  try {
    const server = await startWharf({ mainJs: wharfMain, dataDir, workers });
    ctx.log(`${server.name} listening on ${server.url} (pid ${server.pid})`);
    return { key, client: new RegistryClient(server.url), server };
  } catch (err) {
    ctx.log((err as Error).message);
    return { key, unavailable: (err as Error).message };
  }
}
