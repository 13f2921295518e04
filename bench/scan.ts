// Vulnerability scan throughput: StartImageScan to COMPLETE (through the ECR API, as a client
// waits for it) on an image of about 300 MB uncompressed in gzip layers, against the least any
// scanner must do with it, decompressing and walking every layer's tar: `zcat LAYER | tar -t` over
// the same files in sequence. Plus the server's peak memory while it scans.
//
// The image, bottom layer first, all tar+gzip:
//   the Debian 12 rootfs of the scanner's tests (test/helpers/scan-images.ts), 126 MB
//   Wharf's own node_modules as /app/node_modules: a Node application's dependencies, about
//     11,000 files of which hundreds are package.json files for the npm detector
//   /srv/data: generated log files and incompressible assets, as many as fill up to the target
// The last two are cached beside the rootfs, so only the first run spends the half minute.
import { execFile } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CreateRepositoryCommand, DescribeImageScanFindingsCommand, ECRClient, StartImageScanCommand } from '@aws-sdk/client-ecr';
import { readAdminCredentials, type AdminCredentials } from '../test/helpers/credentials.js';
import { makeTar, MEDIA_TYPE_LAYER_GZIP } from '../test/helpers/oci-layout.js';
import { OSV_FIXTURES_DIR } from '../test/helpers/scan-expectations.js';
import { buildImage, debianRootfs, REPO_ROOT, SCAN_IMAGE_CACHE_DIR, type ImageLayer, type OciImageLayout } from '../test/helpers/scan-images.js';
import { sleep } from './http-client.js';
import { MiB } from './plan.js';
import { RegistryClient } from './registry-client.js';
import { addRow, type Row, type Table } from './report.js';
import { findExecutable, startWharf, type ServerProcess } from './servers.js';
import { median, timeMs } from './stats.js';
import { measureInTurns, type BenchContext, type Contender } from './workloads.js';

const execFileAsync = promisify(execFile);

const BYTES_PER_MB = 1e6;
const IMAGE_TAG = 'bench';
const POLL_MS = 100;
const RSS_SAMPLE_MS = 50;
const SCAN_TIMEOUT_MS = 10 * 60_000;
const PUSH_TIMEOUT_MS = 10 * 60_000;
/** The scan job attaches SBOM referrers after COMPLETE; the next turn waits that long at most. */
const SBOM_WAIT_MS = 30_000;
/** Enough of a data layer to be one, whatever the layers below it weigh. */
const MIN_DATA_BYTES = 8 * MiB;
/** Bump when the cached layers below would come out different. */
const LAYER_RECIPE = 'scan-bench-layers-v1';
const WHARF = 'wharf';
const BASELINE = 'baseline';

interface BenchImage {
  layout: OciImageLayout;
  /** The layer blobs in image order, as stored in the layout. */
  layerFiles: string[];
  uncompressedBytes: number;
  compressedBytes: number;
}

