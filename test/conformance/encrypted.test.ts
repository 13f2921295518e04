// EncryptedBlobStore: the BlobStore conformance suite over FilesystemBlobStore, with a KeyRing in a
// temporary key file and the data key records in a real SQLite database; then what only encryption
// has to show: no plaintext on disk, ranged reads, tampering refused, master-key rotation without
// rewriting blobs, stores with different master keys kept apart. The KeyRing and the SQL records
// are checked here as well.
//
// One SQLite database serves the whole file (each store gets a scope of its own) and is closed in
// after(): better-sqlite3 12 can abort a Node 24 process that exits with statements still open.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { openPostgres, openSqlite, SqlDataKeyRecords, type MetaDatabase } from '../../src/meta/index.js';
import {
  BlobNotFound,
  DataKeyMissing,
  EncryptedBlobStore,
  FilesystemBlobStore,
  KeyRing,
  KeyRingError,
  MASTER_KEYS_ENV,
  TamperedBlob,
  UnknownMasterKey,
  type BlobStore,
  type ByteRange,
  type WrappedKey,
} from '../../src/storage/index.js';
import { CHUNK, STORED_CHUNK, storedSize } from '../../src/storage/encryption/chunks.js';
import { postgresFor } from '../helpers/server.js';
import { describeBlobStoreConformance } from './blob-store-suite.js';

const MiB = 1024 * 1024;

let sqlite: Promise<{ dir: string; meta: MetaDatabase }> | undefined;

/** The file's one SQLite database, opened on first use. */
async function meta(): Promise<MetaDatabase> {
  sqlite ??= mkdtemp(join(tmpdir(), 'wharf-data-keys-')).then(async (dir) => ({
    dir,
    meta: await openSqlite({ path: join(dir, 'meta.db'), synchronous: 'NORMAL' }),
  }));
  return (await sqlite).meta;
}

after(async () => {
  if (!sqlite) return;
  const { dir, meta: opened } = await sqlite;
  await opened.close();
  await rm(dir, { recursive: true, force: true });
});

interface Setup {
  root: string;
  dataDir: string;
  keyFile: string;
  inner: FilesystemBlobStore;
  keys: KeyRing;
  records: SqlDataKeyRecords;
  store: EncryptedBlobStore;
  cleanup(): Promise<void>;
}

let scopes = 0;

async function setup(options: { keyName?: string; inner?: FilesystemBlobStore; keyFile?: string } = {}): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), 'wharf-encrypted-'));
  const dataDir = join(root, 'data');
  const inner = options.inner ?? new FilesystemBlobStore({ root: dataDir, fsync: false });
  await inner.init();
  const keyFile = options.keyFile ?? join(root, 'master-keys.json');
  // An empty environment: a WHARF_ENCRYPTION_KEYS of the machine running the tests must not count.
  const keys = await KeyRing.open({ path: keyFile, env: {} });
  const keyName = options.keyName ?? 'aws/ecr';
  if (!keys.has(keyName)) await keys.create(keyName);
  const records = new SqlDataKeyRecords((await meta()).db, `test-${++scopes}/`);
  const store = new EncryptedBlobStore({ inner, keys, keyName, dataKeys: records });
  return { root, dataDir, keyFile, inner, keys, records, store, cleanup: () => rm(root, { recursive: true, force: true }) };
}

describeBlobStoreConformance('EncryptedBlobStore over FilesystemBlobStore', async () => {
  const { store, cleanup } = await setup();
  return { store, cleanup };
});

function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function streamOf(...chunks: Uint8Array[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** What a reader receives before the stream fails, and how it failed (null when it did not). */
async function collectUntilError(open: () => Promise<Readable>): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of (await open()) as AsyncIterable<Buffer>) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

/** Pushes `bytes` in appends of the given sizes (the rest in the last) and commits them. */
async function putBlob(store: BlobStore, bytes: Buffer, appendSizes: number[] = []): Promise<string> {
  const id = randomUUID();
  await store.createUpload(id);
  let at = 0;
  for (const size of [...appendSizes, bytes.length]) {
    const end = Math.min(bytes.length, at + size);
    assert.equal(await store.appendUpload(id, at, streamOf(bytes.subarray(at, end))), end);
    at = end;
    if (at === bytes.length) break;
  }
  const digest = digestOf(bytes);
  await store.commitUpload(id, digest);
  return digest;
}

/** Every file under `dir`, relative to it, with its bytes. */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path));
  }
  return files;
}

