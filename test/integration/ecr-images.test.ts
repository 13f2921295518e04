// The ECR image and layer API (@aws-sdk/client-ecr) against a real authenticated Wharf, crossing
// over to the /v2/ door both ways: what one door writes, the other reads byte-for-byte.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  ListImageReferrersCommand,
  ListImagesCommand,
  PutImageCommand,
  UploadLayerPartCommand,
  paginateDescribeImages,
  paginateListImages,
  type ImageDetail,
  type ImageIdentifier,
} from '@aws-sdk/client-ecr';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import { LAYER_URL_KEY_PURPOSE, signLayerUrl } from '../../src/ecr/download-urls.js';
import { MasterKey } from '../../src/iam/index.js';
import {
  EMPTY_JSON,
  EMPTY_JSON_DIGEST,
  MT,
  Registry,
  assertNoViolations,
  basicAuth,
  configBlob,
  expectError,
  expectStatus,
  imageIndex,
  imageManifest,
  manifestBytes,
  randomBlob,
  randomDigest,
  sha256,
  sleep,
  uniqueName,
  withQuery,
  type Descriptor,
  type ImageResult,
} from './client.js';

interface AdminCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  registryId: string;
}

let srv: WharfProcess;
let ecr: ECRClient;
let v2: Registry;
let admin: AdminCredentials;

before(async () => {
  srv = await startWharf({ anonymous: false });
  const file = join(srv.dataDir, 'admin-credentials.json');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
  admin = JSON.parse(readFileSync(file, 'utf8')) as AdminCredentials;
  ecr = new ECRClient({
    endpoint: srv.url,
    region: 'us-east-1',
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    maxAttempts: 1,
  });
  v2 = new Registry(srv.url, basicAuth(admin.accessKeyId, admin.secretAccessKey));
});

after(async () => {
  ecr?.destroy();
  await srv?.dispose();
});

/** Asserts the promise fails with the named ECR exception and returns the error. */
async function rejectsWith<T = Record<string, unknown>>(promise: Promise<unknown>, name: string): Promise<T & Error> {
  try {
    await promise;
  } catch (error) {
    assert.equal((error as Error).name, name, `expected ${name}, got ${(error as Error).name}: ${(error as Error).message}`);
    assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400, `${name} status`);
    return error as T & Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

async function createRepository(imageTagMutability: 'MUTABLE' | 'IMMUTABLE' = 'MUTABLE'): Promise<string> {
  const repositoryName = `ecr-images/${uniqueName('r')}`;
  await ecr.send(new CreateRepositoryCommand({ repositoryName, imageTagMutability }));
  return repositoryName;
}

/** Uploads `data` through InitiateLayerUpload / UploadLayerPart (in `parts` parts) / CompleteLayerUpload. */
async function uploadLayer(repositoryName: string, data: Buffer, parts: number): Promise<string> {
  const { uploadId, partSize } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  assert.match(uploadId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok((partSize ?? 0) > 0, 'partSize');
  const step = Math.ceil(data.length / parts);
  for (let first = 0; first < data.length; first += step) {
    const last = Math.min(first + step, data.length) - 1;
    const out = await ecr.send(
      new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: first, partLastByte: last, layerPartBlob: data.subarray(first, last + 1) }),
    );
    assert.equal(out.lastByteReceived, last, 'lastByteReceived after a part');
    assert.equal(out.uploadId, uploadId);
  }
  const digest = sha256(data);
  const done = await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  assert.equal(done.layerDigest, digest);
  assert.equal(done.repositoryName, repositoryName);
  assert.equal(done.registryId, admin.registryId);
  return digest;
}

/** Pushes `tags.length` tags of one image through /v2/ (pushImage tags the first, the rest are re-PUTs). */
async function pushTagged(repositoryName: string, tags: string[], layerCount = 1): Promise<ImageResult> {
  const image = await v2.pushImage(repositoryName, tags[0], { layerCount, docker: true });
  for (const tag of tags.slice(1)) await v2.pushManifest(repositoryName, tag, image.bytes, MT.dockerManifest);
  return image;
}

