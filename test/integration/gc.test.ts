// Online garbage collection, storage usage and quotas, against a real server (and, in CI's second
// pass, PostgreSQL + S3): `wharf gc` and `wharf admin usage|quota` run as the command line, the
// registry is reached over HTTP and the ECR API, and storage is inspected directly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompleteLayerUploadCommand, ECRClient, InitiateLayerUploadCommand, UploadLayerPartCommand } from '@aws-sdk/client-ecr';
import { runWharf, startWharf, storedBlobDigests, storedUploads, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials, type AdminCredentials } from '../helpers/credentials.js';
import { ecrRaw } from '../helpers/ecr-raw.js';
import { MT, Registry, assertNoViolations, basicAuth, configBlob, expectError, expectStatus, imageManifest, manifestBytes, randomBlob, sha256, sleep, uniqueName, type Descriptor } from './client.js';

let srv: WharfProcess;
let registry: Registry;
let ecr: ECRClient;
let admin: AdminCredentials;

before(async () => {
  srv = await startWharf({ anonymous: false });
  admin = await readAdminCredentials(srv.dataDir);
  registry = new Registry(srv.url, basicAuth(admin.accessKeyId, admin.secretAccessKey));
  ecr = new ECRClient({ endpoint: srv.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
});

after(async () => {
  ecr?.destroy();
  await srv?.dispose();
  assertNoViolations();
});

interface GcReportJson {
  id: string;
  dryRun: boolean;
  blobsDeleted: number;
  bytesFreed: number;
  linksRemoved: number;
  untaggedImagesDeleted: number;
  orphanObjectsDeleted: number;
  sample: { digest: string; size: number }[];
}

async function wharfJson<T>(args: string[]): Promise<T> {
  const result = await runWharf(srv.dataDir, args);
  assert.equal(result.code, 0, `wharf ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const gc = (...args: string[]) => wharfJson<GcReportJson>(['gc', ...args]);

async function pushImageWith(repo: string, tag: string | undefined, layers: Buffer[]): Promise<{ digest: string; bytes: Buffer; blobs: { digest: string; bytes: Buffer }[] }> {
  const configBytes = configBlob();
  const config = await registry.pushBlob(repo, configBytes);
  const layerDescriptors: Descriptor[] = [];
  for (const layer of layers) layerDescriptors.push({ ...(await registry.pushBlob(repo, layer)), mediaType: MT.ociLayer });
  const bytes = manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: layerDescriptors }));
  const pushed = await registry.pushManifest(repo, tag ?? sha256(bytes), bytes, MT.ociManifest);
  return {
    digest: pushed.digest,
    bytes,
    blobs: [
      { digest: config.digest, bytes: configBytes },
      ...layers.map((layer, i) => ({ digest: layerDescriptors[i]!.digest, bytes: layer })),
    ],
  };
}

async function usageOf(repo: string): Promise<{ uniqueBytes: number; sharedBytes: number; totalBytes: number; imageCount: number }> {
  // The SDK drops members its model lacks, so the raw response is read for storageUsage.
  const res = await ecrRaw(srv.url, admin, 'DescribeRepositories', { repositoryNames: [repo] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.repositories as { storageUsage: { uniqueBytes: number; sharedBytes: number; totalBytes: number; imageCount: number } }[])[0]!.storageUsage;
}

describe('storage usage', () => {
  it('counts unique and shared bytes per repository, incrementally, in DescribeRepositories and `wharf admin usage`', async () => {
    const a = uniqueName('usage-a');
    const b = uniqueName('usage-b');
    const shared = randomBlob(5000);
    const onlyA = randomBlob(3000);
    const imageA = await pushImageWith(a, 'v1', [shared, onlyA]);
    const configA = imageA.blobs[0]!.bytes.length;
    assert.deepEqual(await usageOf(a), { uniqueBytes: configA + 8000, sharedBytes: 0, totalBytes: configA + 8000, imageCount: 1 });

    const imageB = await pushImageWith(b, 'v1', [shared]);
    const configB = imageB.blobs[0]!.bytes.length;
    const configShared = imageA.blobs[0]!.digest === imageB.blobs[0]!.digest;
    assert.ok(!configShared, 'configs differ');
    assert.deepEqual(await usageOf(a), { uniqueBytes: configA + 3000, sharedBytes: 5000, totalBytes: configA + 8000, imageCount: 1 });
    assert.deepEqual(await usageOf(b), { uniqueBytes: configB, sharedBytes: 5000, totalBytes: configB + 5000, imageCount: 1 });

    const shown = await wharfJson<{ registry: { storedBytes: number; imageCount: number }; repositories: { repository: string; uniqueBytes: number; sharedBytes: number; totalBytes: number; imageCount: number }[] }>([
      'admin',
      'usage',
    ]);
    const rowB = shown.repositories.find((r) => r.repository === b)!;
    assert.deepEqual(rowB, { repository: b, uniqueBytes: configB, sharedBytes: 5000, totalBytes: configB + 5000, imageCount: 1 });
    assert.ok(shown.registry.storedBytes >= configA + configB + 8000);

    // B's image goes; once its links are collected the shared layer is A's alone again.
    expectStatus(await registry.request('DELETE', `/v2/${b}/manifests/${imageB.digest}`), 202);
    await sleep(20);
    await gc('--grace', '10ms');
    assert.deepEqual(await usageOf(b), { uniqueBytes: 0, sharedBytes: 0, totalBytes: 0, imageCount: 0 });
    assert.deepEqual(await usageOf(a), { uniqueBytes: configA + 8000, sharedBytes: 0, totalBytes: configA + 8000, imageCount: 1 });
  });
});

describe('garbage collection', () => {
  it('--dry-run reports what would go and removes nothing; a run removes exactly the unreferenced blobs and leaves a report', async () => {
    const repo = uniqueName('gc');
    const kept = await pushImageWith(repo, 'kept', [randomBlob(4000)]);
    const doomed = await pushImageWith(repo, 'doomed', [randomBlob(7000), randomBlob(1000)]);
    expectStatus(await registry.request('DELETE', `/v2/${repo}/manifests/${doomed.digest}`), 202);
    await sleep(20);
    const before = await storedBlobDigests(srv.dataDir);
    for (const blob of doomed.blobs) assert.ok(before.has(blob.digest), 'bytes are stored before gc');

    const dry = await gc('--dry-run', '--grace', '10ms');
    assert.equal(dry.dryRun, true);
    const dryDigests = new Set(dry.sample.map((s) => s.digest));
    for (const blob of doomed.blobs) assert.ok(dryDigests.has(blob.digest), `dry run lists ${blob.digest}`);
    for (const blob of kept.blobs) assert.ok(!dryDigests.has(blob.digest), 'a referenced blob is never listed');
    assert.ok(dry.bytesFreed >= 8000 + doomed.blobs[0]!.bytes.length);
    assert.deepEqual(await storedBlobDigests(srv.dataDir), before, 'a dry run deletes nothing');

    const real = await gc('--grace', '10ms');
    assert.equal(real.dryRun, false);
    const after = await storedBlobDigests(srv.dataDir);
    for (const blob of doomed.blobs) assert.ok(!after.has(blob.digest), `${blob.digest} was deleted`);
    for (const blob of kept.blobs) {
      assert.ok(after.has(blob.digest));
      const res = await registry.getBlob(repo, blob.digest);
      expectStatus(res, 200);
      assert.ok(res.body.equals(blob.bytes));
    }
    expectStatus(await registry.get(`/v2/${repo}/manifests/kept`, { accept: MT.ociManifest }), 200);
    for (const blob of doomed.blobs) expectError(await registry.getBlob(repo, blob.digest), 404, 'BLOB_UNKNOWN');

    const history = await wharfJson<(GcReportJson & { status: string })[]>(['gc', '--history']);
    const stored = history.find((h) => h.id === real.id)!;
    assert.equal(stored.status, 'COMPLETE');
    assert.equal(stored.blobsDeleted, real.blobsDeleted);
    assert.equal(stored.bytesFreed, real.bytesFreed);
    assert.ok(history.some((h) => h.id === dry.id && h.dryRun));
  });

  it('leaves blobs of a push in progress alone (grace window), and the manifest that follows succeeds', async () => {
    const repo = uniqueName('gc-grace');
    const layer = randomBlob(2000);
    const configBytes = configBlob();
    const config = await registry.pushBlob(repo, configBytes);
    const pushed = await registry.pushBlob(repo, layer);
    await gc(); // the default grace window: an hour
    const manifest = manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: [{ ...pushed, mediaType: MT.ociLayer }] }));
    await registry.pushManifest(repo, 'late', manifest, MT.ociManifest);
    const res = await registry.getBlob(repo, pushed.digest);
    expectStatus(res, 200);
    assert.ok(res.body.equals(layer));
  });

  it('collects untagged images only when asked to (--untagged-older-than), keeping index children and live referrers', async () => {
    const repo = uniqueName('gc-untagged');
    const tagged = await pushImageWith(repo, 'v1', [randomBlob(100)]);
    const untagged = await pushImageWith(repo, undefined, [randomBlob(200)]);
    await sleep(20);
    const plain = await gc('--grace', '10ms');
    assert.equal(plain.untaggedImagesDeleted, 0);
    expectStatus(await registry.get(`/v2/${repo}/manifests/${untagged.digest}`, { accept: MT.ociManifest }), 200);

    const withRule = await gc('--grace', '10ms', '--untagged-older-than', '10ms');
    assert.ok(withRule.untaggedImagesDeleted >= 1);
    expectError(await registry.get(`/v2/${repo}/manifests/${untagged.digest}`, { accept: MT.ociManifest }), 404, 'MANIFEST_UNKNOWN');
    expectStatus(await registry.get(`/v2/${repo}/manifests/${tagged.digest}`, { accept: MT.ociManifest }), 200);
    const after = await storedBlobDigests(srv.dataDir);
    assert.ok(!after.has(untagged.blobs[1]!.digest), 'its layer went in the same run');
  });
});

describe('quotas', () => {
  it('a push over a repository storage quota is refused with DENIED naming the quota, and leaves usage and storage unchanged', async () => {
    const repo = uniqueName('quota');
    await registry.pushBlob(repo, randomBlob(6000));
    await wharfJson(['admin', 'quota', 'set', `repository:${repo}`, '--max-bytes', '10000']);
    const before = await usageOf(repo);
    const uploadsBefore = await storedUploads(srv.dataDir);

    const session = await registry.startUpload(repo);
    const data = randomBlob(6000);
    const res = await registry.request('PUT', `${session.location}${session.location.includes('?') ? '&' : '?'}digest=${sha256(data)}`, { headers: { 'content-type': 'application/octet-stream' }, body: data });
    const [error] = expectError(res, 403, 'DENIED');
    assert.match(error!.message!, new RegExp(`quota of repository '${repo}'`));
    assert.match(error!.message!, /9\.8 KiB/);
    assert.deepEqual(await usageOf(repo), before);
    assert.deepEqual(await storedUploads(srv.dataDir), uploadsBefore, 'the refused upload left nothing behind');
    expectError(await registry.getBlob(repo, sha256(data)), 404, 'BLOB_UNKNOWN');

    // Under the quota still works.
    await registry.pushBlob(repo, randomBlob(1000));
  });

  it('namespace quotas cover every repository under the prefix; image quotas count manifests', async () => {
    const namespace = uniqueName('team');
    await wharfJson(['admin', 'quota', 'set', `prefix:${namespace}`, '--max-bytes', '20KiB', '--max-images', '2']);
    const listed = await wharfJson<{ scope: string; maxBytes: number; maxImages: number }[]>(['admin', 'quota', 'list']);
    assert.deepEqual(listed.find((q) => q.scope === `prefix:${namespace}`), { scope: `prefix:${namespace}`, maxBytes: 20480, maxImages: 2 });

    await pushImageWith(`${namespace}/one`, 'v1', [randomBlob(100)]);
    await pushImageWith(`${namespace}/two`, 'v1', [randomBlob(100)]);
    const config = await registry.pushBlob(`${namespace}/two`, configBlob());
    const layer = await registry.pushBlob(`${namespace}/two`, randomBlob(50));
    const third = manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: [{ ...layer, mediaType: MT.ociLayer }] }));
    const [error] = expectError(await registry.putManifest(`${namespace}/two`, 'v2', third, MT.ociManifest), 403, 'DENIED');
    assert.match(error!.message!, new RegExp(`image quota exceeded: the quota of namespace '${namespace}/' allows 2 images`));
    expectError(await registry.get(`/v2/${namespace}/two/manifests/v2`, { accept: MT.ociManifest }), 404, 'MANIFEST_UNKNOWN');

    // Bytes: the namespace has about 1 KiB; 30 KiB more in a third repository crosses 20 KiB.
    const big = randomBlob(30 * 1024);
    const session = await registry.startUpload(`${namespace}/three`);
    const res = await registry.request('PUT', `${session.location}${session.location.includes('?') ? '&' : '?'}digest=${sha256(big)}`, { headers: { 'content-type': 'application/octet-stream' }, body: big });
    const [bytesError] = expectError(res, 403, 'DENIED');
    assert.match(bytesError!.message!, new RegExp(`storage quota exceeded: the quota of namespace '${namespace}/' is 20\\.0 KiB`));
  });

  it('the ECR API refuses a layer over quota with LimitExceededException', async () => {
    const repo = uniqueName('quota-ecr');
    await registry.pushBlob(repo, randomBlob(10));
    await wharfJson(['admin', 'quota', 'set', `repository:${repo}`, '--max-bytes', '1000']);
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: repo }));
    const part = randomBlob(2000);
    await ecr.send(new UploadLayerPartCommand({ repositoryName: repo, uploadId, partFirstByte: 0, partLastByte: part.length - 1, layerPartBlob: part }));
    await assert.rejects(ecr.send(new CompleteLayerUploadCommand({ repositoryName: repo, uploadId, layerDigests: [sha256(part)] })), (error: Error) => {
      assert.equal(error.name, 'LimitExceededException');
      assert.match(error.message, /storage quota exceeded/);
      return true;
    });
  });
});