export async function scanThroughput(ctx: BenchContext, wharfMain: string, scratch: string): Promise<Table[]> {
  const failAll = (message: string) => {
    const table = newScanTable('Vulnerability scan');
    const row = addRow(table, 'scan', 's', 'lower');
    row.cells[WHARF] = row.cells[BASELINE] = { error: message };
    return [table];
  };
  const skopeo = findExecutable('skopeo');
  if (!skopeo) return failAll('skopeo is not installed; install it with: apt-get install -y skopeo');
  let image: BenchImage;
  try {
    ctx.log('  building the scan image (cached after the first run)');
    image = await benchImage(ctx.plan.scan.imageBytes, scratch);
  } catch (err) {
    return failAll(`could not build the image: ${(err as Error).message}`);
  }
  const dataDir = join(scratch, 'wharf-scan');
  mkdirSync(dataDir, { recursive: true });
  let server: ServerProcess;
  try {
    server = await startWharf({ mainJs: wharfMain, dataDir, name: 'wharf scan' });
    ctx.log(`${server.name} listening on ${server.url} (pid ${server.pid})`);
  } catch (err) {
    return failAll((err as Error).message);
  }

  const { rounds } = ctx.plan.scan;
  const megabytes = (bytes: number) => (bytes / BYTES_PER_MB).toFixed(0);
  const osvRecords = readdirSync(OSV_FIXTURES_DIR).filter((name) => name.endsWith('.json')).length;
  const table = newScanTable(
    [
      `Vulnerability scan: StartImageScan to COMPLETE through the ECR API (DescribeImageScanFindings every ${POLL_MS} ms) of an image of`,
      `  ${megabytes(image.uncompressedBytes)} MB uncompressed, ${megabytes(image.compressedBytes)} MB in ${image.layerFiles.length} gzip layers (Debian 12 rootfs, node_modules, generated data), ${osvRecords} OSV records imported;`,
      `  baseline: \`zcat LAYER | tar -t\` over the same files in sequence; median of ${rounds} round(s), each scan of a freshly pushed repository`,
    ].join('\n'),
  );
  const timeRow = addRow(table, `scan of a ${megabytes(image.uncompressedBytes)} MB image`, 's', 'lower');
  const rssRow = addRow(table, `peak RSS during the scan (VmRSS every ${RSS_SAMPLE_MS} ms)`, 'MiB', 'lower');

  // The administrator key is written at start-up even with --anonymous: the ECR API always wants a
  // signature. Read on the first call, so a missing one fails the measurement, not the run.
  let admin: Promise<AdminCredentials> | undefined;
  const credentials = () => (admin ??= readAdminCredentials(dataDir));
  const ecr = new ECRClient({ endpoint: server.url, region: async () => (await credentials()).region, credentials, maxAttempts: 1 });
  try {
    const peaks: number[] = [];
    const repository = (round: number) => `bench/scan-${round}`;
    const scanner: Contender<number> = {
      key: WHARF,
      server,
      prepare: async () => {
        await execFileAsync(process.execPath, [wharfMain, 'scan-db', 'import', OSV_FIXTURES_DIR, '--data-dir', dataDir]);
        for (let round = 0; round < rounds; round++) {
          await ecr.send(new CreateRepositoryCommand({ repositoryName: repository(round), imageScanningConfiguration: { scanOnPush: false } }));
          const ms = await timeMs(() => pushImage(skopeo, image.layout, server.url, repository(round)));
          ctx.log(`    skopeo pushed ${repository(round)}:${IMAGE_TAG} in ${(ms / 1000).toFixed(1)} s`);
        }
      },
      sample: async (round) => {
        const scan = await scanOnce(ctx, ecr, new RegistryClient(server.url), server.pid, repository(round));
        peaks.push(scan.peakRssBytes);
        return scan.milliseconds;
      },
    };
    const baseline: Contender<number> = {
      key: BASELINE,
      server: { deathNotice: () => undefined },
      sample: () => timeMs(() => listLayers(image.layerFiles)),
    };
    await measureInTurns(ctx, timeRow, [scanner, baseline], rounds, (milliseconds) => ({
      value: median(milliseconds) / 1000,
      detail: { milliseconds },
    }));
    fillRssRow(rssRow, timeRow, peaks, server);
  } finally {
    ecr.destroy();
    await server.stop();
  }
  return [table];
}

function newScanTable(title: string): Table {
  return {
    title,
    columns: [
      { key: WHARF, title: 'wharf scan' },
      { key: BASELINE, title: 'zcat | tar -t' },
    ],
    ratios: [{ title: 'scan/baseline', numerator: WHARF, denominator: BASELINE }],
    rows: [],
  };
}

/** Peak over the rounds, beside the process's lifetime high-water mark (pushes included). */
function fillRssRow(rssRow: Row, timeRow: Row, peaks: number[], server: ServerProcess): void {
  const timed = timeRow.cells[WHARF];
  if (!timed || !('value' in timed)) {
    if (timed) rssRow.cells[WHARF] = timed;
    return;
  }
  rssRow.cells[WHARF] = {
    value: Math.max(...peaks) / MiB,
    detail: { peaksMiB: peaks.map((bytes) => bytes / MiB), vmHwmMiB: server.peakRssBytes() / MiB },
  };
}

// ---- the image ---------------------------------------------------------------------------------