function imageSize(image: ImageResult): number {
  return image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0);
}

describe('pushing through the ECR layer API', () => {
  let repositoryName: string;
  let config: Buffer;
  let layer: Buffer;
  let configDigest: string;
  let layerDigest: string;
  let manifest: string;

  it('uploads config and layer in parts, puts the image, and /v2/ serves identical bytes', async () => {
    repositoryName = await createRepository();
    config = configBlob();
    layer = randomBlob(3001);
    configDigest = await uploadLayer(repositoryName, config, 2);
    layerDigest = await uploadLayer(repositoryName, layer, 3);
    manifest = `${JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MT.dockerManifest,
        config: { mediaType: MT.dockerConfig, size: config.length, digest: configDigest },
        layers: [{ mediaType: MT.dockerLayer, size: layer.length, digest: layerDigest }],
      },
      null,
      2,
    )}\n`;
    const put = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: 'v1' }));
    const digest = sha256(manifest);
    assert.deepEqual(put.image?.imageId, { imageDigest: digest, imageTag: 'v1' });
    assert.equal(put.image?.imageManifestMediaType, MT.dockerManifest);
    assert.equal(put.image?.imageManifest, manifest);
    assert.equal(put.image?.registryId, admin.registryId);

    const pulled = await v2.get(`/v2/${repositoryName}/manifests/v1`, { accept: MT.dockerManifest });
    expectStatus(pulled, 200);
    assert.equal(pulled.header('docker-content-digest'), digest);
    assert.ok(pulled.body.equals(Buffer.from(manifest)), 'manifest bytes are identical');
    for (const [digestOfBlob, bytes] of [[configDigest, config], [layerDigest, layer]] as const) {
      const blob = await v2.getBlob(repositoryName, digestOfBlob);
      expectStatus(blob, 200);
      assert.equal(blob.header('docker-content-digest'), digestOfBlob);
      assert.ok(blob.body.equals(bytes), `blob ${digestOfBlob} bytes are identical`);
    }
  });

  it('refuses a part that does not continue the upload, reporting the last valid byte', async () => {
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    const data = randomBlob(100);
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: 49, layerPartBlob: data.subarray(0, 50) }));
    const gap = await rejectsWith<{ lastValidByteReceived?: number }>(
      ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 60, partLastByte: 99, layerPartBlob: data.subarray(60) })),
      'InvalidLayerPartException',
    );
    assert.equal(gap.lastValidByteReceived, 49);
    const short = await rejectsWith<{ lastValidByteReceived?: number }>(
      ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 50, partLastByte: 99, layerPartBlob: data.subarray(50, 60) })),
      'InvalidLayerPartException',
    );
    assert.equal(short.lastValidByteReceived, 49);
    // The session is intact: the right part still completes it.
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 50, partLastByte: 99, layerPartBlob: data.subarray(50) }));
    const done = await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [sha256(data)] }));
    assert.equal(done.layerDigest, sha256(data));
  });

  it('reports wrong digests, unknown uploads and layers that already exist', async () => {
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    const data = randomBlob(40);
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: 39, layerPartBlob: data }));
    await rejectsWith(ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [randomDigest()] })), 'InvalidLayerException');
    await rejectsWith(
      ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId: '00000000-0000-4000-8000-000000000000', partFirstByte: 0, partLastByte: 0, layerPartBlob: Buffer.from('x') })),
      'UploadNotFoundException',
    );
    const again = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId: again.uploadId, partFirstByte: 0, partLastByte: layer.length - 1, layerPartBlob: layer }));
    await rejectsWith(ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId: again.uploadId, layerDigests: [layerDigest] })), 'LayerAlreadyExistsException');
    await rejectsWith(
      ecr.send(new UploadLayerPartCommand({ repositoryName: `${repositoryName}-missing`, uploadId, partFirstByte: 0, partLastByte: 0, layerPartBlob: Buffer.from('x') })),
      'RepositoryNotFoundException',
    );
  });

  it('shares upload sessions with /v2/: started on ECR, finished with a /v2/ PUT', async () => {
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    const data = randomBlob(64);
    await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: 31, layerPartBlob: data.subarray(0, 32) }));
    const put = await v2.request('PUT', withQuery(`${srv.url}/v2/${repositoryName}/blobs/uploads/${uploadId}`, { digest: sha256(data) }), {
      headers: { 'content-type': 'application/octet-stream', 'content-range': '32-63' },
      body: data.subarray(32),
    });
    expectStatus(put, 201);
    const blob = await v2.getBlob(repositoryName, sha256(data));
    assert.ok(blob.body.equals(data));
  });

  it('checks layer availability in batches', async () => {
    const missing = randomDigest();
    const out = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [layerDigest, configDigest, missing, 'not-a-digest', ''] }));
    assert.deepEqual(out.layers, [
      { layerDigest, layerAvailability: 'AVAILABLE', layerSize: layer.length, mediaType: MT.dockerLayer },
      { layerDigest: configDigest, layerAvailability: 'AVAILABLE', layerSize: config.length, mediaType: MT.dockerConfig },
      { layerDigest: missing, layerAvailability: 'UNAVAILABLE' },
    ]);
    assert.deepEqual(
      out.failures?.map((f) => [f.layerDigest, f.failureCode]),
      [
        ['not-a-digest', 'InvalidLayerDigest'],
        ['', 'MissingLayerDigest'],
      ],
    );
    // Another repository cannot see this repository's layers.
    const other = await createRepository();
    const elsewhere = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: other, layerDigests: [layerDigest] }));
    assert.deepEqual(elsewhere.layers, [{ layerDigest, layerAvailability: 'UNAVAILABLE' }]);
  });

  it('hands out signed layer URLs that serve the bytes (with ranges) and nothing else', async () => {
    const out = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest }));
    assert.equal(out.layerDigest, layerDigest);
    const url = new URL(out.downloadUrl ?? '');
    assert.equal(url.origin, new URL(srv.url).origin);

    const whole = await fetch(url);
    assert.equal(whole.status, 200);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(layer), 'download is the layer');
    const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${layer.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(layer.subarray(10, 20)));

    const signature = url.searchParams.get('signature')!;
    const tampered = new URL(url);
    tampered.searchParams.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    assert.equal((await fetch(tampered)).status, 403, 'tampered signature');
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    assert.equal((await fetch(later)).status, 403, 'extended expiry');
    const otherBlob = new URL(url.href.replace(layerDigest, configDigest));
    assert.equal((await fetch(otherBlob)).status, 403, 'signature moved to another blob');
    const unsigned = new URL(url);
    unsigned.search = '';
    assert.equal((await fetch(unsigned)).status, 403, 'no signature');

    // A correctly signed URL whose time has passed (signed here with the server's own key).
    const master = await MasterKey.load(join(srv.dataDir, 'master.key'), undefined);
    const key = master.derive(LAYER_URL_KEY_PURPOSE);
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await fetch(signLayerUrl(key, srv.url, repositoryName, layerDigest, now + 60))).status, 200, 'fresh URL signed with the same key');
    assert.equal((await fetch(signLayerUrl(key, srv.url, repositoryName, layerDigest, now - 1))).status, 403, 'expired URL');
  });

  it('refuses download URLs for layers not in the repository or not part of an image', async () => {
    await rejectsWith(ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: randomDigest() })), 'LayersNotFoundException');
    const loose = await uploadLayer(repositoryName, randomBlob(10), 1);
    await rejectsWith(ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: loose })), 'LayerInaccessibleException');
  });

  it('reports PutImage conflicts and missing references with their ECR exceptions', async () => {
    await rejectsWith(ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: 'v1' })), 'ImageAlreadyExistsException');
    await rejectsWith(
      ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: 'v2', imageDigest: randomDigest() })),
      'ImageDigestDoesNotMatchException',
    );
    const withDigest = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: 'v2', imageDigest: sha256(manifest) }));
    assert.deepEqual(withDigest.image?.imageId, { imageDigest: sha256(manifest), imageTag: 'v2' });

    const missingLayer = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, size: config.length, digest: configDigest },
      layers: [{ mediaType: MT.ociLayer, size: 5, digest: randomDigest() }],
    });
    await rejectsWith(ecr.send(new PutImageCommand({ repositoryName, imageManifest: missingLayer, imageTag: 'broken' })), 'LayersNotFoundException');
    const missingChild = JSON.stringify(imageIndex({ manifests: [{ mediaType: MT.ociManifest, digest: randomDigest(), size: 100 }] }));
    await rejectsWith(ecr.send(new PutImageCommand({ repositoryName, imageManifest: missingChild, imageTag: 'broken' })), 'ReferencedImagesNotFoundException');

    // A manifest without its own mediaType needs imageManifestMediaType.
    const bare = JSON.stringify({ schemaVersion: 2, config: { mediaType: MT.ociConfig, size: config.length, digest: configDigest }, layers: [] });
    await rejectsWith(ecr.send(new PutImageCommand({ repositoryName, imageManifest: bare, imageTag: 'bare' })), 'InvalidParameterException');
    const typed = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: bare, imageTag: 'bare', imageManifestMediaType: MT.ociManifest }));
    assert.equal(typed.image?.imageManifestMediaType, MT.ociManifest);
  });

  it('keeps immutable tags immutable on both doors (one rule in the domain)', async () => {
    const immutable = await createRepository('IMMUTABLE');
    const first = await pushTagged(immutable, ['v1']);
    const second = await v2.pushImage(immutable, undefined, { docker: true });
    await rejectsWith(
      ecr.send(new PutImageCommand({ repositoryName: immutable, imageManifest: second.bytes.toString('utf8'), imageTag: 'v1' })),
      'ImageTagAlreadyExistsException',
    );
    expectError(await v2.putManifest(immutable, 'v1', second.bytes, MT.dockerManifest), 400, 'TAG_INVALID');
    const still = await ecr.send(new BatchGetImageCommand({ repositoryName: immutable, imageIds: [{ imageTag: 'v1' }] }));
    assert.equal(still.images?.[0]?.imageId?.imageDigest, first.descriptor.digest);
  });
});

