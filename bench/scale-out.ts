// Wharf on one machine against Wharf as stateless nodes on PostgreSQL + S3, and encryption at rest
// on against off. Two tables from one set of measurements: every deployment (deployments.ts) takes
// its turn in each row, and the rows both tables need appear in both.
import { loadavg } from 'node:os';
import { makeSmallImage } from './images.js';
import type { LoadResult } from './load.js';
import { MiB, type ScaleOutPush } from './plan.js';
import { OCI_MANIFEST } from './registry-client.js';
import { addRow, type Row, type Table } from './report.js';
import { runSplitLoad } from './split-load.js';
import { median, timeMs } from './stats.js';
import { startDeployments, type Deployment, type DeploymentKey, type LiveDeployment } from './deployments.js';
import {
  MANIFEST_REPOSITORY,
  MANIFEST_TAG,
  measureInTurns,
  prepareManifestTarget,
  pullThroughput,
  requestRate,
  type BenchContext,
  type Contender,
} from './workloads.js';

const BYTES_PER_MB = 1e6;
const BLOB_REPOSITORY = 'bench/scale-out';
const MANIFEST_PATH = `/v2/${MANIFEST_REPOSITORY}/manifests/${MANIFEST_TAG}`;

export interface ScaleOutResult {
  tables: Table[];
  /** For the report's environment: what the servers logged, and how busy the machine was. */
  notes: Record<string, string>;
}

export async function scaleOut(ctx: BenchContext, wharfMain: string, scratch: string): Promise<ScaleOutResult> {
  const loadWatch = new LoadAverageWatch();
  const deployments = await startDeployments(ctx, wharfMain, scratch);
  try {
    const scaleTable = newScaleTable(ctx);
    const encryptionTable = newEncryptionTable();
    const pick = (keys: DeploymentKey[]) => keys.map((key) => deployments.get(key));
    let everyone = pick(['single', 'single-enc', 's3-1', 's3-2', 's3-2-enc']);

    for (const push of ctx.plan.scaleOut.pushes) {
      const row = addRow(scaleTable, `blob push ${push.size / MiB} MiB (${push.pushers} concurrent)`, 'MB/s', 'higher');
      encryptionTable.rows.push(row);
      await measurePush(ctx, row, everyone, push);
    }
    everyone = await checkEncryptedAtRest(ctx, encryptionTable, everyone);
    for (const size of ctx.plan.scaleOut.pullSizes) {
      const row = addRow(scaleTable, `blob pull ${size / MiB} MiB (c=${ctx.plan.scaleOut.pullConnections})`, 'MB/s', 'higher');
      encryptionTable.rows.push(row);
      await measurePull(ctx, row, everyone, size);
    }
    const manifestRow = addRow(scaleTable, `manifest GET c=${ctx.plan.scaleOut.manifestConnections}`, 'req/s', 'higher');
    await measureManifests(ctx, manifestRow, pick(['single', 's3-1', 's3-2']));

    return {
      tables: [scaleTable, encryptionTable],
      notes: {
        'scale-out server logs': describeProblems(deployments.all),
        'scale-out load average': loadWatch.describe(),
      },
    };
  } finally {
    loadWatch.stop();
    await deployments.stop();
  }
}

function newScaleTable(ctx: BenchContext): Table {
  const { pullConnections, pullRunSeconds, manifestConnections, loadRuns } = ctx.plan.scaleOut;
  const tool = ctx.load.toolFor('GET') === 'wrk' ? 'wrk' : 'node client';
  return {
    title: [
      'Scale-out: (a) 1 node, SQLite + filesystem; (b) 1 node, PostgreSQL + S3 (Ceph RGW, memstore);',
      '(c) 2 nodes like (b) sharing database and bucket, load split across both',
      '  push: concurrent monolithic PUTs of distinct blobs, pusher i to node i mod n; bytes over wall time, median round.',
      `  pull: ${pullConnections} connections of back-to-back GETs, manifest: ${manifestConnections} connections, split over the nodes`,
      `  (one ${tool} run per node at once, summed); median of ${loadRuns} runs of ${pullRunSeconds} s (pull), ${ctx.plan.loadRunSeconds} s (manifest)`,
    ].join('\n'),
    columns: [
      { key: 'single', title: '(a) single' },
      { key: 's3-1', title: '(b) 1 node S3' },
      { key: 's3-2', title: '(c) 2 nodes S3' },
    ],
    ratios: [
      { title: 'b/a', numerator: 's3-1', denominator: 'single' },
      { title: 'c/a', numerator: 's3-2', denominator: 'single' },
    ],
    rows: [],
  };
}

