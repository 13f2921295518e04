// The workloads. Each one sends the same requests to every target and adds rows to a table;
// a failure against one target becomes an error cell and the run goes on.
import type { BlobLibrary } from './blob-files.js';
import { makeSmallImage, pushImage, pushImageBlobs, type SmallImage } from './images.js';
import type { LoadGenerator, LoadResult, LoadSpec } from './load.js';
import { MiB, repetitionsFor, type BenchPlan } from './plan.js';
import { OCI_MANIFEST, verifyDownload, type BlobSource, type RegistryClient } from './registry-client.js';
import { addRow, cellValue, type Cell, type Row, type Table } from './report.js';
import type { ServerProcess, Watched } from './servers.js';
import { median, runPool, timeMs } from './stats.js';

export interface LiveTarget {
  key: string;
  client: RegistryClient;
  server: ServerProcess;
}

/** A target that could not be started still gets a column, filled with the reason. */
export type Target = LiveTarget | { key: string; unavailable: string };

export interface BenchContext {
  plan: BenchPlan;
  blobs: BlobLibrary;
  load: LoadGenerator;
  log: (line: string) => void;
}

const BYTES_PER_MB = 1e6;

/** Runs `task`; if it throws, the error becomes `row.cells[key]` (and is logged). */
async function recordFailure(ctx: BenchContext, row: Row, key: string, task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (err) {
    const message = (err as Error).message;
    ctx.log(`    ${key} failed: ${message}`);
    row.cells[key] = { error: message };
  }
}

/** Fills `row.cells[key]` from `task`, turning a thrown error into an error cell. */
async function measure(ctx: BenchContext, row: Row, key: string, task: () => Promise<Cell>): Promise<void> {
  ctx.log(`  ${row.label} -> ${key}`);
  await recordFailure(ctx, row, key, async () => {
    row.cells[key] = await task();
  });
}

export async function measureTargets(ctx: BenchContext, row: Row, targets: Target[], task: (target: LiveTarget) => Promise<Cell>): Promise<void> {
  for (const target of targets) {
    if ('unavailable' in target) {
      row.cells[target.key] = { error: target.unavailable };
    } else {
      await measure(ctx, row, target.key, () => task(target));
      markIfDead(row, target.key, target.server);
    }
  }
}

/** A server that died explains every later failure: say so instead of "connection refused". */
function markIfDead(row: Row, key: string, server: Watched): void {
  const death = server.deathNotice();
  if (death) row.cells[key] = { error: death };
}

/** One side of a repeated measurement: optional set-up, then one sample per round. */
export interface Contender<Sample> {
  key: string;
  /** Checked after the row: a dead server (or any of a group's) replaces the cell with why. */
  server: Watched;
  prepare?: () => Promise<void>;
  sample: (round: number) => Promise<Sample>;
}

/**
 * Takes samples from all contenders in turns (A B C, A B C, ...) and summarizes each one's.
 * Other work on this 2-core machine comes and goes; turns spread it over every contender
 * instead of letting it land on whichever happened to run at the wrong moment.
 */
export async function measureInTurns<Sample>(
  ctx: BenchContext,
  row: Row,
  contenders: Array<Contender<Sample>>,
  rounds: number,
  summarize: (samples: Sample[]) => Cell,
): Promise<void> {
  ctx.log(`  ${row.label} -> ${contenders.map((c) => c.key).join(', ')} (${rounds} rounds)`);
  const samples = new Map(contenders.map((contender) => [contender.key, [] as Sample[]]));
  const stillRunning = () => contenders.filter((contender) => row.cells[contender.key] === undefined);
  for (const contender of stillRunning()) {
    if (contender.prepare) await recordFailure(ctx, row, contender.key, contender.prepare);
  }
  for (let round = 0; round < rounds; round++) {
    for (const contender of stillRunning()) {
      await recordFailure(ctx, row, contender.key, async () => {
        samples.get(contender.key)!.push(await contender.sample(round));
      });
    }
  }
  for (const contender of stillRunning()) row.cells[contender.key] = summarize(samples.get(contender.key)!);
  for (const contender of contenders) markIfDead(row, contender.key, contender.server);
}

/** Live targets become contenders; unavailable ones get their reason as the cell. */
function contendersOf<Sample>(row: Row, targets: Target[], contender: (target: LiveTarget) => Contender<Sample>): Array<Contender<Sample>> {
  const live: Array<Contender<Sample>> = [];
  for (const target of targets) {
    if ('unavailable' in target) row.cells[target.key] = { error: target.unavailable };
    else live.push(contender(target));
  }
  return live;
}

