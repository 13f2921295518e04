// The BlobStore contract (src/storage/blob-store.ts) as one suite that every driver runs:
//
//   describeBlobStoreConformance('MyDriver', async () => ({ store, cleanup }));
//
// Each test gets a fresh, empty store from `makeStore` and calls `cleanup` afterwards. The suite only
// talks to the interface, so it holds for object stores as well as the filesystem driver.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobNotFound, UploadNotFound, type BlobStore } from '../../src/storage/index.js';

export interface StoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
}

type Algorithm = 'sha256' | 'sha512';

const MiB = 1024 * 1024;

function digestOf(bytes: Uint8Array, algorithm: Algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** A byte stream (not object mode) that yields `chunks` one by one. */
function streamOf(...chunks: Uint8Array[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
}

/** Yields `good`, then fails: a client that disconnects in the middle of a PATCH. */
function failingStream(good: Uint8Array): Readable {
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(good);
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('client went away');
  }
  return Readable.from(body(), { objectMode: false });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function hashOf(stream: Readable): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function newUploadId(): string {
  return randomUUID();
}

/** Pushes `bytes` through an upload and commits them; returns the digest. */
async function putBlob(store: BlobStore, bytes: Uint8Array, algorithm: Algorithm = 'sha256'): Promise<string> {
  const id = newUploadId();
  const digest = digestOf(bytes, algorithm);
  await store.createUpload(id);
  assert.equal(await store.appendUpload(id, 0, streamOf(bytes)), bytes.length);
  await store.commitUpload(id, digest);
  return digest;
}

async function rejectsWith<E extends Error>(
  promise: () => Promise<unknown>,
  type: new (...args: never[]) => E,
  check?: (error: E) => void,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    check?.(error);
    return true;
  });
}

const HEX64 = 'a'.repeat(64);