function blobPath(dataDir: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
}

async function allRecords(records: SqlDataKeyRecords, keyName: string): Promise<{ ref: string; key: WrappedKey }[]> {
  const out: { ref: string; key: WrappedKey }[] = [];
  for await (const record of records.list(keyName)) out.push(record);
  return out;
}

describe('EncryptedBlobStore', () => {
  it('writes no plaintext of a recognizable 1 MiB layer anywhere under the data directory', async () => {
    const s = await setup();
    try {
      const lines: string[] = [];
      for (let i = 0, length = 0; length < MiB; i++) {
        lines.push(`wharf-canary-line ${String(i).padStart(6, '0')} the quick brown fox\n`);
        length += lines[i]!.length;
      }
      const layer = Buffer.from(lines.join('')).subarray(0, MiB);
      const digest = await putBlob(s.store, layer, [1000, 70_000, 3, 200_000]);
      // And the same bytes in an upload still open.
      const open = randomUUID();
      await s.store.createUpload(open);
      await s.store.appendUpload(open, 0, streamOf(layer.subarray(0, 300_000)));

      assert.equal((await stat(blobPath(s.dataDir, digest))).size, storedSize(MiB));
      const files = await filesUnder(s.dataDir);
      assert.equal(files.size, 2);
      const probes = [Buffer.from('wharf-canary-line'), Buffer.from('the quick brown fox')];
      for (let i = 0; i < 50; i++) {
        const at = Math.floor(Math.random() * (MiB - 16));
        probes.push(layer.subarray(at, at + 16));
      }
      for (const [path, bytes] of files) {
        for (const probe of probes) assert.equal(bytes.indexOf(probe), -1, `${path} holds plaintext ${JSON.stringify(probe.toString())}`);
      }
      assert.deepEqual(await collect(await s.store.read(digest)), layer);
    } finally {
      await s.cleanup();
    }
  });

  it('answers many ranged reads, across chunk boundaries and as suffixes, with exactly the right bytes', async () => {
    const s = await setup();
    try {
      const size = 5 * CHUNK + 777;
      const bytes = randomBytes(size);
      const digest = await putBlob(s.store, bytes, [CHUNK + 5, 10]);
      const ranges: ByteRange[] = [
        { start: 0, end: 0 },
        { start: CHUNK - 1, end: CHUNK },
        { start: CHUNK - 1, end: CHUNK - 1 },
        { start: CHUNK, end: CHUNK },
        { start: 0, end: CHUNK - 1 },
        { start: CHUNK, end: 2 * CHUNK - 1 },
        { start: CHUNK - 10, end: 4 * CHUNK + 10 },
        { start: 5 * CHUNK, end: size - 1 },
        { start: size - 1, end: size - 1 },
        { start: size - 1000, end: size - 1 },
        { start: size - CHUNK - 5, end: size - 1 },
        { start: 0, end: size - 1 },
      ];
      for (let i = 0; i < 200; i++) {
        const start = Math.floor(Math.random() * size);
        const length = Math.floor(Math.random() * (i % 2 ? 300 : 3 * CHUNK));
        ranges.push({ start, end: Math.min(size - 1, start + length) });
      }
      for (const range of ranges) {
        assert.deepEqual(await collect(await s.store.read(digest, range)), bytes.subarray(range.start, range.end + 1), JSON.stringify(range));
      }
      // An end past the blob is clamped, as a file read is.
      assert.deepEqual(await collect(await s.store.read(digest, { start: size - 3, end: size + 100 })), bytes.subarray(size - 3));

      // Uploads read in ranges the same way.
      const id = randomUUID();
      await s.store.createUpload(id);
      await s.store.appendUpload(id, 0, streamOf(bytes.subarray(0, 2 * CHUNK + 1)));
      for (const range of [{ start: 0, end: 0 }, { start: CHUNK - 2, end: CHUNK + 2 }, { start: 2 * CHUNK, end: 2 * CHUNK }]) {
        assert.deepEqual(await collect(await s.store.readUpload(id, range)), bytes.subarray(range.start, range.end + 1));
      }
    } finally {
      await s.cleanup();
    }
  });

  it('refuses a blob with a byte changed anywhere, without releasing a byte of the changed chunk', async () => {
    const s = await setup();
    try {
      const size = 3 * CHUNK + 500;
      const bytes = randomBytes(size);
      const digest = await putBlob(s.store, bytes);
      const path = blobPath(s.dataDir, digest);
      const original = await readFile(path);
      const cases: { what: string; at: number; chunk: number }[] = [
        { what: 'nonce of chunk 0', at: 3, chunk: 0 },
        { what: 'ciphertext of chunk 0', at: 100, chunk: 0 },
        { what: 'ciphertext of chunk 1', at: STORED_CHUNK + 4000, chunk: 1 },
        { what: 'tag of chunk 2', at: 3 * STORED_CHUNK - 1, chunk: 2 },
        { what: 'ciphertext of the final chunk', at: original.length - 100, chunk: 3 },
      ];
      for (const { what, at, chunk } of cases) {
        const changed = Buffer.from(original);
        changed[at] = changed[at]! ^ 0x40;
        await writeFile(path, changed);
        const whole = await collectUntilError(() => s.store.read(digest));
        // Chunk 0's nonce is also the fingerprint its key is found by: then no key is found at all.
        assert.ok(whole.error instanceof TamperedBlob || (chunk === 0 && whole.error instanceof DataKeyMissing), `${what}: got ${String(whole.error)}`);
        assert.deepEqual(whole.bytes, bytes.subarray(0, chunk * CHUNK), `${what}: only the chunks before it came out`);
        const ranged = await collectUntilError(() => s.store.read(digest, { start: chunk * CHUNK + 1, end: chunk * CHUNK + 10 }));
        assert.ok(ranged.error, `${what}: a range over it fails too`);
        assert.equal(ranged.bytes.length, 0, what);
        if (chunk !== 2 && at >= 12) {
          // Chunks untouched still read: integrity is per chunk (but chunk 0's nonce is every read's way to the key).
          assert.deepEqual(await collect(await s.store.read(digest, { start: 2 * CHUNK, end: 2 * CHUNK + 99 })), bytes.subarray(2 * CHUNK, 2 * CHUNK + 100));
        }
      }

      // Cut at a chunk boundary (the final chunk dropped), cut inside a chunk, and extended.
      for (const length of [3 * STORED_CHUNK, original.length - 1, original.length + 28]) {
        await writeFile(path, length > original.length ? Buffer.concat([original, randomBytes(length - original.length)]) : original.subarray(0, length));
        const whole = await collectUntilError(() => s.store.read(digest));
        assert.ok(whole.error instanceof TamperedBlob, `length ${length}: got ${String(whole.error)}`);
        assert.ok(bytes.subarray(0, whole.bytes.length).equals(whole.bytes), `length ${length}: a prefix of the blob at most`);
      }
      await truncate(path, 10);
      await assert.rejects(() => s.store.stat(digest), TamperedBlob);

      await writeFile(path, original);
      assert.deepEqual(await collect(await s.store.read(digest)), bytes);
    } finally {
      await s.cleanup();
    }
  });

  it('rotating the master key and re-wrapping keeps every blob readable and leaves blob bytes as they were', async () => {
    const s = await setup();
    const second = await KeyRing.open({ path: s.keyFile, env: {} }); // another process, opened before the rotation
    try {
      const contents = [Buffer.alloc(0), randomBytes(100), randomBytes(2 * CHUNK + 1)];
      const digests = [];
      for (const bytes of contents) digests.push(await putBlob(s.store, bytes, [50]));
      const open = randomUUID();
      await s.store.createUpload(open);
      await s.store.appendUpload(open, 0, streamOf(Buffer.from('half an upload')));
      const before = await filesUnder(s.dataDir);
      assert.deepEqual(new Set((await allRecords(s.records, 'aws/ecr')).map((r) => r.key.version)), new Set([1]));

      assert.equal(await s.keys.rotate('aws/ecr'), 2);
      assert.equal(await s.store.rewrap(), 4, 'three blobs and one upload');
      assert.equal(await s.store.rewrap(), 0, 'nothing left to re-wrap');

      assert.deepEqual(await filesUnder(s.dataDir), before, 'no stored byte changed');
      const records = await allRecords(s.records, 'aws/ecr');
      assert.equal(records.length, 4);
      assert.ok(records.every((r) => r.key.version === 2));
      for (const [i, digest] of digests.entries()) assert.deepEqual(await collect(await s.store.read(digest)), contents[i]);
      assert.equal(await s.store.appendUpload(open, 14, streamOf(Buffer.from(', finished'))), 24);
      const finished = Buffer.from('half an upload, finished');
      await s.store.commitUpload(open, digestOf(finished));
      assert.deepEqual(await collect(await s.store.read(digestOf(finished))), finished);

      // The other process knew version 1 only; it finds version 2 in the file when it needs it.
      const other = new EncryptedBlobStore({ inner: s.inner, keys: second, keyName: 'aws/ecr', dataKeys: s.records });
      assert.equal(second.newestVersion('aws/ecr'), 1);
      assert.deepEqual(await collect(await other.read(digests[2]!)), contents[2]);
      assert.equal(second.newestVersion('aws/ecr'), 2);
    } finally {
      await s.cleanup();
    }
  });

  it('keeps stores with different master keys apart over one inner store', async () => {
    const a = await setup({ keyName: 'aws/ecr' });
    const b = await setup({ keyName: 'team-b/key', inner: a.inner, keyFile: a.keyFile });
    try {
      const ofA = randomBytes(5000);
      const ofB = randomBytes(6000);
      const digestA = await putBlob(a.store, ofA);
      const digestB = await putBlob(b.store, ofB);
      assert.deepEqual(await collect(await a.store.read(digestA)), ofA);
      assert.deepEqual(await collect(await b.store.read(digestB)), ofB);
      await assert.rejects(() => b.store.read(digestA), DataKeyMissing);
      await assert.rejects(() => a.store.read(digestB), DataKeyMissing);
      await assert.rejects(() => a.store.read(digestB, { start: 0, end: 10 }), DataKeyMissing);
      assert.deepEqual((await allRecords(a.records, 'aws/ecr')).length, 1);
      assert.deepEqual((await allRecords(a.records, 'team-b/key')).length, 0);
      assert.deepEqual((await allRecords(b.records, 'team-b/key')).length, 1);

      // Even holding A's record, a store whose key ring lacks A's master key cannot open A's blob.
      const [recordA] = await allRecords(a.records, 'aws/ecr');
      const teamBOnly = await KeyRing.open({ path: join(b.root, 'unused'), env: { [MASTER_KEYS_ENV]: JSON.stringify({ keys: { 'team-b/key': [randomBytes(32).toString('base64')] } }) } });
      const stolen = new SqlDataKeyRecords((await meta()).db, `test-${++scopes}/`);
      await stolen.put(recordA!.ref, recordA!.key);
      const thief = new EncryptedBlobStore({ inner: a.inner, keys: teamBOnly, keyName: 'team-b/key', dataKeys: stolen });
      await assert.rejects(() => thief.read(digestA), UnknownMasterKey);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('commits two uploads of the same content at once and still reads it, keeping one record', async () => {
    const s = await setup();
    try {
      const bytes = randomBytes(CHUNK + 10);
      const digest = digestOf(bytes);
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) {
        await s.store.createUpload(id);
        await s.store.appendUpload(id, 0, streamOf(bytes));
      }
      await Promise.all(ids.map((id) => s.store.commitUpload(id, digest)));
      assert.deepEqual(await collect(await s.store.read(digest)), bytes);
      assert.deepEqual((await allRecords(s.records, 'aws/ecr')).map((r) => r.ref.split('/').slice(0, 2).join('/')), [`blob/${digest}`]);
      await s.store.delete(digest);
      assert.deepEqual(await allRecords(s.records, 'aws/ecr'), []);
      await assert.rejects(() => s.store.read(digest), BlobNotFound);
    } finally {
      await s.cleanup();
    }
  });

  it('after a commit that died past its inner commit, the blob reads and a retry gets UploadNotFound', async () => {
    const s = await setup();
    try {
      const bytes = randomBytes(300);
      const digest = digestOf(bytes);
      const id = randomUUID();
      await s.store.createUpload(id);
      await s.store.appendUpload(id, 0, streamOf(bytes));
      const uploadRecord = await s.records.get(`upload/${id}`);
      await s.store.commitUpload(id, digest);
      await s.records.put(`upload/${id}`, uploadRecord!); // as if the process died before dropping it
      assert.equal(await s.store.uploadSize(id), null);
      await assert.rejects(() => s.store.commitUpload(id, digest), { name: 'UploadNotFound' });
      assert.equal(await s.records.get(`upload/${id}`), null, 'the retry cleaned up');
      assert.deepEqual(await collect(await s.store.read(digest)), bytes);
    } finally {
      await s.cleanup();
    }
  });

  it('an append whose body fails after the first chunk went out leaves exactly the acknowledged bytes', async () => {
    const s = await setup();
    try {
      const id = randomUUID();
      await s.store.createUpload(id);
      const acknowledged = randomBytes(CHUNK + 100);
      await s.store.appendUpload(id, 0, streamOf(acknowledged));
      async function* failing(): AsyncGenerator<Buffer> {
        yield randomBytes(3 * CHUNK);
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('client went away');
      }
      await assert.rejects(() => s.store.appendUpload(id, acknowledged.length, Readable.from(failing(), { objectMode: false })), /client went away/);
      assert.equal(await s.store.uploadSize(id), acknowledged.length);
      assert.deepEqual(await collect(await s.store.readUpload(id)), acknowledged);
      await s.store.commitUpload(id, digestOf(acknowledged));
      assert.deepEqual(await collect(await s.store.read(digestOf(acknowledged))), acknowledged);
    } finally {
      await s.cleanup();
    }
  });

  it('refuses to grow an upload by truncation and to append anywhere but at its end', async () => {
    const s = await setup();
    try {
      const id = randomUUID();
      await s.store.createUpload(id);
      await s.store.appendUpload(id, 0, streamOf(Buffer.from('abc')));
      await assert.rejects(() => s.store.truncateUpload(id, 4), RangeError);
      await assert.rejects(() => s.store.appendUpload(id, 2, streamOf(Buffer.from('x'))), RangeError);
      assert.deepEqual(await collect(await s.store.readUpload(id)), Buffer.from('abc'));
    } finally {
      await s.cleanup();
    }
  });
});

describe('FilesystemBlobStore.readUpload with a range', () => {
  it('streams exactly the inclusive range asked for', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wharf-ranged-'));
    try {
      const store = new FilesystemBlobStore({ root, fsync: false });
      await store.init();
      const bytes = randomBytes(3 * MiB + 5);
      await store.createUpload('ranged');
      await store.appendUpload('ranged', 0, streamOf(bytes));
      for (const range of [{ start: 0, end: 0 }, { start: 10, end: 2 * MiB }, { start: bytes.length - 1, end: bytes.length - 1 }]) {
        assert.deepEqual(await collect(await store.readUpload('ranged', range)), bytes.subarray(range.start, range.end + 1));
      }
      await assert.rejects(() => store.readUpload('ranged', { start: 5, end: 4 }));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('KeyRing', () => {
  async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-keyring-'));
    try {
      await body(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('creates its file on first use, mode 0600, with one aws/ecr key, and reads the same key back', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'keys', 'master-keys.json');
      const ring = await KeyRing.open({ path, env: {} });
      assert.deepEqual(ring.names(), ['aws/ecr']);
      assert.equal(ring.newestVersion('aws/ecr'), 1);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      const document = JSON.parse(await readFile(path, 'utf8')) as { keys: Record<string, string[]> };
      assert.deepEqual(Object.keys(document.keys), ['aws/ecr']);
      assert.equal(Buffer.from(document.keys['aws/ecr']![0]!, 'base64').length, 32);
      const dek = randomBytes(32);
      const again = await KeyRing.open({ path, env: {} });
      assert.deepEqual(again.unwrap(ring.wrap('aws/ecr', dek)), dek);
    }));

  it('lets concurrent first users agree on one key file', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'master-keys.json');
      const rings = await Promise.all(Array.from({ length: 8 }, () => KeyRing.open({ path, env: {} })));
      const dek = randomBytes(32);
      for (const ring of rings) assert.deepEqual(rings[0]!.unwrap(ring.wrap('aws/ecr', dek)), dek);
      assert.deepEqual(await readdir(dir), ['master-keys.json'], 'no temporary file left behind');
    }));

  it('rotates and creates keys in the file, without losing a version to a concurrent change', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'master-keys.json');
      const ring = await KeyRing.open({ path, env: {} });
      const other = await KeyRing.open({ path, env: {} });
      const dek = randomBytes(32);
      const old = ring.wrap('aws/ecr', dek);
      await Promise.all([ring.rotate('aws/ecr'), other.rotate('aws/ecr'), ring.create('second')]);
      const reread = await KeyRing.open({ path, env: {} });
      assert.equal(reread.newestVersion('aws/ecr'), 3);
      assert.deepEqual(reread.names(), ['aws/ecr', 'second']);
      assert.deepEqual(reread.unwrap(old), dek, 'old versions still unwrap');
      const fresh = reread.wrap('aws/ecr', dek);
      assert.equal(fresh.version, 3);
      assert.deepEqual(reread.unwrap(fresh), dek);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(await readdir(dir), ['master-keys.json'], 'no temporary or lock file left behind');
      await assert.rejects(() => ring.create('second'), KeyRingError);
      await assert.rejects(() => ring.create('has space'), KeyRingError);
      await assert.rejects(() => ring.rotate('absent'), UnknownMasterKey);
    }));

  it('takes its keys from the environment when set, and then refuses to change them', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'master-keys.json');
      const env = { [MASTER_KEYS_ENV]: JSON.stringify({ keys: { 'from-env': [randomBytes(32).toString('base64')] } }) };
      const ring = await KeyRing.open({ path, env });
      assert.deepEqual(ring.names(), ['from-env']);
      await assert.rejects(() => stat(path), { code: 'ENOENT' }, 'no file is created');
      await assert.rejects(() => ring.rotate('from-env'), KeyRingError);
      await assert.rejects(() => ring.create('other'), KeyRingError);
    }));

  it('binds a wrapped key to its master key name and version', () =>
    withTempDir(async (dir) => {
      const ring = await KeyRing.open({ path: join(dir, 'k.json'), env: {} });
      await ring.rotate('aws/ecr');
      const wrapped = ring.wrap('aws/ecr', randomBytes(32));
      assert.throws(() => ring.unwrap({ ...wrapped, version: 1 }), KeyRingError);
      assert.throws(() => ring.unwrap({ ...wrapped, version: 3 }), UnknownMasterKey);
      assert.throws(() => ring.unwrap({ ...wrapped, keyName: 'absent' }), UnknownMasterKey);
      const flipped = Buffer.from(wrapped.wrapped);
      flipped[20] = flipped[20]! ^ 1;
      assert.throws(() => ring.unwrap({ ...wrapped, wrapped: flipped }), KeyRingError);
      assert.throws(() => ring.unwrap({ ...wrapped, wrapped: wrapped.wrapped.subarray(1) }), KeyRingError);
      assert.throws(() => ring.wrap('aws/ecr', randomBytes(16)), KeyRingError);
    }));

  const key = randomBytes(32).toString('base64');
  const INVALID: { what: string; text: string; message: RegExp }[] = [
    { what: 'not JSON', text: '{keys', message: /not valid JSON/ },
    { what: 'no keys field', text: '{}', message: /expected/ },
    { what: 'keys as a list', text: `{"keys":["${key}"]}`, message: /expected/ },
    { what: 'an unknown field', text: `{"keys":{"a":["${key}"]},"extra":1}`, message: /unexpected field "extra"/ },
    { what: 'no key', text: '{"keys":{}}', message: /no master key/ },
    { what: 'no version', text: '{"keys":{"a":[]}}', message: /non-empty list/ },
    { what: 'a 31-byte key', text: `{"keys":{"a":["${randomBytes(31).toString('base64')}"]}}`, message: /version 1 must be standard base64 of exactly 32 bytes/ },
    { what: 'a 33-byte key', text: `{"keys":{"a":["${key}","${randomBytes(33).toString('base64')}"]}}`, message: /version 2 must be/ },
    { what: 'base64url', text: `{"keys":{"a":["${randomBytes(32).toString('base64url')}"]}}`, message: /standard base64/ },
    { what: 'a number', text: '{"keys":{"a":[42]}}', message: /standard base64/ },
    { what: 'a name with a space', text: `{"keys":{"a b":["${key}"]}}`, message: /key name "a b" must be/ },
    { what: 'a 257-character name', text: `{"keys":{"${'n'.repeat(257)}":["${key}"]}}`, message: /must be 1-256 characters/ },
  ];
  for (const { what, text, message } of INVALID) {
    it(`refuses a key document with ${what}, saying so without quoting key bytes`, async () => {
      await assert.rejects(
        () => KeyRing.open({ path: '/nonexistent/never-read', env: { [MASTER_KEYS_ENV]: text } }),
        (error: unknown) => {
          assert.ok(error instanceof KeyRingError, String(error));
          assert.match(error.message, message);
          assert.match(error.message, new RegExp(`^\\$${MASTER_KEYS_ENV}: `));
          assert.ok(!error.message.includes(key), 'no key material in the message');
          return true;
        },
      );
    });
  }

  it('refuses a key file that is not valid, naming the file', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'master-keys.json');
      await writeFile(path, '{"keys":{"a":["short"]}}', { mode: 0o600 });
      await assert.rejects(() => KeyRing.open({ path, env: {} }), (error: unknown) => error instanceof KeyRingError && error.message.startsWith(`${path}: `));
    }));
});

