// The scale-out arrangement for real: three `wharf serve` processes, each with its own (scratch) data
// directory, sharing one PostgreSQL database, one S3 bucket (Ceph RGW), one master key and one set
// of encryption keys (blobs are encrypted at rest). Nothing a client does may depend on which node
// answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials } from '../helpers/credentials.js';
import { freshDatabase } from '../helpers/postgres-server.js';
import { createS3Client, sharedS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { basicAuth, expectError, expectStatus, imageManifest, manifestBytes, MT, randomBlob, Registry, sessionFrom, sha256, uniqueName, withQuery } from '../integration/client.js';
import pg from 'pg';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';

const REGISTRY_ID = '210987654321';

describe('three stateless nodes on PostgreSQL + S3', () => {
  const nodes: WharfProcess[] = [];
  let clients: Registry[] = [];

  let credentials: { accessKeyId: string; secretAccessKey: string };
  let database: string;
  let storageEnv: Record<string, string>;
  let bucket: string;
  let s3: S3TestServer;
  const masterKey = randomBytes(32).toString('base64');
  const encryptionKeys = JSON.stringify({ keys: { 'aws/ecr': [randomBytes(32).toString('base64')] } });

  async function startNode(keys = { WHARF_MASTER_KEY: masterKey, WHARF_ENCRYPTION_KEYS: encryptionKeys }): Promise<WharfProcess> {
    const node = await startWharf({
      anonymous: false,
      extraArgs: ['--database', database, '--registry-id', REGISTRY_ID, '--encrypt-at-rest'],
      env: { ...storageEnv, ...keys },
    });
    nodes.push(node);
    return node;
  }

  before(async () => {
    [database, s3] = await Promise.all([freshDatabase(), sharedS3Server()]);
    bucket = await s3.createBucket('scale-out');
    storageEnv = {
      WHARF_STORAGE: 's3',
      WHARF_S3_BUCKET: bucket,
      WHARF_S3_PREFIX: 'registry/',
      WHARF_S3_ENDPOINT: s3.endpoint,
      WHARF_S3_ACCESS_KEY_ID: s3.accessKeyId,
      WHARF_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    // The first node bootstraps the administrator; the others find it in the shared database.
    const first = await startNode();
    await Promise.all([startNode(), startNode()]);
    credentials = await readAdminCredentials(first.dataDir);
    const authorization = basicAuth(credentials.accessKeyId, credentials.secretAccessKey);
    clients = nodes.map((node) => new Registry(node.url, authorization));
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.dispose()));
  });

  it('accepts the credentials the first node created on every node (shared master key)', async () => {
    for (const client of clients) expectStatus(await client.get('/v2/'), 200);
    for (const node of nodes.slice(1)) assert.doesNotMatch(node.output(), /created administrator access key/);
  });

  it('refuses to start a node whose keys differ from the ones the others use', async () => {
    const otherEncryption = JSON.stringify({ keys: { 'aws/ecr': [randomBytes(32).toString('base64')] } });
    await assert.rejects(startNode({ WHARF_MASTER_KEY: masterKey, WHARF_ENCRYPTION_KEYS: otherEncryption }), /encryption key aws\/ecr .* differs .* WHARF_ENCRYPTION_KEYS/);
    await assert.rejects(startNode({ WHARF_MASTER_KEY: randomBytes(32).toString('base64'), WHARF_ENCRYPTION_KEYS: encryptionKeys }), /master key differs .* WHARF_MASTER_KEY/);
  });

  it('keeps only ciphertext in the bucket', async () => {
    const marker = Buffer.from('SCALE-OUT-PLAINTEXT-MARKER');
    const layer = Buffer.concat(Array.from({ length: 2000 }, () => Buffer.concat([marker, randomBytes(100)])));
    const repo = uniqueName('ciphertext');
    await clients[1]!.pushBlob(repo, layer);
    const client = createS3Client(s3);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      assert.ok((listed.Contents ?? []).length > 0);
      for (const object of listed.Contents ?? []) {
        const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
        assert.ok(!Buffer.from(await body.Body!.transformToByteArray()).includes(marker), `${object.Key} holds plaintext`);
      }
    } finally {
      client.destroy();
    }
    const pulled = await clients[2]!.getBlob(repo, sha256(layer));
    expectStatus(pulled, 200);
    assert.ok(pulled.body.equals(layer));
  });

  it('takes a chunked upload whose PATCHes alternate between the nodes', async () => {
    const repo = uniqueName('alternating');
    const chunks = [randomBlob(6 * 1024 * 1024 + 7), randomBlob(300_000), randomBlob(5 * 1024 * 1024), randomBlob(1)];
    let session = await clients[0]!.startUpload(repo);
    let offset = 0;
    for (const [i, chunk] of chunks.entries()) {
      const client = clients[(i + 1) % clients.length]!;
      const patched = await client.request('PATCH', session.location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      });
      expectStatus(patched, 202);
      offset += chunk.length;
      assert.equal(patched.header('range'), `0-${offset - 1}`);
      session = sessionFrom(patched, client.base);
    }
    const whole = Buffer.concat(chunks);
    // Completed on a node that did not see the last chunk: it must re-hash what S3 holds.
    const done = await clients[1]!.request('PUT', withQuery(session.location, { digest: sha256(whole) }), { body: Buffer.alloc(0) });
    expectStatus(done, 201);
    for (const client of clients) {
      const blob = await client.getBlob(repo, sha256(whole));
      expectStatus(blob, 200);
      assert.ok(blob.body.equals(whole), 'blob differs when read through another node');
    }
  });

  it('serves an image pushed to one node from the others at once', async () => {
    for (const [i, pusher] of clients.entries()) {
      const repo = uniqueName(`pushed-on-${i}`);
      const image = await pusher.pushImage(repo, 'v1', { layerCount: 2 });
      for (const reader of clients) {
        const manifest = await reader.get(`/v2/${repo}/manifests/v1`, { accept: MT.ociManifest });
        expectStatus(manifest, 200);
        assert.ok(manifest.body.equals(image.bytes));
        for (const layer of image.layers) {
          const blob = await reader.getBlob(repo, layer.digest);
          expectStatus(blob, 200);
          assert.equal(sha256(blob.body), layer.digest);
        }
      }
    }
  });

  it('never serves a moved tag stale from another node', async () => {
    const repo = uniqueName('moving');
    const config = await clients[0]!.pushBlob(repo, Buffer.from('{"architecture":"amd64","os":"linux"}'));
    const manifestFor = (round: number) =>
      manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: [], annotations: { round: String(round) } }));
    const roundOf = new Map<string, number>();
    // Readers poll every node without pause while the tag moves; a read that starts after a push
    // was acknowledged must see that push or a later one.
    let acknowledged = -1;
    let stop = false;
    const stale: string[] = [];
    const readers = clients.map(async (reader, r) => {
      while (!stop) {
        const floor = acknowledged;
        const served = await reader.get(`/v2/${repo}/manifests/latest`, { accept: MT.ociManifest });
        if (served.status !== 200) continue;
        const round = roundOf.get(served.header('docker-content-digest')!) ?? -1;
        if (round < floor) stale.push(`node ${r} served round ${round} after round ${floor} was acknowledged`);
      }
    });
    for (let round = 0; round < 40; round++) {
      const bytes = manifestFor(round);
      roundOf.set(sha256(bytes), round);
      await clients[round % clients.length]!.pushManifest(repo, 'latest', bytes, MT.ociManifest);
      acknowledged = round;
    }
    stop = true;
    await Promise.all(readers);
    assert.deepEqual(stale, []);
  });

  it('ends 50 concurrent pushes of one tag across the nodes with one consistent winner', async () => {
    const repo = uniqueName('contested');
    const config = await clients[0]!.pushBlob(repo, Buffer.from('{"architecture":"arm64","os":"linux"}'));
    const manifests = Array.from({ length: 50 }, (_, n) =>
      manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: [], annotations: { n: String(n) } })),
    );
    const results = await Promise.all(manifests.map((bytes, n) => clients[n % clients.length]!.putManifest(repo, 'contested', bytes, MT.ociManifest)));
    for (const result of results) expectStatus(result, 201);
    const served = new Set<string>();
    for (const client of clients) {
      const got = await client.get(`/v2/${repo}/manifests/contested`, { accept: MT.ociManifest });
      expectStatus(got, 200);
      served.add(got.header('docker-content-digest')!);
    }
    assert.equal(served.size, 1, `nodes disagree on the tag: ${[...served].join(', ')}`);
    const winner = [...served][0]!;
    assert.ok(manifests.some((bytes) => sha256(bytes) === winner), 'the tag points at none of the pushed manifests');
    // Every pushed manifest stays addressable by digest: losing the tag race loses no image.
    for (const [n, bytes] of manifests.entries()) {
      const byDigest = await clients[(n + 1) % clients.length]!.head(`/v2/${repo}/manifests/${sha256(bytes)}`, { accept: MT.ociManifest });
      expectStatus(byDigest, 200);
    }
    const tags = await clients[2]!.get(`/v2/${repo}/tags/list`);
    assert.deepEqual(tags.json().tags, ['contested']);
  });

  it('lets exactly one of 30 concurrent pushes of an immutable tag across the nodes win', async () => {
    const repo = uniqueName('immutable');
    const ecr = new ECRClient({ endpoint: nodes[1]!.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: repo, imageTagMutability: 'IMMUTABLE' }));
    } finally {
      ecr.destroy();
    }
    const config = await clients[0]!.pushBlob(repo, Buffer.from('{"architecture":"s390x","os":"linux"}'));
    const manifests = Array.from({ length: 30 }, (_, n) =>
      manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: [], annotations: { n: String(n) } })),
    );
    const results = await Promise.all(manifests.map((bytes, n) => clients[n % clients.length]!.putManifest(repo, 'release', bytes, MT.ociManifest)));
    const winners = results.filter((r) => r.status === 201);
    assert.equal(winners.length, 1, `${winners.length} pushes of the immutable tag succeeded`);
    for (const loser of results.filter((r) => r.status !== 201)) expectError(loser, 400, 'TAG_INVALID');
    const winner = winners[0]!.header('docker-content-digest');
    for (const client of clients) {
      const got = await client.get(`/v2/${repo}/manifests/release`, { accept: MT.ociManifest });
      expectStatus(got, 200);
      assert.equal(got.header('docker-content-digest'), winner);
    }
  });

  it('redirects blob downloads to presigned S3 URLs with --blob-redirect', async () => {
    const node = await startNode();
    await node.stop();
    const redirecting = await startWharf({
      anonymous: false,
      extraArgs: ['--database', database, '--registry-id', REGISTRY_ID, '--encrypt-at-rest', '--blob-redirect'],
      env: { ...storageEnv, WHARF_MASTER_KEY: masterKey, WHARF_ENCRYPTION_KEYS: encryptionKeys },
    });
    nodes.push(redirecting);
    const client = new Registry(redirecting.url, clients[0]!.authorization);
    const layer = randomBytes(300_000);
    // Encrypted repositories (the default here) hold ciphertext: their blobs stream through the node.
    const sealedRepo = uniqueName('sealed');
    await client.pushBlob(sealedRepo, layer);
    expectStatus(await client.getBlob(sealedRepo, sha256(layer)), 200);
    // A repository of its own key stays encrypted too; only an unencrypted one redirects, which
    // needs a registry without --encrypt-at-rest: the plain store is the one S3 can serve.
    const plain = await startWharf({
      anonymous: false,
      extraArgs: ['--database', database, '--registry-id', REGISTRY_ID, '--blob-redirect'],
      env: { ...storageEnv, WHARF_MASTER_KEY: masterKey, WHARF_ENCRYPTION_KEYS: encryptionKeys },
    });
    nodes.push(plain);
    const plainClient = new Registry(plain.url, clients[0]!.authorization);
    const plainRepo = uniqueName('plain');
    await plainClient.pushBlob(plainRepo, layer);
    const redirect = await plainClient.getBlob(plainRepo, sha256(layer));
    expectStatus(redirect, 307);
    const location = redirect.header('location')!;
    assert.ok(location.startsWith(s3.endpoint), `redirected to ${location}`);
    const direct = await fetch(location);
    assert.equal(direct.status, 200);
    assert.ok(Buffer.from(await direct.arrayBuffer()).equals(layer));
    const ranged = await fetch(location, { headers: { range: 'bytes=100-199' } });
    assert.equal(ranged.status, 206);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(layer.subarray(100, 200)));
    // Authorization is checked before any URL is handed out.
    expectError(await new Registry(plain.url).getBlob(plainRepo, sha256(layer)), 401, 'UNAUTHORIZED');
    // HEAD answers itself.
    expectStatus(await plainClient.head(`/v2/${plainRepo}/blobs/${sha256(layer)}`), 200);
  });
});

