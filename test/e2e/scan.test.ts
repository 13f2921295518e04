// Vulnerability scanning end to end: real images (a debootstrapped Debian 12 rootfs with a Go
// binary, Python packages, a jar and an npm project, layered with gzip, zstd and whiteouts; see
// test/helpers/scan-images.ts) pushed with skopeo, a fixture set of real OSV records imported
// with `wharf scan-db import`, and every step driven through Debian's awscli or
// @aws-sdk/client-ecr: scan on push, `aws ecr wait image-scan-complete`, findings (exactly the
// expected ones, no more), rescans after a new record, enhanced and continuous scanning of a
// multi-arch image, SBOM referrers, the pull block, and hostile layers ending in FAILED.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  PutRegistryScanningConfigurationCommand,
  StartImageScanCommand,
  type ImageScanFinding,
} from '@aws-sdk/client-ecr';
import { runWharf, startWharf, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials, type AdminCredentials } from '../helpers/credentials.js';
import { queryMeta } from '../helpers/meta-query.js';
import { scanTestImages, type ScanTestImages } from '../helpers/scan-images.js';
import { loadScanExpectations, OSV_FIXTURES_DIR, type ExpectedFinding } from '../helpers/scan-expectations.js';
import { escapingLayer, gzipBomb, manyTinyEntries, truncatedGzipLayer } from '../helpers/hostile-layers.js';
import { makeAwsCli, type AwsCli } from './iam-helpers.js';
import { describeRun, makeContainersSandbox, onPath, type ContainersSandbox } from './client-tools.js';
import { MT, Registry, basicAuth, configBlob, imageManifest, manifestBytes, sha256, sleep } from '../integration/client.js';

const ready = onPath('skopeo') && onPath('debootstrap') ? false : 'skopeo and debootstrap are needed (scripts/test-all.sh installs them)';

/** Records held back from the first import, to be imported later and found by a rescan. */
const LATE_OS_RECORD = 'DEBIAN-CVE-2016-2781';
const LATE_LANGUAGE_RECORD = 'GHSA-j8r2-6x86-q33q';

let srv: WharfProcess;
let admin: AdminCredentials;
let aws: AwsCli;
let ecr: ECRClient;
let registry: Registry;
let images: ScanTestImages;
let sandbox: ContainersSandbox;
let work: string;
let firstOsv: string;

const expected = loadScanExpectations();
const key = (id: string, name: string, version: string) => `${id} ${name} ${version}`;
const expectedKeys = (filter: (f: ExpectedFinding) => boolean) => new Set(expected.findings.filter(filter).map((f) => key(f.id, f.package, f.version)));
const isOs = (f: ExpectedFinding) => f.ecosystem === 'Debian';

before(async () => {
  if (ready !== false) return;
  images = await scanTestImages();
  work = mkdtempSync(join(tmpdir(), 'wharf-scan-e2e-'));
  // The fixtures minus the two records a later import brings in.
  firstOsv = join(work, 'osv-first');
  cpSync(OSV_FIXTURES_DIR, firstOsv, { recursive: true });
  for (const late of [LATE_OS_RECORD, LATE_LANGUAGE_RECORD]) rmSync(join(firstOsv, `${late}.json`));
  srv = await startWharf({ anonymous: false, env: { WHARF_SCAN_MAX_DECOMPRESSED_BYTES: String(512 * 1024 ** 2), WHARF_SCAN_MAX_ENTRIES: '100000' } });
  admin = await readAdminCredentials(srv.dataDir);
  aws = makeAwsCli(srv, work);
  ecr = new ECRClient({ endpoint: srv.url, region: 'us-east-1', credentials: admin, maxAttempts: 2 });
  registry = new Registry(srv.url, basicAuth(admin.accessKeyId, admin.secretAccessKey));
  sandbox = makeContainersSandbox('wharf-e2e-scan-');
  const imported = await runWharf(srv.dataDir, ['scan-db', 'import', firstOsv]);
  assert.equal(imported.code, 0, imported.stderr);
});

