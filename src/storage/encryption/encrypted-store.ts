// Encryption at rest as a BlobStore wrapper: ECR-style envelope encryption. What lives where:
//
//   inner store      blob and upload bytes in the chunk format of chunks.ts, each blob sealed with
//                    a data key (DEK) of its own: 32 random bytes made when its upload is created
//   DataKeyRecords   the DEKs, only ever wrapped by a named master key (KeyRing), kept outside the
//                    blob bytes so rotating a master key re-wraps records and never rewrites a blob:
//                      upload/<id>                    while the bytes are an upload
//                      blob/<digest>/<fingerprint>    once committed (fingerprint: chunk 0's nonce, hex)
//
// An upload is always stored exactly as a committed blob would be (its last chunk sealed final), or
// as nothing at all when it is empty; so a commit is the inner store's atomic commit, with no byte
// rewritten, and an append reopens the last chunk.
//
// Why a fingerprint in the blob's record: two uploads of the same content can be committed at once
// (two nodes pushing one base layer). Each has its own DEK, and the later inner commit replaces the
// earlier one's bytes. Each committer records its key under its own bytes' fingerprint before it
// commits, so whichever bytes end up at the digest have their key, with no lock across nodes.
//
// There is deliberately no readUrl(): an object store's presigned URL would hand out ciphertext.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFound, UploadNotFound, type BlobStore, type ByteRange, type UploadInfo } from '../blob-store.js';
import { parseDigest } from '../digest.js';
import {
  CHUNK,
  DATA_KEY_BYTES,
  NONCE_BYTES,
  STORED_CHUNK,
  TamperedBlob,
  chunkCount,
  chunkOffset,
  decryptChunks,
  encryptChunk,
  encryptChunks,
  openChunk,
  plaintextSize,
  planRead,
  type SealedChunk,
} from './chunks.js';
import { UnknownMasterKey, type KeyRing, type WrappedKey } from './key-ring.js';

/** Where the wrapped DEKs live; outside the blob bytes, so rotation never rewrites blobs. */
export interface DataKeyRecords {
  get(ref: string): Promise<WrappedKey | null>;
  /** Inserts or replaces. */
  put(ref: string, key: WrappedKey): Promise<void>;
  delete(ref: string): Promise<void>;
  list(keyName: string): AsyncIterable<{ ref: string; key: WrappedKey }>;
}

/** Stored bytes whose data key record is gone: they cannot be decrypted. */
export class DataKeyMissing extends Error {
  constructor(readonly ref: string) {
    super(`no data key is recorded for ${ref}`);
    this.name = 'DataKeyMissing';
  }
}

export interface EncryptedBlobStoreOptions {
  inner: BlobStore;
  keys: KeyRing;
  /** The master key that wraps the DEKs of new uploads. */
  keyName: string;
  dataKeys: DataKeyRecords;
}

interface ReopenedChunk {
  index: number;
  plain: Buffer;
  final: boolean;
  nonce: Buffer;
}

const EMPTY = Buffer.alloc(0);

function uploadRef(id: string): string {
  return `upload/${id}`;
}

function blobRef(digest: string, fingerprint: Buffer): string {
  return `blob/${digest}/${fingerprint.toString('hex')}`;
}

function sizeOf(stored: number, what: string): number {
  const size = plaintextSize(stored);
  if (size === null) throw new TamperedBlob(`${what}: ${stored} stored bytes cannot be an encrypted blob`);
  return size;
}

/** An empty upload may have no bytes at all (it gets its empty final chunk at commit). */
function uploadSizeOf(stored: number, id: string): number {
  return stored === 0 ? 0 : sizeOf(stored, `upload ${id}`);
}

function streamOf(...buffers: Buffer[]): Readable {
  return Readable.from(buffers, { objectMode: false });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of stream as AsyncIterable<Buffer>) pieces.push(piece);
  return Buffer.concat(pieces);
}

async function* prefixed(head: Buffer | undefined, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head && head.length > 0) yield head;
  yield* rest;
}

async function* storedBytes(chunks: AsyncIterable<SealedChunk>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield chunk.bytes;
}