function newEncryptionTable(): Table {
  return {
    title: 'Encryption at rest (--encrypt-at-rest, AES-256-GCM chunks): same rows and turns as the scale-out table',
    columns: [
      { key: 'single', title: 'single off' },
      { key: 'single-enc', title: 'single on' },
      { key: 's3-2', title: '2 nodes S3 off' },
      { key: 's3-2-enc', title: '2 nodes S3 on' },
    ],
    ratios: [
      { title: 'single on/off', numerator: 'single-enc', denominator: 'single' },
      { title: '2 nodes on/off', numerator: 's3-2-enc', denominator: 's3-2' },
    ],
    rows: [],
  };
}

/** Live deployments become contenders; unavailable ones get their reason as the cell. */
function contendersOf<Sample>(row: Row, deployments: Deployment[], contender: (deployment: LiveDeployment) => Contender<Sample>): Array<Contender<Sample>> {
  const live: Array<Contender<Sample>> = [];
  for (const deployment of deployments) {
    if ('unavailable' in deployment) row.cells[deployment.key] = { error: deployment.unavailable };
    else live.push(contender(deployment));
  }
  return live;
}

/** Fixed-duration load split over the deployment's nodes; any failed request fails the sample. */
async function splitRun(ctx: BenchContext, deployment: LiveDeployment, path: string, connections: number, seconds: number, headers?: Record<string, string>): Promise<LoadResult> {
  const urls = deployment.nodes.map((node) => node.client.url(path));
  const run = await runSplitLoad(ctx.load, urls, { method: 'GET', connections, durationSeconds: seconds, ...(headers ? { headers } : {}) });
  if (run.failures > 0) throw new Error(`${run.failures} of ${run.requests} requests failed (${run.tool})`);
  return run;
}

// ---- push ----------------------------------------------------------------------------------

function pushBlobName(deployment: LiveDeployment, round: number, pusher: number): string {
  return `scale-${deployment.blobSet}-r${round}-p${pusher}`;
}

/**
 * Each round, `pushers` clients push one distinct blob each at once; the figure is the bytes of
 * the round over its wall time. Monolithic (one PUT), the way the main table's fastest push goes.
 */
async function measurePush(ctx: BenchContext, row: Row, deployments: Deployment[], push: ScaleOutPush): Promise<void> {
  const contenders = contendersOf(row, deployments, (deployment) => {
    for (let round = 0; round < push.rounds; round++) {
      for (let pusher = 0; pusher < push.pushers; pusher++) ctx.blobs.get(push.size, pushBlobName(deployment, round, pusher)); // written before timing
    }
    return {
      key: deployment.key,
      server: deployment.watch,
      sample: (round: number) =>
        timeMs(() =>
          Promise.all(
            Array.from({ length: push.pushers }, (_, pusher) => {
              const { client } = deployment.nodes[pusher % deployment.nodes.length]!;
              return client.pushBlobMonolithic(BLOB_REPOSITORY, ctx.blobs.get(push.size, pushBlobName(deployment, round, pusher)));
            }),
          ),
        ),
    };
  });
  const roundBytes = push.size * push.pushers;
  await measureInTurns(ctx, row, contenders, push.rounds, (milliseconds) => ({
    value: median(milliseconds.map((ms) => roundBytes / BYTES_PER_MB / (ms / 1000))),
    detail: { milliseconds, pushers: push.pushers },
  }));
}

/**
 * An on/off ratio means nothing if "on" stored plaintext (say, because the repositories pushed to
 * were not of the AES256 kind --encrypt-at-rest covers). A deployment whose store holds no
 * encrypted blob after the pushes gets errors in its push cells and sits out the later rows.
 */
async function checkEncryptedAtRest(ctx: BenchContext, table: Table, deployments: Deployment[]): Promise<Deployment[]> {
  const checked: Deployment[] = [];
  for (const deployment of deployments) {
    if ('unavailable' in deployment || !deployment.countEncrypted) {
      checked.push(deployment);
      continue;
    }
    const count = await deployment.countEncrypted().catch((err: unknown) => {
      ctx.log(`  ${deployment.key}: could not list its store: ${(err as Error).message}`);
      return undefined; // not known to be wrong: keep measuring
    });
    if (count !== undefined) ctx.log(`  ${deployment.key}: ${count} encrypted object(s) in its store`);
    if (count !== 0) {
      checked.push(deployment);
      continue;
    }
    const unavailable = 'pushed with --encrypt-at-rest, yet its store holds nothing under encrypted/';
    for (const row of table.rows) row.cells[deployment.key] = { error: unavailable };
    checked.push({ key: deployment.key, unavailable });
  }
  return checked;
}