describe('reading /v2/-pushed images through the ECR API', () => {
  let repositoryName: string;
  let x: ImageResult;
  let y: ImageResult;
  let z: ImageResult;

  before(async () => {
    repositoryName = await createRepository();
    x = await pushTagged(repositoryName, ['t1', 't2', 't3'], 2);
    y = await pushTagged(repositoryName, ['y1']);
    z = await v2.pushImage(repositoryName, undefined, { docker: true });
  });

  it('lists one id per tag plus untagged digests, across pages with the SDK paginator', async () => {
    const ids: ImageIdentifier[] = [];
    let pages = 0;
    for await (const page of paginateListImages({ client: ecr, pageSize: 2 }, { repositoryName })) {
      pages++;
      assert.ok((page.imageIds?.length ?? 0) <= 2, 'page size respected');
      ids.push(...(page.imageIds ?? []));
    }
    assert.ok(pages >= 3, `expected at least 3 pages, got ${pages}`);
    const key = (id: ImageIdentifier) => `${id.imageDigest}|${id.imageTag ?? ''}`;
    const expected: ImageIdentifier[] = [
      { imageDigest: x.descriptor.digest, imageTag: 't1' },
      { imageDigest: x.descriptor.digest, imageTag: 't2' },
      { imageDigest: x.descriptor.digest, imageTag: 't3' },
      { imageDigest: y.descriptor.digest, imageTag: 'y1' },
      { imageDigest: z.descriptor.digest },
    ];
    assert.deepEqual(ids.map(key).sort(), expected.map(key).sort());
    assert.equal(new Set(ids.map(key)).size, ids.length, 'no id listed twice');

    const tagged = await ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: 'TAGGED' } }));
    assert.equal(tagged.imageIds?.length, 4);
    assert.ok(tagged.imageIds?.every((id) => id.imageTag !== undefined));
    const untagged = await ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: 'UNTAGGED' } }));
    assert.deepEqual(untagged.imageIds, [{ imageDigest: z.descriptor.digest }]);
    await rejectsWith(ecr.send(new ListImagesCommand({ repositoryName, maxResults: 1001 })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new ListImagesCommand({ repositoryName, nextToken: 'garbage' })), 'InvalidParameterException');
  });

  it('describes each image once with its tags, size, media types and push time', async () => {
    const details: ImageDetail[] = [];
    for await (const page of paginateDescribeImages({ client: ecr, pageSize: 1 }, { repositoryName })) {
      assert.ok((page.imageDetails?.length ?? 0) <= 1, 'page size respected');
      details.push(...(page.imageDetails ?? []));
    }
    assert.equal(details.length, 3);
    const ofX = details.find((d) => d.imageDigest === x.descriptor.digest);
    assert.ok(ofX, 'image x described');
    assert.deepEqual([...(ofX.imageTags ?? [])].sort(), ['t1', 't2', 't3']);
    assert.equal(ofX.imageSizeInBytes, imageSize(x));
    assert.equal(ofX.imageManifestMediaType, MT.dockerManifest);
    assert.equal(ofX.artifactMediaType, MT.dockerConfig);
    assert.equal(ofX.registryId, admin.registryId);
    assert.equal(ofX.repositoryName, repositoryName);
    assert.ok(ofX.imagePushedAt instanceof Date && Math.abs(ofX.imagePushedAt.getTime() - Date.now()) < 60_000, 'imagePushedAt is recent');
    const ofZ = details.find((d) => d.imageDigest === z.descriptor.digest);
    assert.equal(ofZ?.imageTags, undefined, 'untagged image has no tags');

    const byTag = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: 't2' }, { imageDigest: y.descriptor.digest }] }));
    assert.deepEqual(byTag.imageDetails?.map((d) => d.imageDigest), [x.descriptor.digest, y.descriptor.digest]);
    await rejectsWith(ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: 'nope' }] })), 'ImageNotFoundException');
    await rejectsWith(ecr.send(new DescribeImagesCommand({ repositoryName: `${repositoryName}-missing` })), 'RepositoryNotFoundException');

    const untagged = await ecr.send(new DescribeImagesCommand({ repositoryName, filter: { tagStatus: 'UNTAGGED' } }));
    assert.deepEqual(untagged.imageDetails?.map((d) => d.imageDigest), [z.descriptor.digest]);
  });

  it('sizes an index as its largest image', async () => {
    const index = manifestBytes(imageIndex({ mediaType: MT.dockerList, manifests: [{ ...x.descriptor }, { ...y.descriptor }] }));
    await v2.pushManifest(repositoryName, 'multi', index, MT.dockerList);
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: 'multi' }] }));
    assert.equal(out.imageDetails?.[0]?.imageSizeInBytes, Math.max(imageSize(x), imageSize(y)));
    assert.equal(out.imageDetails?.[0]?.imageManifestMediaType, MT.dockerList);
  });

  it('gets manifests byte-for-byte with per-image failures', async () => {
    const out = await ecr.send(
      new BatchGetImageCommand({
        repositoryName,
        imageIds: [
          { imageTag: 't1' },
          { imageDigest: y.descriptor.digest },
          { imageTag: 'nope' },
          { imageDigest: x.descriptor.digest, imageTag: 'y1' },
          {},
          { imageDigest: 'sha256:xyz' },
        ],
        acceptedMediaTypes: [MT.dockerManifest, MT.ociManifest],
      }),
    );
    assert.equal(out.images?.length, 2);
    assert.deepEqual(out.images?.[0]?.imageId, { imageDigest: x.descriptor.digest, imageTag: 't1' });
    assert.equal(out.images?.[0]?.imageManifest, x.bytes.toString('utf8'));
    assert.equal(out.images?.[0]?.imageManifestMediaType, MT.dockerManifest);
    assert.deepEqual(out.images?.[1]?.imageId, { imageDigest: y.descriptor.digest });
    assert.equal(out.images?.[1]?.imageManifest, y.bytes.toString('utf8'));
    assert.deepEqual(
      out.failures?.map((f) => [f.imageId, f.failureCode]),
      [
        [{ imageTag: 'nope' }, 'ImageNotFound'],
        [{ imageDigest: x.descriptor.digest, imageTag: 'y1' }, 'ImageTagDoesNotMatchDigest'],
        [{}, 'MissingDigestAndTag'],
        [{ imageDigest: 'sha256:xyz' }, 'InvalidImageDigest'],
      ],
    );
    assert.equal(out.failures?.[0]?.failureReason, 'Requested image not found');
  });

  it('lists referrers of a subject, filtered by artifact type and paginated', async () => {
    await v2.pushBlob(repositoryName, EMPTY_JSON);
    const empty: Descriptor = { mediaType: MT.empty, digest: EMPTY_JSON_DIGEST, size: 2 };
    const subject: Descriptor = { mediaType: MT.dockerManifest, digest: x.descriptor.digest, size: x.descriptor.size };
    const pushed: Record<string, string> = {};
    for (const [i, artifactType] of ['application/vnd.example.sbom', 'application/vnd.example.sbom', 'application/vnd.example.sig'].entries()) {
      const body = imageManifest({ artifactType, config: empty, layers: [], subject, annotations: { n: String(i) } });
      const res = await v2.pushManifest(repositoryName, sha256(manifestBytes(body)), body, MT.ociManifest);
      pushed[res.digest] = artifactType;
    }
    const all = await ecr.send(new ListImageReferrersCommand({ repositoryName, subjectId: { imageDigest: x.descriptor.digest } }));
    assert.equal(all.referrers?.length, 3);
    assert.equal(all.nextToken, undefined);
    for (const r of all.referrers ?? []) {
      assert.equal(r.artifactType, pushed[r.digest!]);
      assert.equal(r.mediaType, MT.ociManifest);
      assert.equal(r.artifactStatus, 'ACTIVE');
      assert.ok((r.size ?? 0) > 0);
      assert.ok(r.annotations?.n !== undefined);
    }
    const sboms = await ecr.send(
      new ListImageReferrersCommand({ repositoryName, subjectId: { imageDigest: x.descriptor.digest }, filter: { artifactTypes: ['application/vnd.example.sbom'] } }),
    );
    assert.equal(sboms.referrers?.length, 2);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(new ListImageReferrersCommand({ repositoryName, subjectId: { imageDigest: x.descriptor.digest }, maxResults: 1, nextToken }));
      assert.ok((page.referrers?.length ?? 0) <= 1);
      seen.push(...(page.referrers ?? []).map((r) => r.digest!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(seen.sort(), Object.keys(pushed).sort());
    const none = await ecr.send(new ListImageReferrersCommand({ repositoryName, subjectId: { imageDigest: y.descriptor.digest } }));
    assert.deepEqual(none.referrers, []);
  });

  it('records pulls made with BatchGetImage as lastRecordedPullTime', async () => {
    const fresh = await pushTagged(repositoryName, ['pulled']);
    const before = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: 'pulled' }] }));
    assert.equal(before.imageDetails?.[0]?.lastRecordedPullTime, undefined, 'never pulled yet');
    const start = Date.now();
    await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'pulled' }] }));
    let pulledAt: Date | undefined;
    for (let i = 0; i < 40 && pulledAt === undefined; i++) {
      await sleep(200);
      const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: fresh.descriptor.digest }] }));
      pulledAt = out.imageDetails?.[0]?.lastRecordedPullTime;
    }
    assert.ok(pulledAt instanceof Date, 'lastRecordedPullTime appears after the recorder flushes');
    assert.ok(pulledAt.getTime() >= start - 1000 && pulledAt.getTime() <= Date.now() + 1000, 'lastRecordedPullTime is the pull time');
  });
});

