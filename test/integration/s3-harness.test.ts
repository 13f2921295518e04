// The S3 test harness itself: a real RGW answers the calls the registry's S3 blob store makes, and the
// fault proxy fails requests without breaking signatures.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client, sharedS3Server } from '../helpers/s3-server.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

const clients: S3Client[] = [];
after(() => {
  for (const client of clients) client.destroy();
});

async function bytesOf(client: S3Client, bucket: string, key: string, range?: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

test('put, ranged get and a two-part multipart upload against RGW', async () => {
  const server = await sharedS3Server();
  const client = createS3Client(server);
  clients.push(client);
  const bucket = await server.createBucket('harness');

  const small = randomBytes(1000);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'small', Body: small }));
  assert.deepEqual(await bytesOf(client, bucket, 'small'), small);
  assert.deepEqual(await bytesOf(client, bucket, 'small', 'bytes=100-199'), small.subarray(100, 200));

  // Every part but the last must be at least 5 MiB, as on AWS.
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1234)];
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }));
  const etags: string[] = [];
  for (const [index, body] of parts.entries()) {
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: index + 1, Body: body }));
    etags.push(ETag!);
  }
  await client.send(new CompleteMultipartUploadCommand({
    Bucket: bucket, Key: 'multi', UploadId,
    MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
  }));
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'multi' }));
  assert.equal(head.ContentLength, parts[0]!.length + parts[1]!.length);
  assert.match(head.ETag ?? '', /-2"?$/);
  const boundary = parts[0]!.length;
  assert.deepEqual(
    await bytesOf(client, bucket, 'multi', `bytes=${boundary - 10}-${boundary + 9}`),
    Buffer.concat([parts[0]!.subarray(-10), parts[1]!.subarray(0, 10)]),
  );
});

test('the fault proxy fails requests and the SDK retries through them', async (t) => {
  const server = await sharedS3Server();
  const bucket = await server.createBucket('faults');
  const proxy = await startFaultProxy(server.endpoint);
  t.after(() => proxy.close());
  const client = createS3Client(server, { endpoint: proxy.endpoint, maxAttempts: 5 });
  clients.push(client);

  const body = randomBytes(2048);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'object', Body: body }));
  // The client signs the proxy's host:port; RGW accepts it because the proxy passes Host on unchanged.
  assert.equal(proxy.stats().faults, 0);

  proxy.failNext(2, 'slowdown');
  assert.deepEqual(await bytesOf(client, bucket, 'object'), body);
  assert.equal(proxy.stats().faults, 2);
  assert.equal(proxy.stats().faultsByKind.slowdown, 2);

  proxy.failWhen((req) => req.method === 'GET', 'reset', 1);
  proxy.failWhen((req) => req.method === 'GET', '500', 1);
  assert.deepEqual(await bytesOf(client, bucket, 'object', 'bytes=0-99'), body.subarray(0, 100));
  assert.deepEqual(proxy.stats().faultsByKind, { slowdown: 2, '500': 1, reset: 1 });

  // Without retries the injected error surfaces with its S3 code.
  const once = createS3Client(server, { endpoint: proxy.endpoint, maxAttempts: 1 });
  clients.push(once);
  proxy.failNext(1, 'slowdown');
  await assert.rejects(bytesOf(once, bucket, 'object'), (error: Error) => error.name === 'SlowDown');
  const { requests, forwarded, faults } = proxy.stats();
  assert.equal(requests, forwarded + faults);
});