// ---- pull ----------------------------------------------------------------------------------

async function measurePull(ctx: BenchContext, row: Row, deployments: Deployment[], size: number): Promise<void> {
  const { pullConnections, pullRunSeconds, loadRuns } = ctx.plan.scaleOut;
  const blob = ctx.blobs.get(size, 'scale-pull');
  const path = `/v2/${BLOB_REPOSITORY}/blobs/${blob.digest}`;
  const contenders = contendersOf(row, deployments, (deployment) => ({
    key: deployment.key,
    server: deployment.watch,
    // Untimed: push once, then read it back verified through every node (bytes, and caches, warm).
    prepare: async () => {
      await deployment.nodes[0]!.client.ensureBlob(BLOB_REPOSITORY, blob);
      for (const { client } of deployment.nodes) await client.pullBlobVerified(BLOB_REPOSITORY, blob);
    },
    sample: () => splitRun(ctx, deployment, path, pullConnections, pullRunSeconds),
  }));
  await measureInTurns(ctx, row, contenders, loadRuns, pullThroughput);
}

// ---- manifest GET --------------------------------------------------------------------------

async function measureManifests(ctx: BenchContext, row: Row, deployments: Deployment[]): Promise<void> {
  const { manifestConnections, loadRuns } = ctx.plan.scaleOut;
  const image = makeSmallImage(ctx.plan.imageLayerBytes);
  const headers = { Accept: OCI_MANIFEST };
  const contenders = contendersOf(row, deployments, (deployment) => ({
    key: deployment.key,
    server: deployment.watch,
    prepare: async () => {
      // s3-1 and s3-2 share a registry: the second push of the same image is a no-op, which is fine.
      await prepareManifestTarget(deployment.nodes[0]!.client, image);
      for (const { client } of deployment.nodes.slice(1)) {
        const res = await client.getManifest('GET', MANIFEST_REPOSITORY, MANIFEST_TAG);
        if (!res.body.equals(image.manifest)) throw new Error(`${client.baseUrl} returned different manifest bytes than were pushed to another node`);
      }
      await splitRun(ctx, deployment, MANIFEST_PATH, manifestConnections, ctx.plan.warmupSeconds, headers);
    },
    sample: () => splitRun(ctx, deployment, MANIFEST_PATH, manifestConnections, ctx.plan.loadRunSeconds, headers),
  }));
  await measureInTurns(ctx, row, contenders, loadRuns, requestRate);
}

// ---- what the servers said, and how busy the machine was -----------------------------------

function describeProblems(deployments: Deployment[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const deployment of deployments) {
    if ('unavailable' in deployment) continue;
    for (const { server } of deployment.nodes) {
      if (seen.has(server.name)) continue; // s3-1's node is s3-2's first
      seen.add(server.name);
      const { errors, warnings, errorExamples, warningExamples } = server.problems.snapshot();
      if (errors === 0 && warnings === 0) continue;
      lines.push(`${server.name}: ${errors} error line(s) or 5xx, ${warnings} warning(s)`);
      lines.push(...[...errorExamples, ...warningExamples].map((example) => `  ${example}`));
    }
  }
  return lines.length === 0 ? 'no warnings, errors or 5xx answers logged by any node' : `\n    ${lines.join('\n    ')}`;
}

/** The 1-minute load average sampled through the section: the start alone says little once it runs. */
class LoadAverageWatch {
  private readonly samples: number[] = [loadavg()[0]!];
  // unref: a forgotten stop() must not keep the benchmark process alive.
  private readonly timer = setInterval(() => this.samples.push(loadavg()[0]!), 5_000).unref();

  stop(): void {
    clearInterval(this.timer);
  }

  describe(): string {
    const [start] = this.samples;
    const now = loadavg()[0]!;
    const peak = Math.max(...this.samples, now);
    return `1-min ${start!.toFixed(2)} at start of the section, ${now.toFixed(2)} at end, peak ${peak.toFixed(2)} (sampled every 5 s)`;
  }
}