after(async () => {
  ecr?.destroy();
  await sandbox?.cleanup();
  await srv?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function push(layoutDir: string, tag: string, target: string, all = false): Promise<void> {
  const result = await sandbox.skopeo([
    'copy', ...(all ? ['--all'] : []), '--dest-tls-verify=false', '--dest-creds', `${admin.accessKeyId}:${admin.secretAccessKey}`,
    `oci:${layoutDir}:${tag}`, `docker://${srv.host}/${target}`,
  ]);
  assert.equal(result.code, 0, describeRun(result, srv.output().slice(-3000)));
}

async function importRecord(id: string): Promise<void> {
  const dir = join(work, `osv-${id}`);
  cpSync(join(OSV_FIXTURES_DIR, `${id}.json`), join(dir, `${id}.json`));
  const result = await runWharf(srv.dataDir, ['scan-db', 'import', dir]);
  assert.equal(result.code, 0, result.stderr);
}

interface FindingsOutput {
  imageScanStatus: { status: string; description: string };
  imageScanFindings?: { findings?: ImageScanFinding[]; findingSeverityCounts?: Record<string, number>; imageScanCompletedAt?: number; vulnerabilitySourceUpdatedAt?: number };
  nextToken?: string;
}

/** Every basic finding, through awscli (which follows nextToken itself). */
async function basicFindings(repo: string, tag: string): Promise<FindingsOutput> {
  return aws.json<FindingsOutput>(admin, ['ecr', 'describe-image-scan-findings', '--repository-name', repo, '--image-id', `imageTag=${tag}`]);
}

const attr = (f: ImageScanFinding, name: string) => f.attributes?.find((a) => a.key === name)?.value;
const basicKeys = (findings: ImageScanFinding[]) => new Set(findings.map((f) => key(f.name!, attr(f, 'package_name')!, attr(f, 'package_version')!)));

describe('basic scanning through awscli', { skip: ready }, () => {
  const repo = 'scan/debian';
  const tag = 'bookworm-scan';

  it('scanOnPush=true, a skopeo push, `aws ecr wait image-scan-complete` and exactly the expected OS findings', { timeout: 300_000 }, async () => {
    await aws.json(admin, ['ecr', 'create-repository', '--repository-name', repo]);
    const configured = await aws.json<{ imageScanningConfiguration: { scanOnPush: boolean } }>(admin, [
      'ecr', 'put-image-scanning-configuration', '--repository-name', repo, '--image-scanning-configuration', 'scanOnPush=true',
    ]);
    assert.equal(configured.imageScanningConfiguration.scanOnPush, true);
    await push(images.debian, images.tag, `${repo}:${tag}`);

    const waited = await aws.run(admin, ['ecr', 'wait', 'image-scan-complete', '--repository-name', repo, '--image-id', `imageTag=${tag}`]);
    assert.equal(waited.code, 0, describeRun(waited, srv.output().slice(-3000)));

    const out = await basicFindings(repo, tag);
    assert.equal(out.imageScanStatus.status, 'COMPLETE');
    assert.equal(out.imageScanStatus.description, 'The scan was completed successfully.');
    const found = out.imageScanFindings!.findings!;
    const wanted = new Set([...expectedKeys(isOs)].filter((k) => !k.startsWith(`${LATE_OS_RECORD} `)));
    assert.deepEqual(basicKeys(found), wanted, 'basic scanning reports the OS findings and nothing else');
    for (const f of found) {
      assert.ok(f.uri && f.severity && f.description, `finding ${f.name} is complete`);
      assert.ok(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'].includes(f.severity!));
    }
    const counts = out.imageScanFindings!.findingSeverityCounts!;
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), found.length);
    assert.ok(out.imageScanFindings!.vulnerabilitySourceUpdatedAt, 'vulnerabilitySourceUpdatedAt is the newest record');

    const described = await aws.json<{ imageDetails: { imageScanStatus?: { status: string }; imageScanFindingsSummary?: { findingSeverityCounts: Record<string, number> } }[] }>(admin, [
      'ecr', 'describe-images', '--repository-name', repo, '--image-ids', `imageTag=${tag}`,
    ]);
    assert.equal(described.imageDetails[0]!.imageScanStatus!.status, 'COMPLETE');
    assert.deepEqual(described.imageDetails[0]!.imageScanFindingsSummary!.findingSeverityCounts, counts);

    // Paging through the SDK: pages of 3 give the same set.
    const paged: ImageScanFinding[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: repo, imageId: { imageTag: tag }, maxResults: 3, nextToken }));
      paged.push(...page.imageScanFindings!.findings!);
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(basicKeys(paged), basicKeys(found));
    assert.equal(paged.length, found.length);
  });

  it('emits an "ECR Image Scan" event with the severity counts', async () => {
    const events = (await queryMeta(srv.dataDir, 'SELECT detail_type, detail FROM events_outbox ORDER BY id')) as { detail_type: string; detail: string }[];
    const scan = events.find((e) => e.detail_type === 'ECR Image Scan' && JSON.parse(e.detail)['repository-name'] === repo);
    assert.ok(scan, 'an ECR Image Scan event was written');
    const detail = JSON.parse(scan.detail) as Record<string, unknown>;
    assert.equal(detail['scan-status'], 'COMPLETE');
    assert.deepEqual(detail['image-tags'], [tag]);
  });

  it('a record imported later is found by `aws ecr start-image-scan`', { timeout: 300_000 }, async () => {
    await importRecord(LATE_OS_RECORD);
    const started = await aws.json<{ imageScanStatus: { status: string } }>(admin, ['ecr', 'start-image-scan', '--repository-name', repo, '--image-id', `imageTag=${tag}`]);
    assert.equal(started.imageScanStatus.status, 'IN_PROGRESS');
    const waited = await aws.run(admin, ['ecr', 'wait', 'image-scan-complete', '--repository-name', repo, '--image-id', `imageTag=${tag}`]);
    assert.equal(waited.code, 0, describeRun(waited));
    const out = await basicFindings(repo, tag);
    assert.deepEqual(basicKeys(out.imageScanFindings!.findings!), expectedKeys(isOs));
  });

  it('the inventory is attached as CycloneDX and SPDX referrers of the image', async () => {
    const manifest = await registry.get(`/v2/${repo}/manifests/${tag}`, { accept: MT.ociManifest });
    const digest = manifest.headers.get('docker-content-digest')!;
    const referrers = await registry.get(`/v2/${repo}/referrers/${digest}`);
    assert.equal(referrers.status, 200);
    const index = JSON.parse(referrers.body.toString()) as { manifests: { artifactType: string; digest: string }[] };
    const types = index.manifests.map((m) => m.artifactType).sort();
    assert.deepEqual(types, ['application/spdx+json', 'application/vnd.cyclonedx+json']);
    const cyclonedx = index.manifests.find((m) => m.artifactType === 'application/vnd.cyclonedx+json')!;
    const artifact = JSON.parse((await registry.get(`/v2/${repo}/manifests/${cyclonedx.digest}`, { accept: MT.ociManifest })).body.toString()) as { layers: { digest: string }[] };
    const bom = JSON.parse((await registry.getBlob(repo, artifact.layers[0]!.digest)).body.toString()) as { bomFormat: string; components: { name: string; version: string; purl: string }[] };
    assert.equal(bom.bomFormat, 'CycloneDX');
    const names = new Set(bom.components.map((c) => `${c.name}@${c.version}`));
    for (const pkg of ['lodash@4.17.20', 'coreutils@9.1-1', 'requests@2.25.1', 'stdlib@1.19.8']) assert.ok(names.has(pkg), `the SBOM lists ${pkg}`);
    assert.ok(!names.has('ansi-regex@5.0.0'), 'a package removed by an opaque whiteout is not listed');
  });

  it('a repository pull block refuses pulls of the image with DENIED naming the findings, until lifted', async () => {
    // Debian rates these advisories 'unimportant' (INFORMATIONAL): a LOW block lets the image through.
    const low = await runWharf(srv.dataDir, ['admin', 'pull-block', repo, 'LOW']);
    assert.equal(low.code, 0, low.stderr);
    await sleep(2500); // servers reread the blocking repositories every two seconds
    assert.equal((await registry.get(`/v2/${repo}/manifests/${tag}`, { accept: MT.ociManifest })).status, 200);
    const blocked = await runWharf(srv.dataDir, ['admin', 'pull-block', repo, 'informational']);
    assert.equal(blocked.code, 0, blocked.stderr);
    await sleep(2500); // servers reread the blocking repositories every two seconds
    const res = await registry.get(`/v2/${repo}/manifests/${tag}`, { accept: MT.ociManifest });
    assert.equal(res.status, 403);
    const error = (JSON.parse(res.body.toString()) as { errors: { code: string; message: string }[] }).errors[0]!;
    assert.equal(error.code, 'DENIED');
    assert.match(error.message, /blocked in repository 'scan\/debian'/);
    assert.match(error.message, /DEBIAN-CVE-2011-3374 \(INFORMATIONAL, apt 2\.6\.1\)/);
    const head = await registry.request('HEAD', `/v2/${repo}/manifests/${tag}`, { headers: { accept: MT.ociManifest } });
    assert.equal(head.status, 200, 'HEAD only looks');
    const pulled = await sandbox.skopeo(['inspect', '--tls-verify=false', '--creds', `${admin.accessKeyId}:${admin.secretAccessKey}`, '--raw', `docker://${srv.host}/${repo}:${tag}`]);
    assert.notEqual(pulled.code, 0, 'skopeo cannot pull it');

    const lifted = await runWharf(srv.dataDir, ['admin', 'pull-block', repo, 'off']);
    assert.equal(lifted.code, 0, lifted.stderr);
    await sleep(2500);
    assert.equal((await registry.get(`/v2/${repo}/manifests/${tag}`, { accept: MT.ociManifest })).status, 200);
  });
});