describe('deleting images', () => {
  it('deletes by tag and digest with per-image failures; the last tag takes the image with it', async () => {
    const repositoryName = await createRepository();
    const p = await pushTagged(repositoryName, ['a', 'b']);
    const q = await v2.pushImage(repositoryName, undefined, { docker: true });
    const ghost = randomDigest();
    const out = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName,
        imageIds: [{ imageTag: 'a' }, { imageDigest: q.descriptor.digest }, { imageTag: 'ghost' }, { imageDigest: ghost }, { imageDigest: 'sha256:nothex' }, {}],
      }),
    );
    assert.deepEqual(out.imageIds, [{ imageDigest: p.descriptor.digest, imageTag: 'a' }, { imageDigest: q.descriptor.digest }]);
    assert.deepEqual(
      out.failures?.map((f) => [f.imageId, f.failureCode]),
      [
        [{ imageTag: 'ghost' }, 'ImageNotFound'],
        [{ imageDigest: ghost }, 'ImageNotFound'],
        [{ imageDigest: 'sha256:nothex' }, 'InvalidImageDigest'],
        [{}, 'MissingDigestAndTag'],
      ],
    );
    const left = await ecr.send(new ListImagesCommand({ repositoryName }));
    assert.deepEqual(left.imageIds, [{ imageDigest: p.descriptor.digest, imageTag: 'b' }]);
    expectError(await v2.get(`/v2/${repositoryName}/manifests/${q.descriptor.digest}`), 404, 'MANIFEST_UNKNOWN');

    const last = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageTag: 'b' }] }));
    assert.deepEqual(last.imageIds, [{ imageDigest: p.descriptor.digest, imageTag: 'b' }]);
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName }))).imageIds, [], 'the untagged image went with its last tag');
    const gone = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest: p.descriptor.digest }] }));
    assert.deepEqual(gone.failures?.map((f) => f.failureCode), ['ImageNotFound']);
  });

  it('refuses to delete an image an index still references', async () => {
    const repositoryName = await createRepository();
    const child = await v2.pushImage(repositoryName, undefined, { docker: true });
    const index = manifestBytes(imageIndex({ mediaType: MT.dockerList, manifests: [{ ...child.descriptor }] }));
    const list = await v2.pushManifest(repositoryName, 'list', index, MT.dockerList);
    const refused = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: child.descriptor.digest }] }));
    assert.deepEqual(refused.imageIds, []);
    assert.deepEqual(refused.failures?.map((f) => f.failureCode), ['ImageReferencedByManifestList']);
    // Deleting the index first frees the child.
    const both = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: list.digest }, { imageDigest: child.descriptor.digest }] }));
    assert.deepEqual(both.imageIds, [{ imageDigest: list.digest, imageTag: 'list' }, { imageDigest: child.descriptor.digest }]);
    assert.deepEqual(both.failures, []);
  });
});

describe('pushing to a repository that does not exist', () => {
  it('creates it from the ROOT creation template, as /v2/ pushes do, and fails without one', async () => {
    const created = `ecr-images/${uniqueName('on-push')}`;
    const digest = await uploadLayer(created, randomBlob(20), 1);
    const check = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: created, layerDigests: [digest] }));
    assert.equal(check.layers?.[0]?.layerAvailability, 'AVAILABLE');

    await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'ROOT' }));
    const missing = `ecr-images/${uniqueName('missing')}`;
    await rejectsWith(ecr.send(new InitiateLayerUploadCommand({ repositoryName: missing })), 'RepositoryNotFoundException');
    const manifest = JSON.stringify(imageManifest({ mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest, size: 20 }, layers: [] }));
    await rejectsWith(ecr.send(new PutImageCommand({ repositoryName: missing, imageManifest: manifest, imageTag: 'v1' })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new ListImagesCommand({ repositoryName: missing })), 'RepositoryNotFoundException');
  });
});

describe('protocol invariants', () => {
  it('no /v2/ response missed its API version header or failed with 5xx', () => {
    assertNoViolations();
  });
});