function sizeLabel(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`;
}

async function timeRepetitions(count: number, task: (repetition: number) => Promise<unknown>): Promise<number[]> {
  const milliseconds: number[] = [];
  for (let repetition = 0; repetition < count; repetition++) milliseconds.push(await timeMs(() => task(repetition)));
  return milliseconds;
}

/** One fixed-duration load run; any failed request fails the sample. */
async function loadRun(ctx: BenchContext, spec: Omit<LoadSpec, 'durationSeconds'>): Promise<LoadResult> {
  const run = await ctx.load.run({ ...spec, durationSeconds: ctx.plan.loadRunSeconds });
  if (run.failures > 0) throw new Error(`${run.failures} of ${run.requests} requests failed (${run.tool})`);
  return run;
}

function medianRun(metric: (run: LoadResult) => number): (runs: LoadResult[]) => Cell {
  return (runs) => ({ value: median(runs.map(metric)), detail: { tool: runs[0]?.tool, runs } });
}

// ---- blob push -----------------------------------------------------------------------------

const BLOB_REPOSITORY = 'bench/blobs';
type UploadMode = 'monolithic' | 'chunked';

/** Each repetition uploads a different blob, so deduplication cannot skip the work. */
function pushSource(ctx: BenchContext, size: number, mode: UploadMode, repetition: number): BlobSource {
  return ctx.blobs.get(size, `push-${mode}-${repetition}`);
}

export async function blobPush(ctx: BenchContext, table: Table, targets: Target[]): Promise<void> {
  for (const mode of ['monolithic', 'chunked'] as const) {
    for (const size of ctx.plan.blobSizes) {
      const label = mode === 'chunked' ? `blob push chunked (${sizeLabel(ctx.plan.chunkSize)} PATCHes)` : 'blob push monolithic';
      const row = addRow(table, `${label} ${sizeLabel(size)}`, 'MB/s', 'higher');
      const repetitions = repetitionsFor(size);
      for (let r = 0; r < repetitions; r++) pushSource(ctx, size, mode, r); // write files before timing
      const contenders = contendersOf(row, targets, ({ key, client, server }) => ({
        key,
        server,
        sample: (round: number) => {
          const blob = pushSource(ctx, size, mode, round);
          return timeMs(() =>
            mode === 'chunked'
              ? client.pushBlobChunked(BLOB_REPOSITORY, blob, ctx.plan.chunkSize)
              : client.pushBlobMonolithic(BLOB_REPOSITORY, blob),
          );
        },
      }));
      await measureInTurns(ctx, row, contenders, repetitions, (milliseconds) => ({
        value: median(milliseconds.map((ms) => size / BYTES_PER_MB / (ms / 1000))),
        detail: { milliseconds },
      }));
    }
  }
}

// ---- blob pull -----------------------------------------------------------------------------

/** Pulls of one URL back to back on one connection, after a verified, untimed pull (which also warms the page cache). */
function pullContender(ctx: BenchContext, key: string, server: ServerProcess, url: URL, prepare: () => Promise<void>): Contender<LoadResult> {
  return { key, server, prepare, sample: () => loadRun(ctx, { url, method: 'GET', connections: 1 }) };
}

export function registryPullContender(ctx: BenchContext, { key, client, server }: LiveTarget, blob: BlobSource): Contender<LoadResult> {
  const url = client.url(`/v2/${BLOB_REPOSITORY}/blobs/${blob.digest}`);
  return pullContender(ctx, key, server, url, async () => {
    await client.ensureBlob(BLOB_REPOSITORY, blob);
    await client.pullBlobVerified(BLOB_REPOSITORY, blob);
  });
}

export const pullThroughput = medianRun((run) => run.bytesPerSecond / BYTES_PER_MB);

export async function blobPull(ctx: BenchContext, table: Table, targets: Target[], nginx: ServerProcess | undefined): Promise<void> {
  for (const size of ctx.plan.blobSizes) {
    const blob = ctx.blobs.get(size, 'push-monolithic-0');
    const row = addRow(table, `blob pull ${sizeLabel(size)}`, 'MB/s', 'higher');
    const contenders = contendersOf(row, targets, (target) => registryPullContender(ctx, target, blob));
    if (nginx) {
      const fileUrl = new URL(`/blobs/${blob.fileName}`, nginx.url);
      contenders.push(pullContender(ctx, 'nginx', nginx, fileUrl, () => verifyDownload(fileUrl, blob)));
    }
    await measureInTurns(ctx, row, contenders, ctx.plan.loadRuns, pullThroughput);
  }
}

// ---- manifest GET / HEAD -------------------------------------------------------------------

export const MANIFEST_REPOSITORY = 'bench/manifest';
export const MANIFEST_TAG = 'latest';

/** Pushes the image whose manifest the load runs fetch, and checks one fetch returns it. */
export async function prepareManifestTarget(client: RegistryClient, image: SmallImage): Promise<void> {
  await pushImage(client, MANIFEST_REPOSITORY, MANIFEST_TAG, image);
  const res = await client.getManifest('GET', MANIFEST_REPOSITORY, MANIFEST_TAG);
  if (!res.body.equals(image.manifest)) throw new Error('GET manifest returned different bytes than were pushed');
}

/** Manifest requests from `connections` keep-alive connections, after pushing the image and a warm-up run. */
export function manifestContender(
  ctx: BenchContext,
  { key, client, server }: LiveTarget,
  prepared: () => Promise<void>,
  method: 'GET' | 'HEAD',
  connections: number,
): Contender<LoadResult> {
  const spec = {
    url: client.url(`/v2/${MANIFEST_REPOSITORY}/manifests/${MANIFEST_TAG}`),
    method,
    headers: { Accept: OCI_MANIFEST },
    connections,
  };
  return {
    key,
    server,
    prepare: async () => {
      await prepared();
      await ctx.load.run({ ...spec, durationSeconds: ctx.plan.warmupSeconds });
    },
    sample: () => loadRun(ctx, spec),
  };
}

export const requestRate = medianRun((run) => run.requestsPerSecond);

export async function manifestRequests(ctx: BenchContext, table: Table, targets: Target[]): Promise<void> {
  const image = makeSmallImage(ctx.plan.imageLayerBytes);
  // Set up once per target, on its first row; a failed set-up then fails each of its rows.
  const ready = new Map<string, Promise<void>>();
  const prepared = (client: RegistryClient, key: string) => () => {
    if (!ready.has(key)) ready.set(key, prepareManifestTarget(client, image));
    return ready.get(key)!;
  };
  for (const method of ['GET', 'HEAD'] as const) {
    for (const connections of ctx.plan.manifestConcurrencies) {
      const tool = ctx.load.toolFor(method) === 'node' ? ' (node client)' : '';
      const row = addRow(table, `manifest ${method} c=${connections}${tool}`, 'req/s', 'higher');
      const contenders = contendersOf(row, targets, (target) =>
        manifestContender(ctx, target, prepared(target.client, target.key), method, connections),
      );
      await measureInTurns(ctx, row, contenders, ctx.plan.loadRuns, requestRate);
    }
  }
}

// ---- tags ----------------------------------------------------------------------------------

function tagName(index: number): string {
  return `t${String(index).padStart(6, '0')}`;
}

/** Tags pushed between progress lines, so a long tag push shows it is alive. */
const TAG_PROGRESS_EVERY = 10_000;

async function pushTags(ctx: BenchContext, client: RegistryClient, repository: string, count: number, concurrency: number, image: SmallImage): Promise<number> {
  await pushImageBlobs(client, repository, image);
  let pushed = 0;
  const milliseconds = await timeMs(() =>
    runPool(count, concurrency, async (i) => {
      await client.putManifest(repository, tagName(i), image.manifest);
      if (++pushed % TAG_PROGRESS_EVERY === 0) ctx.log(`    ${pushed}/${count} tags`);
    }),
  );
  return count / (milliseconds / 1000);
}

interface TagList {
  tags: string[];
  pages: number;
}

/** GET tags/list, following Link rel="next" the way a client would if the server paginates. */
async function listTags(client: RegistryClient, firstPage: string, followLinks: boolean): Promise<TagList> {
  const tags: string[] = [];
  let pages = 0;
  for (let next: string | undefined = firstPage; next !== undefined && pages < 100_000; pages++) {
    const { body, link } = await client.getJson(next);
    tags.push(...(((body as { tags?: string[] | null }).tags) ?? []));
    next = followLinks ? nextPageFromLink(link) : undefined;
  }
  return { tags, pages };
}

function nextPageFromLink(link: string | undefined): string | undefined {
  return link && /rel="?next"?/.test(link) ? /<([^>]+)>/.exec(link)?.[1] : undefined;
}

/** Median latency of a tag listing, noting when the server answered something other than asked. */
async function tagListLatency(
  client: RegistryClient,
  path: string,
  repetitions: number,
  followLinks: boolean,
  expectedTags: number,
): Promise<Cell> {
  const first = await listTags(client, path, followLinks); // untimed: checks the answer, warms caches
  const milliseconds = await timeRepetitions(repetitions, () => listTags(client, path, followLinks));
  const detail = { repetitions, milliseconds, tagsReturned: first.tags.length, pages: first.pages };
  if (followLinks && first.tags.length !== expectedTags) {
    throw new Error(`listed ${first.tags.length} tags in ${first.pages} page(s), want ${expectedTags}`);
  }
  const last = new URL(path, client.baseUrl).searchParams.get('last');
  if (last !== null && first.tags.some((tag) => tag <= last)) {
    throw new Error(`a page after last=${last} returned ${first.tags[0]}..${first.tags.at(-1)}`);
  }
  const note = first.tags.length !== expectedTags ? `returned ${first.tags.length} tags, asked for ${expectedTags}` : undefined;
  return { value: median(milliseconds), detail, ...(note ? { note } : {}) };
}

export async function tagListing(ctx: BenchContext, table: Table, targets: Target[]): Promise<void> {
  const { tagCount, tagPushConcurrency } = ctx.plan;
  const repository = 'bench/tags';
  const image = makeSmallImage(ctx.plan.imageLayerBytes);
  const pushRow = addRow(table, `tag push (${tagCount} tags, c=${tagPushConcurrency})`, 'tags/s', 'higher');
  const fullRow = addRow(table, `tag list full (${tagCount} tags)`, 'ms', 'lower');
  const pageRow = addRow(table, `tag list ?n=100 (${tagCount} tags)`, 'ms', 'lower');
  await measureTargets(ctx, pushRow, targets, async ({ client }) => ({
    value: await pushTags(ctx, client, repository, tagCount, tagPushConcurrency, image),
  }));
  await measureTargets(ctx, fullRow, targets, ({ client }) =>
    tagListLatency(client, `/v2/${repository}/tags/list`, ctx.plan.tagListRepetitions, true, tagCount),
  );
  await measureTargets(ctx, pageRow, targets, ({ client }) =>
    tagListLatency(client, `/v2/${repository}/tags/list?n=100`, ctx.plan.tagPageRepetitions, false, 100),
  );
}

/** Wharf only: pagination over 100,000 tags, first page and one from the middle. */
export async function bigTagListing(ctx: BenchContext, table: Table, target: Target): Promise<void> {
  const { bigTagCount, bigTagPushConcurrency, tagPageRepetitions } = ctx.plan;
  const repository = 'bench/tags-100k';
  const pushRow = addRow(table, `tag push (${bigTagCount} tags, c=${bigTagPushConcurrency})`, 'tags/s', 'higher');
  const firstRow = addRow(table, `tag list ?n=100 (${bigTagCount} tags)`, 'ms', 'lower');
  const middle = tagName(bigTagCount / 2);
  const middleRow = addRow(table, `tag list ?n=100&last=${middle} (${bigTagCount} tags)`, 'ms', 'lower');
  const targets = [target];
  const image = makeSmallImage(ctx.plan.imageLayerBytes);
  await measureTargets(ctx, pushRow, targets, async ({ client }) => ({
    value: await pushTags(ctx, client, repository, bigTagCount, bigTagPushConcurrency, image),
  }));
  if (cellValue(pushRow.cells[target.key]) === undefined) return; // nothing to list
  await measureTargets(ctx, firstRow, targets, ({ client }) =>
    tagListLatency(client, `/v2/${repository}/tags/list?n=100`, tagPageRepetitions, false, 100),
  );
  await measureTargets(ctx, middleRow, targets, ({ client }) =>
    tagListLatency(client, `/v2/${repository}/tags/list?n=100&last=${middle}`, tagPageRepetitions, false, 100),
  );
}

// ---- many small images ---------------------------------------------------------------------

export async function smallImages(ctx: BenchContext, table: Table, targets: Target[]): Promise<void> {
  const { imageCount, imageConcurrency, imageLayerBytes } = ctx.plan;
  const images = Array.from({ length: imageCount }, () => makeSmallImage(imageLayerBytes));
  const secondsRow = addRow(table, `push ${imageCount} small images (c=${imageConcurrency})`, 's', 'lower');
  const rateRow = addRow(table, `push ${imageCount} small images (c=${imageConcurrency})`, 'images/s', 'higher');
  await measureTargets(ctx, secondsRow, targets, async ({ client }) => {
    const milliseconds = await timeMs(() =>
      runPool(imageCount, imageConcurrency, (i) => pushImage(client, `bench/images/app-${i}`, 'v1', images[i]!)),
    );
    return { value: milliseconds / 1000 };
  });
  for (const target of targets) {
    const cell = secondsRow.cells[target.key];
    if (cell) rateRow.cells[target.key] = 'value' in cell ? { value: imageCount / cell.value } : cell;
  }
}

// ---- memory --------------------------------------------------------------------------------

const PEAK_RSS_LABEL = 'peak RSS (sum of VmHWM over process tree)';

/** Read while the server still runs: VmHWM disappears with the process. */
function peakRssCell(target: Target): Cell {
  if ('unavailable' in target) return { error: target.unavailable };
  const death = target.server.deathNotice();
  return death ? { error: death } : { value: target.server.peakRssBytes() / MiB };
}

export function peakRssRow(table: Table, targets: Target[]): void {
  const row = addRow(table, PEAK_RSS_LABEL, 'MiB', 'lower');
  for (const target of targets) row.cells[target.key] = peakRssCell(target);
}