async function benchImage(targetBytes: number, scratch: string): Promise<BenchImage> {
  const rootfs = await debianRootfs();
  const modules = await nodeModulesLayer();
  const data = dataLayer(Math.max(MIN_DATA_BYTES, targetBytes - gzipContentSize(rootfs) - gzipContentSize(modules)));
  const layers: ImageLayer[] = [
    { path: rootfs, mediaType: MEDIA_TYPE_LAYER_GZIP, createdBy: 'debootstrap --variant=minbase bookworm (scripts/build-scan-rootfs.sh)' },
    { path: modules, mediaType: MEDIA_TYPE_LAYER_GZIP, createdBy: 'COPY node_modules /app/node_modules' },
    { path: data, mediaType: MEDIA_TYPE_LAYER_GZIP, createdBy: 'COPY data /srv/data' },
  ];
  const layout = await buildImage(layers, join(scratch, 'scan-image'), { tag: IMAGE_TAG });
  return {
    layout,
    layerFiles: layout.layers.map((layer) => join(layout.dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length))),
    uncompressedBytes: layers.reduce((sum, layer) => sum + gzipContentSize(layer.path), 0),
    compressedBytes: layout.layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}

/**
 * The size a gzip file decompresses to, from its trailer (RFC 1952 ISIZE: the size modulo 2^32).
 * Exact for the single-member files under 4 GiB that gzip and zlib write, which these layers are.
 */
function gzipContentSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const trailer = Buffer.alloc(4);
    readSync(fd, trailer, 0, 4, fstatSync(fd).size - 4);
    return trailer.readUInt32LE(0);
  } finally {
    closeSync(fd);
  }
}

function cachedLayerPath(name: string): string {
  mkdirSync(SCAN_IMAGE_CACHE_DIR, { recursive: true });
  return join(SCAN_IMAGE_CACHE_DIR, name);
}

/** Written beside its final name and renamed, so a concurrent or killed run never leaves half a layer. */
function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

/** node_modules as an application image has it, named after the lockfile that decided its contents. */
async function nodeModulesLayer(): Promise<string> {
  const lock = readFileSync(join(REPO_ROOT, 'package-lock.json'));
  const recipe = createHash('sha256').update(LAYER_RECIPE).update(lock).digest('hex').slice(0, 12);
  const path = cachedLayerPath(`bench-node-modules-${recipe}.tar.gz`);
  if (existsSync(path)) return path;
  const temporary = temporaryPathFor(path);
  // Sorted, with fixed owners and times, as a reproducible image build writes a layer.
  const tar = 'tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 --transform="s,^node_modules,app/node_modules," -C "$1" -cf - node_modules';
  await execFileAsync('bash', ['-o', 'pipefail', '-c', `${tar} | gzip -6 -n > "$2"`, 'node-modules-layer', REPO_ROOT, temporary]);
  renameSync(temporary, path);
  return path;
}

/** /srv/data of about `bytes` (tar size): log files and incompressible assets, the same bytes on every machine. */
function dataLayer(bytes: number): string {
  const path = cachedLayerPath(`bench-data-${LAYER_RECIPE}-${bytes}.tar.gz`);
  if (existsSync(path)) return path;
  const random = new SeededBytes();
  const entries: Parameters<typeof makeTar>[0] = [{ name: 'srv/' }, { name: 'srv/data/' }, { name: 'srv/data/logs/' }, { name: 'srv/data/assets/' }];
  for (let index = 0, total = 0; total < bytes; index++) {
    const size = 4096 + random.below(256 * 1024);
    const content = index % 2 === 0 ? logFile(random, size) : random.bytes(size);
    entries.push({ name: index % 2 === 0 ? `srv/data/logs/${index}.log` : `srv/data/assets/${index}.bin`, content });
    total += 512 + Math.ceil(size / 512) * 512;
  }
  const temporary = temporaryPathFor(path);
  writeFileSync(temporary, gzipSync(makeTar(entries), { level: 6 }));
  renameSync(temporary, path);
  return path;
}