describe('a node killed with -9 in the middle of a background job', () => {
  const nodes: WharfProcess[] = [];
  let database: string;
  let db: pg.Client;

  after(async () => {
    await db?.end();
    await Promise.all(nodes.map((node) => node.dispose()));
  });

  it('leaves its job to another node, which finishes it after the lease', { timeout: 120_000 }, async () => {
    let s3: S3TestServer;
    [database, s3] = await Promise.all([freshDatabase(), sharedS3Server()]);
    const bucket = await s3.createBucket('job-takeover');
    const env = {
      WHARF_STORAGE: 's3',
      WHARF_S3_BUCKET: bucket,
      WHARF_S3_ENDPOINT: s3.endpoint,
      WHARF_S3_ACCESS_KEY_ID: s3.accessKeyId,
      WHARF_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      WHARF_MASTER_KEY: randomBytes(32).toString('base64'),
      WHARF_ENCRYPTION_KEYS: JSON.stringify({ keys: { 'aws/ecr': [randomBytes(32).toString('base64')] } }),
    };
    // Upload sessions idle for 6 s are swept by the recurring expiry job; a dead node's claim on it
    // lapses after 2 s.
    const args = ['--database', database, '--registry-id', REGISTRY_ID, '--upload-ttl', '6s', '--job-lease', '2s'];
    for (let i = 0; i < 2; i++) nodes.push(await startWharf({ extraArgs: args, env }));
    db = new pg.Client({ connectionString: database });
    await db.connect();

    // Enough abandoned sessions that sweeping them takes a while (each is a row and S3 objects).
    const registries = nodes.map((node) => new Registry(node.url));
    const sessions = 600;
    for (let i = 0; i < sessions; i += 30) {
      await Promise.all(Array.from({ length: 30 }, (_, j) => registries[(i + j) % 2]!.startUpload(uniqueName('abandoned'))));
    }
    const remaining = async () => Number((await db.query('SELECT count(*) AS n FROM uploads')).rows[0].n);
    const created = await remaining();
    assert.ok(created > sessions / 2, `the sweep began before the sessions were made (${created} left)`);

    // Wait until one node is part-way through the sweep, then kill that node.
    let victim: WharfProcess | undefined;
    const deadline = Date.now() + 30_000;
    while (!victim && Date.now() < deadline) {
      const job = await db.query("SELECT lease_owner FROM jobs WHERE kind = 'uploads.expire' AND lease_owner IS NOT NULL");
      const owner = job.rows[0]?.lease_owner as string | undefined;
      const left = await remaining();
      if (owner && left < created && left > created / 4) victim = nodes.find((node) => owner.startsWith(`${node.child.pid}-`));
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(victim, 'never caught a node in the middle of the sweep');
    await victim.kill();
    const leftAtKill = await remaining();
    assert.ok(leftAtKill > 0, 'the sweep finished before the kill');
    const survivor = nodes.find((node) => node !== victim)!;

    // The survivor takes the job over once the lease has lapsed and finishes the sweep, stray S3
    // objects of sessions the victim was removing included.
    const client = createS3Client(s3);
    try {
      let objects = -1;
      for (let i = 0; i < 900 && ((await remaining()) > 0 || objects !== 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        objects = ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'uploads/' }))).Contents ?? []).length;
      }
      const jobRow = (await db.query("SELECT * FROM jobs WHERE kind = 'uploads.expire'")).rows[0];
      assert.equal(await remaining(), 0, `sessions were left behind; job ${JSON.stringify(jobRow)}; survivor log:\n${survivor.output().split('\n').slice(-15).join('\n')}`);
      assert.equal(objects, 0, 'upload objects were left in the bucket');
    } finally {
      client.destroy();
    }
    assert.match(survivor.output(), /expired abandoned uploads/);
    const job = await db.query("SELECT status, lease_owner FROM jobs WHERE kind = 'uploads.expire'");
    assert.equal(job.rows[0].status, 'pending', 'the recurring job is armed again');
    assert.ok(job.rows[0].lease_owner === null || String(job.rows[0].lease_owner).startsWith(`${survivor.child.pid}-`));
    expectStatus(await new Registry(survivor.url).get('/v2/'), 200);
  });
});
