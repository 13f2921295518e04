// The BlobStore conformance suite against S3BlobStore on a real S3-compatible server (Ceph RGW),
// plus what only an object store shows: segment layout, server-side assembly of large uploads,
// another node taking over an upload, retries through injected faults, presigned reads.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { MAX_SEGMENTS, MIN_PART_BYTES, S3BlobStore, segmentSize } from '../../src/storage/index.js';
import { describeBlobStoreConformance } from './blob-store-suite.js';
import { sharedS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function storeOn(server: Pick<S3TestServer, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>, bucket: string, prefix = ''): S3BlobStore {
  return new S3BlobStore({
    bucket,
    prefix,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

function digestOf(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function keysUnder(store: S3BlobStore, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const page = await store.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0 }));
}

describeBlobStoreConformance('S3BlobStore (Ceph RGW)', async () => {
  const server = await sharedS3Server();
  const bucket = await server.createBucket('conformance');
  const store = storeOn(server, bucket, 'registry/');
  return { store, cleanup: async () => store.close() };
});

describe('segment sizes', () => {
  it('every segment is a legal multipart part, and 10,000 of them hold a 100 GiB layer', () => {
    let total = 0;
    for (let i = 0; i < MAX_SEGMENTS; i++) {
      const size = segmentSize(i);
      assert.ok(size >= MIN_PART_BYTES, `segment ${i} is ${size} bytes`);
      assert.ok(size <= 5 * GiB, `segment ${i} is over the 5 GiB copy limit`);
      total += size;
    }
    assert.ok(total >= 100 * GiB, `10,000 segments hold only ${total / GiB} GiB`);
  });

  it('starts small, so ordinary layers do not need big buffers', () => {
    assert.equal(segmentSize(0), 8 * MiB);
    assert.ok(segmentSize(1999) === 8 * MiB && segmentSize(2000) === 16 * MiB);
  });
});

describe('S3BlobStore on a real object store', () => {
  let server: S3TestServer;
  let bucket: string;

  before(async () => {
    server = await sharedS3Server();
    bucket = await server.createBucket('s3-driver');
  });

  it('keeps everything under its prefix, blobs at blobs/<algorithm>/<2 hex>/<hex>', async () => {
    const prefix = `p-${randomUUID().slice(0, 8)}/`;
    const store = storeOn(server, bucket, prefix);
    try {
      const bytes = randomBytes(1000);
      const id = randomUUID();
      await store.createUpload(id);
      await store.appendUpload(id, 0, Readable.from([bytes]));
      const during = await keysUnder(store, bucket, prefix);
      assert.deepEqual(during.map((o) => o.key).sort(), [`${prefix}uploads/${id}/0000000000000000`, `${prefix}uploads/${id}/created`]);
      const digest = digestOf(bytes);
      await store.commitUpload(id, digest);
      const hex = digest.slice('sha256:'.length);
      assert.deepEqual((await keysUnder(store, bucket, prefix)).map((o) => o.key), [`${prefix}blobs/sha256/${hex.slice(0, 2)}/${hex}`]);
    } finally {
      store.close();
    }
  });

  it('merges small appends into parts of at least 5 MiB and assembles a multi-part blob server-side', async () => {
    const store = storeOn(server, bucket, `merge-${randomUUID().slice(0, 8)}/`);
    try {
      const bytes = randomBytes(21 * MiB + 12345);
      const id = randomUUID();
      await store.createUpload(id);
      // 700 KiB appends, as a chunked push with small PATCHes would send them.
      const step = 700 * 1024;
      for (let offset = 0; offset < bytes.length; offset += step) {
        const piece = bytes.subarray(offset, Math.min(bytes.length, offset + step));
        assert.equal(await store.appendUpload(id, offset, Readable.from([piece])), offset + piece.length);
      }
      const segments = (await keysUnder(store, bucket, `merge-`)).filter((o) => /\/\d{16}$/.test(o.key));
      assert.ok(segments.length >= 3, `expected several segments, got ${segments.length}`);
      for (const segment of segments.slice(0, -1)) assert.ok(segment.size >= MIN_PART_BYTES, `${segment.key} is only ${segment.size} bytes`);
      const digest = digestOf(bytes);
      await store.commitUpload(id, digest);
      assert.deepEqual(await store.stat(digest), { size: bytes.length });
      assert.ok((await collect(await store.read(digest))).equals(bytes));
      const range = { start: 8 * MiB - 10, end: 16 * MiB + 10 };
      assert.ok((await collect(await store.read(digest, range))).equals(bytes.subarray(range.start, range.end + 1)));
    } finally {
      store.close();
    }
  });

  it('lets another node continue, re-read and commit an upload that one node started', async () => {
    const prefix = `handover-${randomUUID().slice(0, 8)}/`;
    const first = storeOn(server, bucket, prefix);
    const second = storeOn(server, bucket, prefix);
    try {
      const bytes = randomBytes(9 * MiB);
      const id = randomUUID();
      await first.createUpload(id);
      await first.appendUpload(id, 0, Readable.from([bytes.subarray(0, 6 * MiB)]));
      assert.equal(await second.uploadSize(id), 6 * MiB);
      await second.appendUpload(id, 6 * MiB, Readable.from([bytes.subarray(6 * MiB)]));
      assert.ok((await collect(await first.readUpload(id))).equals(bytes));
      await first.commitUpload(id, digestOf(bytes));
      assert.ok((await collect(await second.read(digestOf(bytes)))).equals(bytes));
    } finally {
      first.close();
      second.close();
    }
  });

  it('rides out SlowDown, 500 and reset connections from the object store', async () => {
    const proxy = await startFaultProxy(server.endpoint);
    const prefix = `faults-${randomUUID().slice(0, 8)}/`;
    const store = storeOn({ ...server, endpoint: proxy.endpoint }, bucket, prefix);
    try {
      const bytes = randomBytes(11 * MiB);
      const id = randomUUID();
      await store.createUpload(id);
      proxy.failNext(2, 'slowdown');
      await store.appendUpload(id, 0, Readable.from([bytes]));
      proxy.failNext(2, '500');
      await store.commitUpload(id, digestOf(bytes));
      proxy.failNext(1, 'reset');
      assert.ok((await collect(await store.read(digestOf(bytes)))).equals(bytes));
      proxy.failNext(2, 'slowdown');
      assert.ok((await collect(await store.read(digestOf(bytes), { start: 5, end: 6 * 1024 * 1024 }))).equals(bytes.subarray(5, 6 * 1024 * 1024 + 1)));
      assert.deepEqual(proxy.stats().faultsByKind, { slowdown: 4, '500': 2, reset: 1 });
    } finally {
      store.close();
      await proxy.close();
    }
  });

  it('hands out presigned URLs that serve the blob, ranges included, and nothing else', async () => {
    const store = storeOn(server, bucket, `presign-${randomUUID().slice(0, 8)}/`);
    try {
      const bytes = randomBytes(100_000);
      const id = randomUUID();
      await store.createUpload(id);
      await store.appendUpload(id, 0, Readable.from([bytes]));
      await store.commitUpload(id, digestOf(bytes));
      const url = await store.readUrl(digestOf(bytes), 60);
      const whole = await fetch(url);
      assert.equal(whole.status, 200);
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
      const ranged = await fetch(url, { headers: { range: 'bytes=10-19' } });
      assert.equal(ranged.status, 206);
      assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(10, 20)));
      const forged = new URL(url);
      forged.pathname = forged.pathname.replace(/[0-9a-f]{64}$/, '0'.repeat(64));
      assert.equal((await fetch(forged)).status, 403);
    } finally {
      store.close();
    }
  });
});

