// What a run measures: the full plan, and the --quick plan that must finish in under 3 minutes
// (plus about 2 for the scale-out section, which brings up PostgreSQL, Ceph RGW and 6 Wharf nodes).
import { parseArgs } from 'node:util';

export const MiB = 1024 * 1024;

export const WORKLOADS = ['blob-push', 'blob-pull', 'manifest', 'tags', 'images', 'tags-100k', 'workers', 'gc', 'scan', 'scale-out'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchPlan {
  mode: 'quick' | 'full';
  workloads: Set<WorkloadName>;
  blobSizes: number[];
  chunkSize: number;
  /**
   * Fixed-duration load (manifest requests, blob pulls) runs this many times for loadRunSeconds
   * each, and the median run is reported: one run disturbed by another process on the 2 cores
   * does not decide the figure.
   */
  loadRuns: number;
  loadRunSeconds: number;
  /** Unrecorded load before each measured run: JIT, connection pools and caches settle. Whole seconds (wrk's unit). */
  warmupSeconds: number;
  manifestConcurrencies: number[];
  tagCount: number;
  tagPushConcurrency: number;
  tagListRepetitions: number;
  tagPageRepetitions: number;
  imageCount: number;
  imageConcurrency: number;
  imageLayerBytes: number;
  /** 0 skips the Wharf-only 100,000-tag listing. */
  bigTagCount: number;
  bigTagPushConcurrency: number;
  workerCounts: number[];
  workersBlobSize: number;
  workersConcurrency: number;
  scaleOut: ScaleOutPlan;
  gc: GcPlan;
  scan: ScanPlan;
}

/** The gc section: the garbage each `wharf gc` run collects, and the pushes timed without one. */
export interface GcPlan {
  garbageBlobs: number;
  garbageBlobBytes: number;
  garbageRepositories: number;
  garbagePushConcurrency: number;
  idlePushes: number;
}

/** The scan section: one image of about imageBytes uncompressed, scanned `rounds` times. */
export interface ScanPlan {
  imageBytes: number;
  rounds: number;
}

/** Concurrent pushes of distinct blobs of one size, `rounds` times per deployment. */
export interface ScaleOutPush {
  size: number;
  pushers: number;
  rounds: number;
}

/**
 * The scale-out and encryption tables. Every byte pushed to S3 stays in the Ceph memstore's RAM
 * (4 GiB cap, and an upload takes about 1.5 times its size there: segments are copied into the
 * blob and their space comes back only with RGW's garbage collection, hours later), and RGW takes
 * it at only about 20 MB/s on 2 cores: the push plan is sized to both.
 */
export interface ScaleOutPlan {
  pushes: ScaleOutPush[];
  pullSizes: number[];
  /** Split evenly over the nodes of a deployment. */
  pullConnections: number;
  /** Longer than loadRunSeconds: a 64 MiB GET from S3 takes about a second. */
  pullRunSeconds: number;
  manifestConnections: number;
  /** Fixed-duration runs per deployment (median reported); fewer than loadRuns to fit the time budget. */
  loadRuns: number;
}

const FULL: Omit<BenchPlan, 'workloads'> = {
  mode: 'full',
  blobSizes: [1 * MiB, 64 * MiB, 512 * MiB],
  chunkSize: 8 * MiB,
  loadRuns: 5,
  loadRunSeconds: 1,
  warmupSeconds: 1,
  manifestConcurrencies: [1, 32],
  tagCount: 10_000,
  tagPushConcurrency: 16,
  tagListRepetitions: 10,
  tagPageRepetitions: 50,
  imageCount: 200,
  imageConcurrency: 32,
  imageLayerBytes: 32 * 1024,
  bigTagCount: 100_000,
  bigTagPushConcurrency: 32,
  workerCounts: [1, 2],
  workersBlobSize: 64 * MiB,
  workersConcurrency: 32,
  // About 1.8 GiB of blobs reach S3 (three deployments push there), and the section takes about 4
  // minutes (5 on a busy machine): pulls of 16 MiB blobs are left to --quick.
  scaleOut: {
    pushes: [
      { size: 16 * MiB, pushers: 4, rounds: 3 },
      { size: 64 * MiB, pushers: 2, rounds: 3 },
    ],
    pullSizes: [64 * MiB],
    pullConnections: 4,
    pullRunSeconds: 2,
    manifestConnections: 32,
    loadRuns: 3,
  },
  // About 3 minutes: two runs over 10,000 blobs each; uploading them (one POST a blob) takes about a
  // minute per run, every blob and commit waiting for fsync as in production.
  gc: { garbageBlobs: 10_000, garbageBlobBytes: 4 * 1024, garbageRepositories: 4, garbagePushConcurrency: 16, idlePushes: 300 },
  // A scan reads every layer, so each round is a fresh repository (a rescan reuses the inventory).
  scan: { imageBytes: 300e6, rounds: 3 },
};

const QUICK: Omit<BenchPlan, 'workloads'> = {
  ...FULL,
  mode: 'quick',
  blobSizes: [1 * MiB, 16 * MiB, 64 * MiB],
  loadRuns: 3,
  tagCount: 1_000,
  tagListRepetitions: 10,
  tagPageRepetitions: 30,
  imageCount: 50,
  bigTagCount: 0,
  // About 0.6 GiB to S3 and about 2 minutes.
  scaleOut: { ...FULL.scaleOut, pushes: [{ size: 16 * MiB, pushers: 4, rounds: 3 }], pullSizes: [16 * MiB] },
  scan: { ...FULL.scan, rounds: 1 },
};

/** Timed repetitions per blob size: many for small blobs (noisy), few for big ones (slow). */
export function repetitionsFor(size: number): number {
  if (size <= 4 * MiB) return 20;
  if (size <= 128 * MiB) return 5;
  return 2;
}

export const USAGE = `usage: node dist/bench/run.js [--quick] [--only ${WORKLOADS.join(',')}]
  --quick   smaller sizes, 3 load runs instead of 5 (under 3 minutes, plus about 2 for scale-out)
  --only    run only the named workloads (comma-separated)`;

export function parsePlan(argv: string[]): BenchPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return { ...(values.quick ? QUICK : FULL), workloads: parseWorkloads(values.only) };
}

function parseWorkloads(only: string | undefined): Set<WorkloadName> {
  if (only === undefined) return new Set(WORKLOADS);
  const names = only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown workload(s) ${unknown.join(', ')}\n${USAGE}`);
  return new Set(names as WorkloadName[]);
}