describe('enhanced and continuous scanning through @aws-sdk/client-ecr', { skip: ready }, () => {
  const repo = 'scan/multi';
  const tag = 'v1';

  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${srv.output().slice(-3000)}`);
      await sleep(500);
    }
  }

  async function enhanced(): Promise<{ status: string; keys: Set<string>; platforms: Set<string> }> {
    const keys = new Set<string>();
    const platforms = new Set<string>();
    let status = '';
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: repo, imageId: { imageTag: tag }, maxResults: 1000, nextToken }));
      status = page.imageScanStatus!.status!;
      for (const f of page.imageScanFindings?.enhancedFindings ?? []) {
        const pkg = f.packageVulnerabilityDetails!.vulnerablePackages![0]!;
        const version = [pkg.epoch ? `${pkg.epoch}:` : '', pkg.version, pkg.release ? `-${pkg.release}` : ''].join('');
        keys.add(key(f.packageVulnerabilityDetails!.vulnerabilityId!, pkg.name!, version));
        const image = f.resources![0]!.details!.awsEcrContainerImage!;
        platforms.add(`${image.platform}/${image.architecture}`);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return { status, keys, platforms };
  }

  it('a CONTINUOUS_SCAN rule scans a pushed multi-arch index, every platform, OS and language packages', { timeout: 300_000 }, async () => {
    await ecr.send(
      new PutRegistryScanningConfigurationCommand({
        scanType: 'ENHANCED',
        rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'scan/multi*', filterType: 'WILDCARD' }] }],
      }),
    );
    await push(images.multiArch, images.tag, `${repo}:${tag}`, true);
    await until(async () => (await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: tag }] }))).imageDetails?.[0]?.imageScanStatus?.status === 'ACTIVE', 'the enhanced scan');
    const result = await enhanced();
    assert.equal(result.status, 'ACTIVE');
    const wanted = new Set([...expectedKeys(() => true)].filter((k) => !k.startsWith(`${LATE_LANGUAGE_RECORD} `)));
    assert.deepEqual(result.keys, wanted);
    assert.deepEqual(result.platforms, new Set(['linux/amd64']), 'identical findings of both platforms are reported once');
  });

  it('importing a new record re-matches the stored inventory without StartImageScan', { timeout: 300_000 }, async () => {
    await importRecord(LATE_LANGUAGE_RECORD);
    await until(async () => (await enhanced()).keys.size === expected.findings.length, 'the continuous re-match');
    assert.deepEqual((await enhanced()).keys, expectedKeys(() => true));
    // Enhanced scanning reports each new finding as an event, as Inspector does.
    const events = (await queryMeta(srv.dataDir, "SELECT detail FROM events_outbox WHERE detail_type = 'Inspector2 Finding' ORDER BY id")) as { detail: string }[];
    const details = events.map((e) => JSON.parse(e.detail) as Record<string, string>).filter((d) => d['repository-name'] === repo);
    assert.ok(details.some((d) => d['vulnerability-id'] === LATE_LANGUAGE_RECORD && d['package-name'] === 'requests'), 'the re-match reported the new finding');
    // The index and each of its platform images are scanned (each is an image of the repository),
    // and each reports a finding once: the re-match does not report lodash again.
    const lodash = details.filter((d) => d['vulnerability-id'] === 'GHSA-35jh-r3h4-6jhm').map((d) => d['image-digest']);
    assert.equal(lodash.length, 3, 'the index and its two platform images');
    assert.equal(new Set(lodash).size, 3, 'a finding already reported for an image is not reported again');
  });
});

describe('hostile layers end in FAILED with a reason', { skip: ready }, () => {
  const repo = 'scan/hostile';

  async function pushLayerImage(tag: string, layer: Buffer, mediaType: string): Promise<string> {
    const config = await registry.pushBlob(repo, configBlob());
    const blob = await registry.pushBlob(repo, layer);
    const bytes = manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: [{ ...blob, mediaType }] }));
    await registry.pushManifest(repo, tag, bytes, MT.ociManifest);
    return sha256(bytes);
  }

  async function scanned(tag: string): Promise<{ status: string; description: string }> {
    await ecr.send(new StartImageScanCommand({ repositoryName: repo, imageId: { imageTag: tag } }));
    for (let i = 0; i < 240; i++) {
      const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: repo, imageId: { imageTag: tag } }));
      const status = out.imageScanStatus!;
      if (status.status !== 'IN_PROGRESS') return { status: status.status!, description: status.description! };
      await sleep(250);
    }
    assert.fail(`scan of ${tag} did not finish`);
  }

  it('a decompression bomb, a truncated gzip and a layer of too many entries fail; `../` entries and links are skipped', { timeout: 300_000 }, async () => {
    const gzipLayer = 'application/vnd.oci.image.layer.v1.tar+gzip';
    const bomb = await gzipBomb(2 * 1024 ** 3);
    await pushLayerImage('bomb', Buffer.concat([...bomb.chunks()]), gzipLayer);
    await pushLayerImage('truncated', truncatedGzipLayer(), gzipLayer);
    const tiny = manyTinyEntries(110_000);
    await pushLayerImage('entries', gzipSync(Buffer.concat([...tiny.chunks()])), gzipLayer);
    await pushLayerImage('escaping', gzipSync(escapingLayer()), gzipLayer);

    const bombScan = await scanned('bomb');
    assert.equal(bombScan.status, 'FAILED');
    assert.match(bombScan.description, /decompressed/i);
    const truncatedScan = await scanned('truncated');
    assert.equal(truncatedScan.status, 'FAILED');
    assert.match(truncatedScan.description, /truncated|unexpected end|corrupt/i);
    const entriesScan = await scanned('entries');
    assert.equal(entriesScan.status, 'FAILED');
    assert.match(entriesScan.description, /entries/i);
    const escaping = await scanned('escaping');
    assert.equal(escaping.status, 'COMPLETE', escaping.description);
    // The server survived all of it.
    assert.equal((await registry.get('/v2/')).status, 200);
  });
});
