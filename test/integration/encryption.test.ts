// Encryption at rest through a real server: what lies on disk (or in the bucket, when the suite runs
// on S3) is ciphertext, reads and ranges come back exact, tampering is caught, repositories with
// different keys never share ciphertext, and a key rotation keeps every image pullable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { overwriteStored, runWharf, startWharf, storedObjects, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials } from '../helpers/credentials.js';
import { basicAuth, expectStatus, Registry, sha256, uniqueName } from './client.js';

const MARKER = Buffer.from('WHARF-PLAINTEXT-MARKER-0123456789');

/** A layer that a plaintext copy of would be easy to spot: the marker between random runs. */
function recognizableLayer(size: number): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const part = Buffer.concat([MARKER, randomBytes(1000)]);
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts).subarray(0, size);
}

function holdersOf(objects: Map<string, Buffer>, needle: Buffer): string[] {
  return [...objects].filter(([, bytes]) => bytes.includes(needle)).map(([name]) => name);
}

/** `wharf admin ...` on the same metadata and storage as the server on `dataDir`. */
async function wharfAdmin(dataDir: string, ...args: string[]): Promise<unknown> {
  const result = await runWharf(dataDir, ['admin', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

async function readAll(response: Response): Promise<Buffer | Error> {
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    return error as Error;
  }
}

describe('encryption at rest (--encrypt-at-rest)', () => {
  let server: WharfProcess;
  let registry: Registry;
  let ecr: ECRClient;

  before(async () => {
    server = await startWharf({ anonymous: false, extraArgs: ['--encrypt-at-rest'] });
    const credentials = await readAdminCredentials(server.dataDir);
    registry = new Registry(server.url, basicAuth(credentials.accessKeyId, credentials.secretAccessKey));
    ecr = new ECRClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  });

  after(async () => {
    ecr?.destroy();
    await server?.dispose();
  });

  it('stores only ciphertext, and reads and ranges come back byte for byte', async () => {
    const repo = uniqueName('sealed');
    const layer = recognizableLayer(300_000);
    const pushed = await registry.pushBlob(repo, layer);
    assert.deepEqual(holdersOf(await storedObjects(server.dataDir), MARKER), []);
    const whole = await registry.getBlob(repo, pushed.digest);
    expectStatus(whole, 200);
    assert.ok(whole.body.equals(layer));
    for (const [start, end] of [[0, 0], [65_530, 65_545], [131_071, 131_072], [299_000, 299_999]] as const) {
      const part = await registry.getBlob(repo, pushed.digest, { range: `bytes=${start}-${end}` });
      expectStatus(part, 206);
      assert.ok(part.body.equals(layer.subarray(start, end + 1)), `range ${start}-${end}`);
    }
  });

  it('keeps repositories with different keys apart: own ciphertext, no mounting across keys', async () => {
    await wharfAdmin(server.dataDir, 'encryption-key', 'create', 'alias/team-a');
    const kmsRepo = uniqueName('kms');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: kmsRepo, encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/team-a' } }));
    const defaultRepo = uniqueName('default');
    const otherDefaultRepo = uniqueName('default-too');
    const layer = randomBytes(200_000);
    const before = await storedObjects(server.dataDir);
    await registry.pushBlob(defaultRepo, layer);
    const after1 = await storedObjects(server.dataDir);
    const digest = sha256(layer);

    // Same key: the blob is mounted, not stored twice.
    const sameKey = await registry.request('POST', `/v2/${otherDefaultRepo}/blobs/uploads/?mount=${digest}&from=${defaultRepo}`);
    expectStatus(sameKey, 201);
    // Another key: the mount is declined and the client uploads the bytes into the other store.
    const otherKey = await registry.request('POST', `/v2/${kmsRepo}/blobs/uploads/?mount=${digest}&from=${defaultRepo}`);
    expectStatus(otherKey, 202);
    await registry.pushBlob(kmsRepo, layer);
    const after2 = await storedObjects(server.dataDir);

    const newIn = (later: Map<string, Buffer>, earlier: Map<string, Buffer>) => [...later.keys()].filter((k) => !earlier.has(k) && /blobs\//.test(k));
    const first = newIn(after1, before);
    const second = newIn(after2, after1);
    assert.equal(first.length, 1, `one stored blob for the default key: ${first.join(', ')}`);
    assert.equal(second.length, 1, `one stored blob for alias/team-a: ${second.join(', ')}`);
    assert.notEqual(first[0]!.split('/blobs/')[0], second[0]!.split('/blobs/')[0], 'both keys store under the same directory');
    assert.ok(!after2.get(first[0]!)!.equals(after2.get(second[0]!)!), 'identical layers share ciphertext across keys');
    for (const repo of [defaultRepo, otherDefaultRepo, kmsRepo]) {
      const got = await registry.getBlob(repo, digest);
      expectStatus(got, 200);
      assert.ok(got.body.equals(layer));
    }
  });

  it('refuses a repository under a key the key ring does not hold', async () => {
    await assert.rejects(
      ecr.send(new CreateRepositoryCommand({ repositoryName: uniqueName('nokey'), encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/never-created' } })),
      (error: Error) => error.name === 'KmsException',
    );
  });

  it('detects a tampered chunk and never serves it', async () => {
    const repo = uniqueName('tampered');
    const layer = randomBytes(200_000);
    const before = await storedObjects(server.dataDir);
    const pushed = await registry.pushBlob(repo, layer);
    const [name] = [...(await storedObjects(server.dataDir)).keys()].filter((k) => !before.has(k) && /blobs\//.test(k));
    assert.ok(name, 'the pushed blob is not in storage');
    const stored = (await storedObjects(server.dataDir)).get(name)!;
    const tampered = Buffer.from(stored);
    tampered[100_000] = tampered[100_000]! ^ 0x01; // inside the second 64 KiB chunk
    await overwriteStored(server.dataDir, name, tampered);

    const whole = await fetch(`${server.url}/v2/${repo}/blobs/${pushed.digest}`, { headers: { authorization: registry.authorization! } });
    const body = await readAll(whole);
    assert.ok(body instanceof Error || !body.equals(layer), 'a tampered blob was served whole');
    if (!(body instanceof Error)) assert.ok(body.length < layer.length, `served ${body.length} bytes of a tampered blob`);
    // Chunks before the damage still read; the damaged one is refused.
    const early = await registry.getBlob(repo, pushed.digest, { range: 'bytes=0-999' });
    expectStatus(early, 206);
    assert.ok(early.body.equals(layer.subarray(0, 1000)));
    const damaged = await fetch(`${server.url}/v2/${repo}/blobs/${pushed.digest}`, { headers: { authorization: registry.authorization!, range: 'bytes=99000-101000' } });
    const damagedBody = await readAll(damaged);
    assert.ok(damagedBody instanceof Error || damaged.status !== 206 || damagedBody.length < 2001, 'a tampered range was served');
    expectStatus(await registry.get('/v2/'), 200);
    await overwriteStored(server.dataDir, name, stored);
  });

  it('rotates the key: data keys are re-wrapped, blobs untouched, every image still pulls', async () => {
    const repo = uniqueName('rotated');
    const layers = [randomBytes(70_000), randomBytes(5), randomBytes(140_000)];
    for (const layer of layers) await registry.pushBlob(repo, layer);
    const blobsBefore = new Map([...(await storedObjects(server.dataDir))].filter(([k]) => /blobs\//.test(k)));
    const rotated = (await wharfAdmin(server.dataDir, 'encryption-key', 'rotate', 'aws/ecr')) as { version: number; rewrapped: number };
    assert.equal(rotated.version, 2);
    assert.ok(rotated.rewrapped >= layers.length, `only ${rotated.rewrapped} data keys were re-wrapped`);
    const blobsAfter = new Map([...(await storedObjects(server.dataDir))].filter(([k]) => /blobs\//.test(k)));
    assert.deepEqual([...blobsAfter.keys()].sort(), [...blobsBefore.keys()].sort());
    for (const [name, bytes] of blobsBefore) assert.ok(blobsAfter.get(name)!.equals(bytes), `${name} was rewritten`);
    // The running server learns the new key version when it meets it.
    for (const layer of layers) {
      const got = await registry.getBlob(repo, sha256(layer));
      expectStatus(got, 200);
      assert.ok(got.body.equals(layer));
    }
    const listed = (await wharfAdmin(server.dataDir, 'encryption-key', 'list')) as { name: string; version: number }[];
    assert.ok(listed.some((k) => k.name === 'aws/ecr' && k.version === 2));
  });
});

describe('without --encrypt-at-rest', () => {
  let server: WharfProcess;

  before(async () => {
    server = await startWharf();
  });

  after(async () => {
    await server?.dispose();
  });

  it('stores AES256 repositories as pushed, which the ciphertext checks above would catch', async () => {
    const repo = uniqueName('plain');
    await new Registry(server.url).pushBlob(repo, recognizableLayer(100_000));
    assert.equal(holdersOf(await storedObjects(server.dataDir), MARKER).length, 1);
  });
});