/** The first `n` bytes of a stream, and the whole stream again (those bytes included) to go on with. */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; all: AsyncIterable<Uint8Array> }> {
  const iterator = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(next.value);
    length += next.value.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    try {
      yield* seen;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { head: Buffer.concat(seen, Math.min(n, length)), all: all() };
}

export class EncryptedBlobStore implements BlobStore {
  readonly minChunkLength: number;
  private readonly inner: BlobStore;
  private readonly keys: KeyRing;
  private readonly keyName: string;
  private readonly dataKeys: DataKeyRecords;
  /** Commits in progress here, by digest (see commitUpload). */
  private readonly commits = new Map<string, Promise<void>>();

  constructor(options: EncryptedBlobStoreOptions) {
    if (!options.keys.has(options.keyName)) throw new UnknownMasterKey(options.keyName);
    this.inner = options.inner;
    this.keys = options.keys;
    this.keyName = options.keyName;
    this.dataKeys = options.dataKeys;
    this.minChunkLength = options.inner.minChunkLength;
  }

  async stat(digest: string): Promise<{ size: number } | null> {
    const stored = await this.inner.stat(digest);
    return stored && { size: sizeOf(stored.size, digest) };
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    const stored = await this.inner.stat(digest);
    if (!stored) throw new BlobNotFound(digest);
    return this.decrypting(sizeOf(stored.size, digest), range, (r) => this.inner.read(digest, r), (fingerprint) => this.blobKey(digest, fingerprint));
  }

  async delete(digest: string): Promise<void> {
    const fingerprint = await this.fingerprintOf(digest);
    await this.inner.delete(digest);
    // The record goes last: a crash in between leaves a record without bytes, never bytes without their key.
    if (fingerprint) await this.dataKeys.delete(blobRef(digest, fingerprint));
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }

  async createUpload(id: string): Promise<void> {
    // The inner store first: it checks the id and refuses one in use, before any record is replaced.
    // Dying between the two leaves an upload without a record: absent to every operation (see
    // openUpload) but still listed, so expiry removes it.
    await this.inner.createUpload(id);
    try {
      await this.dataKeys.put(uploadRef(id), this.keys.wrap(this.keyName, randomBytes(DATA_KEY_BYTES)));
    } catch (error) {
      await this.inner.deleteUpload(id).catch(() => undefined);
      throw error;
    }
  }

  async appendUpload(id: string, offset: number, body: Readable): Promise<number> {
    const { dek, stored, size } = await this.openUpload(id);
    if (offset !== size) throw new RangeError(`append at ${offset} but upload ${id} holds ${size} bytes`);
    // The last chunk is sealed final; it is reopened and its plaintext goes in front of the new bytes.
    const tail = stored === 0 ? null : await this.uploadChunk(id, dek, chunkCount(size) - 1, stored);
    const start = tail?.index ?? 0;
    let received = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const piece of body as AsyncIterable<Uint8Array>) {
        received += piece.length;
        yield piece;
      }
    }
    const chunks = encryptChunks(dek, start, prefixed(tail?.plain, counted()));
    let touched = false;
    try {
      // Resolves once the first chunk is complete or the body ended: a body that fails before then
      // has changed nothing.
      const first = await chunks.next();
      if (first.done || received === 0) return size;
      touched = true;
      if (tail) await this.inner.truncateUpload(id, chunkOffset(start));
      // The reopened chunk is written (and durable) on its own, before the rest of the body is
      // awaited, so its acknowledged bytes are only in memory for the length of one small write.
      let at = await this.inner.appendUpload(id, chunkOffset(start), streamOf(first.value.bytes));
      if (!first.value.final) at = await this.inner.appendUpload(id, at, Readable.from(storedBytes(chunks), { objectMode: false }));
      return uploadSizeOf(at, id);
    } catch (error) {
      // Back to exactly the acknowledged bytes, sealed, whatever part of the new ones got written.
      if (touched) await this.restore(id, dek, start, tail).catch(() => undefined);
      throw error;
    } finally {
      await chunks.return(undefined);
    }
  }

  private async restore(id: string, dek: Buffer, start: number, tail: ReopenedChunk | null): Promise<void> {
    await this.inner.truncateUpload(id, chunkOffset(start));
    if (tail) await this.inner.appendUpload(id, chunkOffset(start), streamOf(encryptChunk(dek, tail.index, true, tail.plain)));
  }

  async uploadSize(id: string): Promise<number | null> {
    const stored = await this.inner.uploadSize(id);
    if (stored === null || !(await this.dataKeys.get(uploadRef(id)))) return null;
    return uploadSizeOf(stored, id);
  }

  /**
   * Refuses to grow an upload (a plaintext file would grow with zeros). The chunk that becomes the
   * last one is rewritten sealed; a crash between cutting it off and writing it back leaves the
   * upload shorter than acknowledged and unsealed, which callers see as a size mismatch and which
   * commitUpload refuses, so it is never committed short.
   */
  async truncateUpload(id: string, size: number): Promise<void> {
    const { dek, stored, size: current } = await this.openUpload(id);
    if (!Number.isSafeInteger(size) || size < 0 || size > current) throw new RangeError(`cannot cut upload ${id} of ${current} bytes to ${size}`);
    if (size === 0) {
      if (stored > 0) await this.inner.truncateUpload(id, 0);
      return;
    }
    const chunk = await this.uploadChunk(id, dek, chunkCount(size) - 1, stored);
    if (size === current && chunk.final) return;
    await this.inner.truncateUpload(id, chunkOffset(chunk.index));
    await this.inner.appendUpload(id, chunkOffset(chunk.index), streamOf(encryptChunk(dek, chunk.index, true, chunk.plain.subarray(0, size - chunk.index * CHUNK))));
  }

  async readUpload(id: string, range?: ByteRange): Promise<Readable> {
    const { dek, stored, size } = await this.openUpload(id);
    if (stored === 0) return streamOf();
    return this.decrypting(size, range, (r) => this.inner.readUpload(id, r), dek);
  }

  async commitUpload(id: string, digest: string): Promise<void> {
    // Checked before anything changes; the inner store would only check it at its own commit.
    if (!parseDigest(digest)) throw new Error(`refusing non-digest storage key ${JSON.stringify(digest)}`);
    // Commits of one digest take turns in this process, so the later ones find the blob in place
    // and keep it; only commits racing on different nodes replace one another's bytes (step 4).
    const previous = this.commits.get(digest) ?? Promise.resolve();
    const current = previous.then(() => this.commitInTurn(id, digest));
    const settled = current.catch(() => undefined);
    this.commits.set(digest, settled);
    try {
      await current;
    } finally {
      if (this.commits.get(digest) === settled) this.commits.delete(digest);
    }
  }

  private async commitInTurn(id: string, digest: string): Promise<void> {
    let stored = await this.inner.uploadSize(id);
    const record = await this.dataKeys.get(uploadRef(id));
    if (!record) throw new UploadNotFound(id);
    if (stored === null) {
      // Left by a commit that died after its inner commit (step 2 below): the blob is in place.
      await this.dataKeys.delete(uploadRef(id));
      throw new UploadNotFound(id);
    }
    const dek = await this.unwrap(record);
    if (stored === 0) stored = await this.inner.appendUpload(id, 0, streamOf(encryptChunk(dek, 0, true, EMPTY)));
    const last = await this.uploadChunk(id, dek, chunkCount(uploadSizeOf(stored, id)) - 1, stored);
    // An append that died part-way and was never cut back leaves the last chunk unsealed.
    if (!last.final) throw new TamperedBlob(`upload ${id} does not end in a sealed chunk; cut it back to its acknowledged size first`);
    const fingerprint = last.index === 0 ? last.nonce : await readAll(await this.inner.readUpload(id, { start: 0, end: NONCE_BYTES - 1 }));
    // Content-addressed: bytes already stored (and readable) for this digest are kept, not disturbed.
    if (await this.holdsKeyedBlob(digest)) {
      await this.deleteUpload(id);
      return;
    }
    // The order makes every step safe to die after, and a retry safe:
    //  1. the key is recorded for the bytes about to be committed. Dying here leaves a record with
    //     no bytes (inert); a retry writes it again.
    //  2. the inner commit, atomic. Dying after it, the blob is complete and readable; the upload is
    //     gone, so a retry gets UploadNotFound as from a plaintext store, and drops the upload's record.
    //  3. the upload's record is dropped.
    //  4. if a concurrent commit of the same content (on another node) replaced these bytes, this
    //     record is dropped too. (Had this check run before the other commit landed, the record
    //     stays: inert, as nothing refers to its fingerprint any more.)
    const ref = blobRef(digest, fingerprint);
    await this.dataKeys.put(ref, record);
    try {
      await this.inner.commitUpload(id, digest);
    } catch (error) {
      await this.dropUnlessCurrent(digest, ref, fingerprint).catch(() => undefined);
      throw error;
    }
    await this.dataKeys.delete(uploadRef(id));
    await this.dropUnlessCurrent(digest, ref, fingerprint);
  }

  async deleteUpload(id: string): Promise<void> {
    await this.inner.deleteUpload(id);
    await this.dataKeys.delete(uploadRef(id));
  }

  async *listUploads(): AsyncIterable<UploadInfo> {
    for await (const upload of this.inner.listUploads()) {
      // A torn tail (a crash mid-write) still lists, with its whole chunks, so expiry can remove it.
      const size = upload.size === 0 ? 0 : (plaintextSize(upload.size) ?? Math.floor(upload.size / STORED_CHUNK) * CHUNK);
      yield { ...upload, size };
    }
  }

  /**
   * Re-wraps every record of this store under its master key's newest version (after
   * KeyRing.rotate, here or in another process); blob bytes are not touched. Returns how many.
   * Records of other keys in the ring (a store whose keyName was changed) are re-wrapped under
   * their own key's newest version.
   */
  async rewrap(): Promise<number> {
    await this.keys.reload();
    let count = 0;
    for (const keyName of this.keys.names()) {
      const newest = this.keys.newestVersion(keyName);
      for await (const { ref, key } of this.dataKeys.list(keyName)) {
        if (key.version >= newest) continue;
        const rewrapped = this.keys.wrap(keyName, await this.unwrap(key));
        // A commit or delete may have removed the record meanwhile; it must not come back.
        if (!(await this.dataKeys.get(ref))) continue;
        await this.dataKeys.put(ref, rewrapped);
        count++;
      }
    }
    return count;
  }

  /** An upload's DEK and sizes. An upload without its key record does not exist (see createUpload). */
  private async openUpload(id: string): Promise<{ dek: Buffer; stored: number; size: number }> {
    const stored = await this.inner.uploadSize(id);
    const record = stored === null ? null : await this.dataKeys.get(uploadRef(id));
    if (stored === null || !record) throw new UploadNotFound(id);
    return { dek: await this.unwrap(record), stored, size: uploadSizeOf(stored, id) };
  }

  /** Chunk `index` of an upload, decrypted whether or not it is sealed final. */
  private async uploadChunk(id: string, dek: Buffer, index: number, stored: number): Promise<ReopenedChunk> {
    const start = chunkOffset(index);
    const bytes = await readAll(await this.inner.readUpload(id, { start, end: Math.min(start + STORED_CHUNK, stored) - 1 }));
    return { index, ...openChunk(dek, index, bytes), nonce: bytes.subarray(0, NONCE_BYTES) };
  }

  private async unwrap(key: WrappedKey): Promise<Buffer> {
    try {
      return this.keys.unwrap(key);
    } catch (error) {
      if (!(error instanceof UnknownMasterKey)) throw error;
      // Another process (an admin rotating keys) may have added it since this ring was read.
      await this.keys.reload();
      return this.keys.unwrap(key);
    }
  }

  private async blobKey(digest: string, fingerprint: Buffer): Promise<Buffer> {
    const ref = blobRef(digest, fingerprint);
    const record = await this.dataKeys.get(ref);
    if (!record) throw new DataKeyMissing(ref);
    return this.unwrap(record);
  }

  /** The nonce of a committed blob's first chunk, or null when the blob is absent. */
  private async fingerprintOf(digest: string): Promise<Buffer | null> {
    try {
      return await readAll(await this.inner.read(digest, { start: 0, end: NONCE_BYTES - 1 }));
    } catch (error) {
      if (error instanceof BlobNotFound) return null;
      throw error;
    }
  }

  private async holdsKeyedBlob(digest: string): Promise<boolean> {
    const fingerprint = await this.fingerprintOf(digest);
    return fingerprint !== null && (await this.dataKeys.get(blobRef(digest, fingerprint))) !== null;
  }

  private async dropUnlessCurrent(digest: string, ref: string, fingerprint: Buffer): Promise<void> {
    const current = await this.fingerprintOf(digest);
    if (!current?.equals(fingerprint)) await this.dataKeys.delete(ref);
  }

  /**
   * Opens the stored bytes a read needs and decrypts them as they stream. A blob's DEK is found
   * through its fingerprint, at the start of chunk 0: peeked from the data when the read starts
   * there, else read on its own (12 bytes).
   */
  private async decrypting(
    plainSize: number,
    range: ByteRange | undefined,
    fetch: (range: ByteRange) => Promise<Readable>,
    dataKey: Buffer | ((fingerprint: Buffer) => Promise<Buffer>),
  ): Promise<Readable> {
    const plan = planRead(plainSize, range);
    if (!plan) return streamOf();
    const stream = await fetch(plan.stored);
    let source: AsyncIterable<Uint8Array> = stream;
    let dek: Buffer;
    try {
      if (Buffer.isBuffer(dataKey)) {
        dek = dataKey;
      } else if (plan.first === 0) {
        const peeked = await peek(stream, NONCE_BYTES);
        source = peeked.all;
        dek = await dataKey(peeked.head);
      } else {
        dek = await dataKey(await readAll(await fetch({ start: 0, end: NONCE_BYTES - 1 })));
      }
    } catch (error) {
      stream.destroy();
      throw error;
    }
    const plain = Readable.from(decryptChunks(dek, plainSize, plan, source), { objectMode: false });
    // A reader that gives up before the first chunk never starts the generator, which would
    // otherwise be what closes the inner stream.
    plain.once('close', () => stream.destroy());
    return plain;
  }
}