/** Access-log lines whose fields vary the way real ones do: compressible, but not trivially. */
function logFile(random: SeededBytes, size: number): Buffer {
  const methods = ['GET', 'GET', 'GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
  const statuses = [200, 200, 200, 201, 202, 304, 404, 500];
  const lines: string[] = [];
  for (let length = 0; length < size; ) {
    const second = random.below(86_400);
    const time = [Math.floor(second / 3600), Math.floor(second / 60) % 60, second % 60].map((part) => String(part).padStart(2, '0')).join(':');
    const line =
      `2024-01-01T${time}.${String(random.below(1000)).padStart(3, '0')}Z ${methods[random.below(methods.length)]} ` +
      `/api/v1/items/${random.below(100_000)} status=${statuses[random.below(statuses.length)]} bytes=${random.below(1 << 20)} ` +
      `ms=${random.below(500)} request=${random.bytes(8).toString('hex')}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

/** A fixed keystream (AES-256-CTR under a constant key): reproducible pseudo-random bytes and numbers. */
class SeededBytes {
  private readonly cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 0x5a), Buffer.alloc(16, 0));

  bytes(count: number): Buffer {
    return this.cipher.update(Buffer.alloc(count));
  }

  /** An integer in [0, limit). */
  below(limit: number): number {
    return this.bytes(4).readUInt32LE(0) % limit;
  }
}

// ---- pushing, scanning, and the baseline --------------------------------------------------------

function pushImage(skopeo: string, layout: OciImageLayout, serverUrl: string, repository: string): Promise<unknown> {
  const destination = `docker://${new URL(serverUrl).host}/${repository}:${IMAGE_TAG}`;
  // The bench's Wharf runs with --anonymous: no credentials, and no policy file to depend on.
  return execFileAsync(skopeo, ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', layout.reference, destination], {
    timeout: PUSH_TIMEOUT_MS,
    maxBuffer: 16 * MiB,
  });
}

interface ScanSample {
  milliseconds: number;
  peakRssBytes: number;
}

/**
 * One StartImageScan, polled until it completes, with the server's resident memory sampled all
 * along; then waits for the SBOM referrers the scan job attaches afterwards, so that work does
 * not land on the next turn's figure.
 */
async function scanOnce(ctx: BenchContext, ecr: ECRClient, client: RegistryClient, pid: number, repositoryName: string): Promise<ScanSample> {
  const rss = new RssPeak(pid);
  let digest: string;
  let milliseconds: number;
  try {
    const started = performance.now();
    await ecr.send(new StartImageScanCommand({ repositoryName, imageId: { imageTag: IMAGE_TAG } }));
    digest = await waitForScan(ctx, ecr, repositoryName);
    milliseconds = performance.now() - started;
  } finally {
    rss.stop();
  }
  await waitForSboms(ctx, client, repositoryName, digest);
  return { milliseconds, peakRssBytes: rss.peak };
}

/** Polls until COMPLETE; returns the image digest. FAILED and UNSUPPORTED_IMAGE fail the sample. */
async function waitForScan(ctx: BenchContext, ecr: ECRClient, repositoryName: string): Promise<string> {
  const deadline = performance.now() + SCAN_TIMEOUT_MS;
  for (;;) {
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageTag: IMAGE_TAG }, maxResults: 1 }));
    const status = out.imageScanStatus?.status;
    if (status === 'COMPLETE') {
      ctx.log(`    ${repositoryName}: findings by severity ${JSON.stringify(out.imageScanFindings?.findingSeverityCounts ?? {})}`);
      const digest = out.imageId?.imageDigest;
      if (!digest) throw new Error(`DescribeImageScanFindings of ${repositoryName} named no image digest`);
      return digest;
    }
    if (status !== 'IN_PROGRESS') throw new Error(`scan of ${repositoryName} ended ${status}: ${out.imageScanStatus?.description}`);
    if (performance.now() > deadline) throw new Error(`scan of ${repositoryName} still IN_PROGRESS after ${SCAN_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

async function waitForSboms(ctx: BenchContext, client: RegistryClient, repository: string, digest: string): Promise<void> {
  const deadline = performance.now() + SBOM_WAIT_MS;
  while (performance.now() < deadline) {
    const { body } = await client.getJson(`/v2/${repository}/referrers/${digest}`);
    if (((body as { manifests?: unknown[] }).manifests ?? []).length >= 2) return;
    await sleep(POLL_MS);
  }
  ctx.log(`    ${repository}: no SBOM referrers after ${SBOM_WAIT_MS / 1000} s; going on`);
}

/** Highest VmRSS of one process, sampled every RSS_SAMPLE_MS until stopped. */
class RssPeak {
  peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.sample();
    // unref: a sample that throws past stop() must not keep the benchmark process alive.
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) this.peak = Math.max(this.peak, Number(match[1]) * 1024);
    } catch {
      // the process is gone: its death fails the sample anyway
    }
  }
}

/** The practical limit: decompress and walk each layer's tar, reading nothing inside it. */
async function listLayers(layerFiles: string[]): Promise<void> {
  for (const file of layerFiles) {
    await execFileAsync('bash', ['-o', 'pipefail', '-c', 'zcat -- "$1" | tar -tf - > /dev/null', 'list-layer', file]);
  }
}