export function describeBlobStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: BlobStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    it('advertises a non-negative integer minChunkLength', () => {
      assert.ok(Number.isSafeInteger(store.minChunkLength) && store.minChunkLength >= 0, `got ${store.minChunkLength}`);
    });

    describe('committed blobs', () => {
      it('stat of an absent blob is null', async () => {
        assert.equal(await store.stat(digestOf(Buffer.from('never stored'))), null);
        assert.equal(await store.stat(`sha512:${'0'.repeat(128)}`), null);
      });

      it('stat of a present blob gives its size', async () => {
        const bytes = randomBytes(1000);
        const digest = await putBlob(store, bytes);
        assert.deepEqual(await store.stat(digest), { size: 1000 });
      });

      it('reads a whole blob byte for byte', async () => {
        const bytes = randomBytes(4096 + 17);
        const digest = await putBlob(store, bytes);
        assert.deepEqual(await collect(await store.read(digest)), bytes);
      });

      it('stores and reads an empty blob', async () => {
        const digest = await putBlob(store, Buffer.alloc(0));
        assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
        assert.deepEqual(await store.stat(digest), { size: 0 });
        assert.equal((await collect(await store.read(digest))).length, 0);
      });

      const RANGES: { what: string; start: number; end: number }[] = [
        { what: 'first byte', start: 0, end: 0 },
        { what: 'last byte', start: 999, end: 999 },
        { what: 'single byte in the middle', start: 500, end: 500 },
        { what: 'middle span', start: 100, end: 299 },
        { what: 'prefix', start: 0, end: 9 },
        { what: 'suffix', start: 990, end: 999 },
        { what: 'whole blob as a range', start: 0, end: 999 },
      ];
      for (const { what, start, end } of RANGES) {
        it(`reads the range ${start}-${end} (${what}) exactly`, async () => {
          const bytes = randomBytes(1000);
          const digest = await putBlob(store, bytes);
          const got = await collect(await store.read(digest, { start, end }));
          assert.deepEqual(got, bytes.subarray(start, end + 1));
        });
      }

      it('read of an absent blob throws BlobNotFound carrying the digest', async () => {
        const digest = digestOf(Buffer.from('absent'));
        await rejectsWith(() => store.read(digest), BlobNotFound, (e) => assert.equal(e.digest, digest));
        await rejectsWith(() => store.read(digest, { start: 0, end: 0 }), BlobNotFound);
      });

      it('delete removes a blob, and deleting again or deleting an absent blob is fine', async () => {
        const digest = await putBlob(store, Buffer.from('to be deleted'));
        await store.delete(digest);
        assert.equal(await store.stat(digest), null);
        await rejectsWith(() => store.read(digest), BlobNotFound);
        await store.delete(digest);
        await store.delete(digestOf(Buffer.from('never stored')));
        assert.deepEqual(await collectAll(store.list()), []);
      });

      it('list() yields every committed digest, sha256 and sha512, and forgets deleted ones', async () => {
        assert.deepEqual(await collectAll(store.list()), []);
        const a = await putBlob(store, Buffer.from('alpha'));
        const b = await putBlob(store, Buffer.from('beta'));
        const c = await putBlob(store, Buffer.from('gamma'), 'sha512');
        const d = await putBlob(store, Buffer.from('alpha'), 'sha512');
        assert.deepEqual((await collectAll(store.list())).sort(), [a, b, c, d].sort());
        await store.delete(b);
        assert.deepEqual((await collectAll(store.list())).sort(), [a, c, d].sort());
      });

      it('list() does not show uploads that are not committed', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(Buffer.from('pending')));
        assert.deepEqual(await collectAll(store.list()), []);
        assert.equal(await store.stat(digestOf(Buffer.from('pending'))), null);
      });
    });

    describe('uploads', () => {
      it('createUpload starts an empty upload', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        assert.equal(await store.uploadSize(id), 0);
        assert.equal((await collect(await store.readUpload(id))).length, 0);
      });

      it('uploadSize of an absent upload is null', async () => {
        assert.equal(await store.uploadSize(newUploadId()), null);
      });

      it('appends several chunks at offset 0, then more at the current size, returning each new size', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        const first = [randomBytes(10), randomBytes(1), randomBytes(300)];
        const second = [randomBytes(7), randomBytes(64 * 1024), randomBytes(2)];
        const third = [randomBytes(5)];
        assert.equal(await store.appendUpload(id, 0, streamOf(...first)), 311);
        assert.equal(await store.uploadSize(id), 311);
        assert.equal(await store.appendUpload(id, 311, streamOf(...second)), 311 + 7 + 65536 + 2);
        const size = 311 + 7 + 65536 + 2;
        assert.equal(await store.appendUpload(id, size, streamOf(...third)), size + 5);
        assert.equal(await store.uploadSize(id), size + 5);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.concat([...first, ...second, ...third]));
      });

      it('an append of an empty stream leaves the size as it was', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        assert.equal(await store.appendUpload(id, 0, streamOf(Buffer.from('abc'))), 3);
        assert.equal(await store.appendUpload(id, 3, streamOf()), 3);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.from('abc'));
      });

      it('truncateUpload drops the bytes past the given size', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(Buffer.from('hello '), Buffer.from('world')));
        await store.truncateUpload(id, 5);
        assert.equal(await store.uploadSize(id), 5);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.from('hello'));
        assert.equal(await store.appendUpload(id, 5, streamOf(Buffer.from(', there'))), 12);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.from('hello, there'));
        await store.truncateUpload(id, 0);
        assert.equal(await store.uploadSize(id), 0);
        assert.equal((await collect(await store.readUpload(id))).length, 0);
      });

      it('truncateUpload to the current size changes nothing', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(Buffer.from('same')));
        await store.truncateUpload(id, 4);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.from('same'));
      });

      it('readUpload with a range streams exactly those bytes, across appends', async () => {
        const id = newUploadId();
        const parts = [randomBytes(3000), randomBytes(1), randomBytes(70_000)];
        await store.createUpload(id);
        let offset = 0;
        for (const part of parts) offset = await store.appendUpload(id, offset, streamOf(part));
        const all = Buffer.concat(parts);
        for (const [start, end] of [[0, 0], [0, all.length - 1], [2999, 3001], [3000, 3000], [100, 65_000], [all.length - 1, all.length - 1]] as const) {
          assert.deepEqual(await collect(await store.readUpload(id, { start, end })), all.subarray(start, end + 1), `range ${start}-${end}`);
        }
      });

      it('commitUpload makes the blob visible and the upload gone', async () => {
        const id = newUploadId();
        const bytes = Buffer.concat([randomBytes(100), randomBytes(200)]);
        const digest = digestOf(bytes);
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(bytes.subarray(0, 100)));
        await store.appendUpload(id, 100, streamOf(bytes.subarray(100)));
        assert.equal(await store.stat(digest), null, 'not a blob before commit');
        await store.commitUpload(id, digest);
        assert.deepEqual(await store.stat(digest), { size: 300 });
        assert.deepEqual(await collect(await store.read(digest)), bytes);
        assert.equal(await store.uploadSize(id), null);
        assert.deepEqual(await collectAll(store.listUploads()), []);
        assert.deepEqual(await collectAll(store.list()), [digest]);
      });

      it('commits to a sha512 digest', async () => {
        const bytes = randomBytes(333);
        const digest = await putBlob(store, bytes, 'sha512');
        assert.deepEqual(await store.stat(digest), { size: 333 });
        assert.deepEqual(await collect(await store.read(digest)), bytes);
      });

      it('commitUpload of an absent upload throws UploadNotFound and creates no blob', async () => {
        const id = newUploadId();
        const digest = digestOf(Buffer.from('nothing'));
        await rejectsWith(() => store.commitUpload(id, digest), UploadNotFound, (e) => assert.equal(e.uploadId, id));
        assert.equal(await store.stat(digest), null);
      });

      it('commitUpload of an already committed upload throws UploadNotFound', async () => {
        const id = newUploadId();
        const digest = digestOf(Buffer.from('once'));
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(Buffer.from('once')));
        await store.commitUpload(id, digest);
        await rejectsWith(() => store.commitUpload(id, digest), UploadNotFound);
        assert.deepEqual(await collect(await store.read(digest)), Buffer.from('once'));
      });

      it('appendUpload to an absent upload throws UploadNotFound', async () => {
        const id = newUploadId();
        await rejectsWith(() => store.appendUpload(id, 0, streamOf(Buffer.from('x'))), UploadNotFound, (e) => assert.equal(e.uploadId, id));
        assert.equal(await store.uploadSize(id), null);
      });

      it('appendUpload to a deleted upload throws UploadNotFound', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await store.deleteUpload(id);
        await rejectsWith(() => store.appendUpload(id, 0, streamOf(Buffer.from('x'))), UploadNotFound);
        assert.equal(await store.uploadSize(id), null);
      });

      it('deleteUpload removes an upload, and deleting again or deleting an absent upload is fine', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(Buffer.from('bytes')));
        await store.deleteUpload(id);
        assert.equal(await store.uploadSize(id), null);
        assert.deepEqual(await collectAll(store.listUploads()), []);
        await store.deleteUpload(id);
        await store.deleteUpload(newUploadId());
      });

      it('listUploads() yields every upload in progress with its size', async () => {
        assert.deepEqual(await collectAll(store.listUploads()), []);
        const empty = newUploadId();
        const small = newUploadId();
        const bigger = newUploadId();
        await store.createUpload(empty);
        await store.createUpload(small);
        await store.createUpload(bigger);
        await store.appendUpload(small, 0, streamOf(Buffer.from('12345')));
        await store.appendUpload(bigger, 0, streamOf(randomBytes(1000), randomBytes(24)));
        const uploads = await collectAll(store.listUploads());
        for (const upload of uploads) {
          assert.ok(upload.modifiedAt instanceof Date && !Number.isNaN(upload.modifiedAt.getTime()), 'modifiedAt is a valid Date');
        }
        const sizes = uploads.map(({ id, size }) => ({ id, size })).sort((x, y) => x.id.localeCompare(y.id));
        const expected = [
          { id: empty, size: 0 },
          { id: small, size: 5 },
          { id: bigger, size: 1024 },
        ].sort((x, y) => x.id.localeCompare(y.id));
        assert.deepEqual(sizes, expected);
      });

      it('an upload that is committed or deleted leaves listUploads()', async () => {
        const kept = newUploadId();
        const committed = newUploadId();
        const deleted = newUploadId();
        for (const id of [kept, committed, deleted]) await store.createUpload(id);
        await store.appendUpload(committed, 0, streamOf(Buffer.from('c')));
        await store.commitUpload(committed, digestOf(Buffer.from('c')));
        await store.deleteUpload(deleted);
        assert.deepEqual((await collectAll(store.listUploads())).map((u) => u.id), [kept]);
      });

      it('a stream that errors mid-append rejects, and truncating to the acknowledged size restores the upload', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        assert.equal(await store.appendUpload(id, 0, streamOf(Buffer.from('abc'))), 3);
        await assert.rejects(() => store.appendUpload(id, 3, failingStream(randomBytes(5000))));
        const after = await store.uploadSize(id);
        assert.ok(after !== null && after >= 3, `the acknowledged bytes survive (size ${after})`);
        await store.truncateUpload(id, 3);
        assert.equal(await store.uploadSize(id), 3);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.from('abc'));
        assert.equal(await store.appendUpload(id, 3, streamOf(Buffer.from('def'))), 6);
        const digest = digestOf(Buffer.from('abcdef'));
        await store.commitUpload(id, digest);
        assert.deepEqual(await collect(await store.read(digest)), Buffer.from('abcdef'));
      });

      it('a stream that errors before its first byte rejects and leaves the upload usable', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await assert.rejects(() => store.appendUpload(id, 0, failingStream(Buffer.alloc(0))));
        await store.truncateUpload(id, 0);
        assert.equal(await store.appendUpload(id, 0, streamOf(Buffer.from('ok'))), 2);
      });
    });

    describe('content addressing', () => {
      it('concurrent commits of two uploads to the same digest both succeed', async () => {
        const bytes = randomBytes(256 * 1024);
        const digest = digestOf(bytes);
        const ids = [newUploadId(), newUploadId()];
        for (const id of ids) {
          await store.createUpload(id);
          await store.appendUpload(id, 0, streamOf(bytes.subarray(0, 1000), bytes.subarray(1000)));
        }
        await Promise.all(ids.map((id) => store.commitUpload(id, digest)));
        assert.deepEqual(await store.stat(digest), { size: bytes.length });
        assert.deepEqual(await collect(await store.read(digest)), bytes);
        for (const id of ids) assert.equal(await store.uploadSize(id), null);
        assert.deepEqual(await collectAll(store.list()), [digest]);
        assert.deepEqual(await collectAll(store.listUploads()), []);
      });

      it('committing the same content again over an existing blob is fine', async () => {
        const bytes = Buffer.from('pushed twice');
        const digest = await putBlob(store, bytes);
        assert.equal(await putBlob(store, bytes), digest);
        assert.deepEqual(await collect(await store.read(digest)), bytes);
        assert.deepEqual(await collectAll(store.list()), [digest]);
      });

      it('streams a 20 MiB blob in (over several appends) and out intact', async () => {
        const total = 20 * MiB;
        const chunk = 256 * 1024;
        const hash = createHash('sha256');
        // Each chunk is made as it is consumed, so the whole blob is never held in memory.
        function* part(from: number, to: number): Generator<Buffer> {
          for (let at = from; at < to; at += chunk) {
            const bytes = randomBytes(Math.min(chunk, to - at));
            hash.update(bytes);
            yield bytes;
          }
        }
        const id = newUploadId();
        await store.createUpload(id);
        assert.equal(await store.appendUpload(id, 0, Readable.from(part(0, 8 * MiB + 3), { objectMode: false })), 8 * MiB + 3);
        assert.equal(await store.appendUpload(id, 8 * MiB + 3, Readable.from(part(8 * MiB + 3, total), { objectMode: false })), total);
        const digest = `sha256:${hash.digest('hex')}`;
        assert.deepEqual(await hashOf(await store.readUpload(id)), { digest, size: total });
        await store.commitUpload(id, digest);
        assert.deepEqual(await store.stat(digest), { size: total });
        assert.deepEqual(await hashOf(await store.read(digest)), { digest, size: total });
        const tail = await hashOf(await store.read(digest, { start: total - 1000, end: total - 1 }));
        assert.equal(tail.size, 1000);
      });
    });

    describe('refusing unsafe keys', () => {
      let canary: string;
      let canaryUpTheTree: string;

      beforeEach(async () => {
        // A directory outside the store: paths that climb out of any root aim at it.
        canary = await mkdtemp(join(tmpdir(), 'wharf-canary-'));
        canaryUpTheTree = '../'.repeat(40) + canary.replace(/^\/+/, '');
      });

      afterEach(async () => {
        try {
          assert.deepEqual(await readdir(canary), [], 'nothing was written outside the store');
        } finally {
          await rm(canary, { recursive: true, force: true });
        }
      });

      const badUploadIds = (): string[] => [
        '../x',
        'a/b',
        '..',
        '.',
        '',
        '/x',
        `${canaryUpTheTree}/x`,
        `${canary}/x`,
        'a\0b',
        'x/../../y',
      ];

      it('refuses traversal-looking upload ids in every upload operation', async () => {
        const good = newUploadId();
        await store.createUpload(good);
        await store.appendUpload(good, 0, streamOf(Buffer.from('payload')));
        const digest = digestOf(Buffer.from('payload'));
        for (const id of badUploadIds()) {
          const label = JSON.stringify(id);
          await assert.rejects(async () => store.createUpload(id), `createUpload(${label})`);
          await assert.rejects(async () => store.appendUpload(id, 0, streamOf(Buffer.from('evil'))), `appendUpload(${label})`);
          await assert.rejects(async () => store.uploadSize(id), `uploadSize(${label})`);
          await assert.rejects(async () => store.truncateUpload(id, 0), `truncateUpload(${label})`);
          await assert.rejects(async () => store.readUpload(id), `readUpload(${label})`);
          await assert.rejects(async () => store.commitUpload(id, digest), `commitUpload(${label})`);
          await assert.rejects(async () => store.deleteUpload(id), `deleteUpload(${label})`);
        }
        assert.equal(await store.stat(digest), null);
        assert.deepEqual(await collect(await store.readUpload(good)), Buffer.from('payload'));
        assert.deepEqual((await collectAll(store.listUploads())).map((u) => u.id), [good]);
        assert.deepEqual(await collectAll(store.list()), []);
      });

      const badDigests = (): string[] => [
        '',
        '../x',
        `sha256:../${HEX64}`,
        `sha256:${'../'.repeat(30)}etc/passwd`,
        `sha256:${canaryUpTheTree}`,
        `sha256:${HEX64}/../../x`,
        `sha256:${HEX64.toUpperCase()}`,
        `sha256:${'a'.repeat(63)}`,
        `sha256:${'a'.repeat(65)}`,
        `sha512:${HEX64}`,
        `md5:${'a'.repeat(32)}`,
        `SHA256:${HEX64}`,
        `sha256${HEX64}`,
        `sha256:${HEX64}\n`,
        ` sha256:${HEX64}`,
        `sha256:${HEX64.slice(0, 63)}g`,
      ];

      it('refuses invalid digests in every blob operation', async () => {
        const id = newUploadId();
        await store.createUpload(id);
        await store.appendUpload(id, 0, streamOf(Buffer.from('payload')));
        for (const digest of badDigests()) {
          const label = JSON.stringify(digest);
          await assert.rejects(async () => store.stat(digest), `stat(${label})`);
          await assert.rejects(async () => store.read(digest), `read(${label})`);
          await assert.rejects(async () => store.delete(digest), `delete(${label})`);
          await assert.rejects(async () => store.commitUpload(id, digest), `commitUpload(id, ${label})`);
          assert.equal(await store.uploadSize(id), 7, `a refused commit to ${label} leaves the upload`);
        }
        assert.deepEqual(await collectAll(store.list()), []);
        assert.deepEqual(await collect(await store.readUpload(id)), Buffer.from('payload'));
      });
    });
  });
}
