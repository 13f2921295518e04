// `wharf migrate` from a single-machine installation to the scale-out arrangement (a fresh
// PostgreSQL database and an S3 bucket), then a node on the target serving everything the old one
// held, to the same credentials. When the suite itself runs on PostgreSQL + S3 the source is such
// an installation too, which the move handles the same way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { makeTempDir, runWharf, startWharf, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials, type AdminCredentials } from '../helpers/credentials.js';
import { freshDatabase } from '../helpers/postgres-server.js';
import { createS3Client, sharedS3Server } from '../helpers/s3-server.js';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { basicAuth, expectStatus, MT, Registry, sha256, uniqueName, type ImageResult } from './client.js';


describe('wharf migrate to PostgreSQL + S3', () => {
  let source: WharfProcess;
  let credentials: AdminCredentials;
  const images: { repo: string; tag: string; image: ImageResult }[] = [];
  let targetConfig: string;
  let targetEnv: Record<string, string>;
  let bucket: string;
  let database: string;

  before(async () => {
    source = await startWharf({ anonymous: false, extraArgs: ['--encrypt-at-rest'] });
    credentials = await readAdminCredentials(source.dataDir);
    const registry = new Registry(source.url, basicAuth(credentials.accessKeyId, credentials.secretAccessKey));
    const created = await runWharf(source.dataDir, ['admin', 'encryption-key', 'create', 'alias/team']);
    assert.equal(created.code, 0, created.stderr);
    const ecr = new ECRClient({ endpoint: source.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const kmsRepo = uniqueName('kms');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: kmsRepo, encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/team' } }));
    ecr.destroy();
    for (const repo of [uniqueName('moved'), uniqueName('moved'), kmsRepo]) {
      for (const tag of ['v1', 'v2']) images.push({ repo, tag, image: await registry.pushImage(repo, tag, { layerCount: 2 }) });
    }
    await source.stop();

    let s3;
    [database, s3] = await Promise.all([freshDatabase(), sharedS3Server()]);
    bucket = await s3.createBucket('migrated');
    targetConfig = join(makeTempDir('wharf-target-'), 'target.yaml');
    const target = {
      dataDir: join(targetConfig, '..', 'data'),
      database,
      storage: 's3',
      s3Bucket: bucket,
      s3Prefix: 'registry/',
      s3Endpoint: s3.endpoint,
      s3ForcePathStyle: true,
      s3AccessKeyId: s3.accessKeyId,
      s3SecretAccessKey: s3.secretAccessKey,
    };
    writeFileSync(targetConfig, JSON.stringify(target));
    targetEnv = Object.fromEntries(Object.entries(target).map(([k, v]) => [`WHARF_${k.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()}`, String(v)]));
  });

  after(async () => {
    await source?.dispose();
  });

  it('copies metadata and blobs with progress, and verifies every digest', async () => {
    const result = await runWharf(source.dataDir, ['migrate', '--to-config', targetConfig]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { blobsCopied: number; verified: { manifests: number; blobs: number }; problems: string[] };
    assert.deepEqual(summary.problems, []);
    assert.equal(summary.verified.manifests, images.length);
    // Each image: a random config and two random layers.
    assert.equal(summary.blobsCopied, images.length * 3);
    assert.equal(summary.verified.blobs, images.length * 3);
    assert.match(result.stderr, /metadata manifests +\[#+\] 100%/);
    assert.match(result.stderr, /blobs \[#+\] 100% 18\/18/);
  });

  it('can run again: nothing is copied twice and the target still verifies', async () => {
    const result = await runWharf(source.dataDir, ['migrate', '--to-config', targetConfig]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { blobsCopied: number; blobsAlreadyThere: number; problems: string[] };
    assert.equal(summary.blobsCopied, 0);
    assert.equal(summary.blobsAlreadyThere, images.length * 3);
    assert.deepEqual(summary.problems, []);
  });

  it('gives a node on the target every image, byte for byte, to the old credentials', async () => {
    const sourceDir = source.dataDir;
    const keys: Record<string, string> = {
      WHARF_MASTER_KEY: process.env.WHARF_MASTER_KEY ?? readFileSync(join(sourceDir, 'master.key'), 'utf8').trim(),
    };
    if (existsSync(join(sourceDir, 'encryption-keys.json'))) keys.WHARF_ENCRYPTION_KEYS = readFileSync(join(sourceDir, 'encryption-keys.json'), 'utf8');
    const node = await startWharf({ anonymous: false, extraArgs: ['--registry-id', credentials.registryId, '--database', database], env: { ...targetEnv, ...keys } });
    try {
      const registry = new Registry(node.url, basicAuth(credentials.accessKeyId, credentials.secretAccessKey));
      for (const { repo, tag, image } of images) {
        const manifest = await registry.get(`/v2/${repo}/manifests/${tag}`, { accept: MT.ociManifest });
        expectStatus(manifest, 200);
        assert.ok(manifest.body.equals(image.bytes));
        for (const blob of [image.config, ...image.layers]) {
          const got = await registry.getBlob(repo, blob.digest);
          expectStatus(got, 200);
          assert.equal(sha256(got.body), blob.digest);
        }
      }
      // And it goes on working: a push to the migrated registry.
      const pushed = await registry.pushImage(images[0]!.repo, 'after-move');
      expectStatus(await registry.get(`/v2/${images[0]!.repo}/manifests/${pushed.descriptor.digest}`, { accept: MT.ociManifest }), 200);
    } finally {
      await node.dispose();
    }
  });

  it('--verify-only names a blob that no longer matches its digest and exits non-zero', async () => {
    const { image } = images.find((i) => !i.repo.startsWith('kms'))!;
    const s3 = await sharedS3Server();
    const client = createS3Client(s3);
    const hex = image.layers[0]!.digest.slice('sha256:'.length);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'registry/' }));
      const stored = (listed.Contents ?? []).map((o) => o.Key!).filter((key) => key.endsWith(`/blobs/sha256/${hex.slice(0, 2)}/${hex}`));
      assert.equal(stored.length, 1, `the layer is stored ${stored.length} times`);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: stored[0]!, Body: randomBytes(66) }));
    } finally {
      client.destroy();
    }
    const result = await runWharf(source.dataDir, ['migrate', '--to-config', targetConfig, '--verify-only']);
    assert.equal(result.code, 1, result.stderr);
    const summary = JSON.parse(result.stdout) as { problems: string[] };
    assert.equal(summary.problems.length, 1, summary.problems.join('\n'));
    assert.match(summary.problems[0]!, new RegExp(image.layers[0]!.digest));
  });
});
