// Two Wharf processes on one data directory and one metadata database (SQLite here, PostgreSQL
// when WHARF_TEST_POSTGRES is set): a tag moved through one node is served fresh by the other,
// although both cache resolved manifests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeTempDir, startWharf, type WharfProcess } from '../helpers/server.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function digest(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

async function pushImage(node: WharfProcess, repository: string, tag: string, salt: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', salt }));
  const post = await fetch(`${node.url}/v2/${repository}/blobs/uploads/?digest=${digest(config)}`, { method: 'POST', body: config });
  assert.equal(post.status, 201);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length }, layers: [] }));
  const put = await fetch(`${node.url}/v2/${repository}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': OCI_MANIFEST } });
  assert.equal(put.status, 201);
  return digest(manifest);
}

async function servedDigest(node: WharfProcess, repository: string, tag: string): Promise<string | null> {
  const response = await fetch(`${node.url}/v2/${repository}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
  await response.arrayBuffer();
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

/** Notifications between nodes are asynchronous on PostgreSQL: allow them a moment, not a TTL. */
async function eventually(read: () => Promise<string | null>, expected: string | null): Promise<string | null> {
  let last = await read();
  for (let i = 0; i < 20 && last !== expected; i++) {
    await new Promise((r) => setTimeout(r, 25));
    last = await read();
  }
  return last;
}

describe('two nodes sharing one registry', () => {
  let dataDir: string;
  let a: WharfProcess;
  let b: WharfProcess;

  before(async () => {
    dataDir = makeTempDir();
    a = await startWharf({ dataDir });
    b = await startWharf({ dataDir });
  });

  after(async () => {
    await a?.stop();
    await b?.dispose();
  });

  it('serves a retagged image fresh from the other node', async () => {
    const first = await pushImage(a, 'shared/app', 'v1', 'one');
    assert.equal(await eventually(() => servedDigest(b, 'shared/app', 'v1'), first), first);
    // b has now cached v1 -> first; moving the tag on a must not leave b serving the old image.
    const second = await pushImage(a, 'shared/app', 'v1', 'two');
    assert.notEqual(second, first);
    assert.equal(await eventually(() => servedDigest(b, 'shared/app', 'v1'), second), second);
  });

  it('stops serving a deleted manifest from the other node', async () => {
    const pushed = await pushImage(b, 'shared/gone', 'v1', 'three');
    assert.equal(await eventually(() => servedDigest(a, 'shared/gone', 'v1'), pushed), pushed);
    const deleted = await fetch(`${b.url}/v2/shared/gone/manifests/${pushed}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    assert.equal(await eventually(() => servedDigest(a, 'shared/gone', 'v1'), null), null);
  });
});