/** Rows live in scopes of their own, so the database may be shared with other tests. */
async function sqlRecordsSuite(db: MetaDatabase): Promise<void> {
  const a = new SqlDataKeyRecords(db.db, 'scope-a/');
  const b = new SqlDataKeyRecords(db.db, 'scope-b/');
  const key = (keyName: string, version: number): WrappedKey => ({ keyName, version, wrapped: randomBytes(60) });

  const first = key('k1', 1);
  await a.put('upload/x', first);
  assert.deepEqual(await a.get('upload/x'), first);
  assert.equal(await b.get('upload/x'), null, 'scopes do not see each other');
  const replaced = key('k1', 2);
  await a.put('upload/x', replaced);
  assert.deepEqual(await a.get('upload/x'), replaced);
  await a.delete('upload/x');
  assert.equal(await a.get('upload/x'), null);

  // More rows than one page, interleaved with another key and another scope.
  for (let i = 0; i < 1203; i++) {
    await a.put(`blob/${String(i).padStart(5, '0')}`, key('k1', 1));
    if (i % 3 === 0) await a.put(`blob/other-${i}`, key('k2', 1));
    if (i % 5 === 0) await b.put(`blob/${i}`, key('k1', 1));
  }
  const listed: string[] = [];
  for await (const { ref, key: k } of a.list('k1')) {
    assert.equal(k.keyName, 'k1');
    listed.push(ref);
  }
  assert.equal(listed.length, 1203);
  assert.equal(new Set(listed).size, 1203);
  assert.ok(listed.every((ref) => /^blob\/\d{5}$/.test(ref)));
  let inB = 0;
  for await (const _ of b.list('k1')) inB++;
  assert.equal(inB, 241);
  assert.throws(() => new SqlDataKeyRecords(db.db, 'with space'));
}

describe('SqlDataKeyRecords', () => {
  it('on SQLite: scoped get, put (insert or replace), delete, and list across pages', async () => {
    await sqlRecordsSuite(await meta());
  });

  it('on PostgreSQL: the same', { skip: process.env.WHARF_TEST_POSTGRES ? false : 'runs in the PostgreSQL pass (WHARF_TEST_POSTGRES)' }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wharf-data-keys-pg-'));
    try {
      const db = await openPostgres({ url: (await postgresFor(dataDir))!, poolSize: 2 });
      try {
        await sqlRecordsSuite(db);
      } finally {
        await db.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
