// The encrypted byte format, as pure functions. The plaintext is cut into chunks of CHUNK bytes and
// each chunk is sealed on its own with AES-256-GCM under the blob's data key, so a ranged read
// decrypts only the chunks it covers and a changed byte anywhere is caught before it is released:
//
//   stored      = chunk 0 || chunk 1 || ... || chunk n-1       n = max(1, ceil(size / CHUNK))
//   chunk i     = nonce (12, random) || ciphertext (as long as its plaintext) || tag (16)
//   AAD chunk i = i as 8 bytes big-endian || final flag (1 on chunk n-1, 0 on the others)
//
// Every chunk but the last holds exactly CHUNK bytes, so chunk i starts at i * STORED_CHUNK and the
// plaintext size follows from the stored size alone. The index in the AAD stops chunks from being
// reordered or moved; the final flag stops a blob from being cut at a chunk boundary (the new last
// chunk was sealed "not final") or extended (the old last chunk was sealed "final"). An empty blob
// is one empty final chunk: 28 bytes.
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import type { ByteRange } from '../blob-store.js';

export const CHUNK = 64 * 1024;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const CHUNK_OVERHEAD = NONCE_BYTES + TAG_BYTES;
export const STORED_CHUNK = CHUNK + CHUNK_OVERHEAD;
export const DATA_KEY_BYTES = 32;
const CIPHER = 'aes-256-gcm';

/** Stored bytes that fail authentication or cannot be a valid layout. Never carries plaintext. */
export class TamperedBlob extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TamperedBlob';
  }
}

/** Chunks of a stored blob of `plainSize` bytes (an empty blob still has its final chunk). */
export function chunkCount(plainSize: number): number {
  return Math.max(1, Math.ceil(plainSize / CHUNK));
}

export function storedSize(plainSize: number): number {
  return plainSize + CHUNK_OVERHEAD * chunkCount(plainSize);
}

/** The plaintext size a stored size encodes, or null when no blob is stored that way. */
export function plaintextSize(stored: number): number | null {
  if (!Number.isSafeInteger(stored) || stored < CHUNK_OVERHEAD) return null;
  const plain = stored - CHUNK_OVERHEAD * Math.ceil(stored / STORED_CHUNK);
  // Rejects a last chunk too short to hold a nonce and tag, and an empty last chunk after a full one.
  return storedSize(plain) === stored ? plain : null;
}

export function chunkOffset(index: number): number {
  return index * STORED_CHUNK;
}

/** Plaintext bytes in chunk `index` of a blob of `plainSize` bytes. */
export function chunkPlainLength(index: number, plainSize: number): number {
  return Math.min(CHUNK, plainSize - index * CHUNK);
}

/** Which chunks a read needs, where they are stored, and which of their plaintext bytes it wants. */
export interface ChunkPlan {
  /** First and last chunk index, inclusive. */
  first: number;
  last: number;
  /** The stored bytes of those chunks, inclusive, as a ByteRange for the inner store. */
  stored: ByteRange;
  /** Plaintext bytes to drop from the front of the first chunk. */
  skip: number;
  /** Plaintext bytes to deliver in all. */
  length: number;
}

/**
 * Plans a read of the whole blob or of `range` (inclusive, clamped to the blob like a file read).
 * Null when the range starts past the end: there is nothing to read.
 */
export function planRead(plainSize: number, range?: ByteRange): ChunkPlan | null {
  let start = 0;
  let end = plainSize - 1;
  if (range) {
    if (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0 || range.end < range.start) {
      throw new RangeError(`invalid byte range ${range.start}-${range.end}`);
    }
    if (range.start >= plainSize) return null;
    start = range.start;
    end = Math.min(range.end, plainSize - 1);
  }
  // An empty blob still reads its one (empty, final) chunk, so a truncated one is caught.
  const first = Math.floor(start / CHUNK);
  const last = Math.max(first, Math.floor(end / CHUNK));
  const storedEnd = chunkOffset(last) + chunkPlainLength(last, plainSize) + CHUNK_OVERHEAD - 1;
  return { first, last, stored: { start: chunkOffset(first), end: storedEnd }, skip: start - first * CHUNK, length: end - start + 1 };
}

function aad(index: number, final: boolean): Buffer {
  const bytes = Buffer.alloc(9);
  bytes.writeUInt32BE(Math.floor(index / 2 ** 32), 0);
  bytes.writeUInt32BE(index % 2 ** 32, 4);
  bytes[8] = final ? 1 : 0;
  return bytes;
}

function checkKey(dek: Buffer): void {
  if (dek.length !== DATA_KEY_BYTES) throw new Error(`a data key has ${DATA_KEY_BYTES} bytes, not ${dek.length}`);
}

export function encryptChunk(dek: Buffer, index: number, final: boolean, plain: Uint8Array): Buffer {
  checkKey(dek);
  if (plain.length > CHUNK) throw new RangeError(`a chunk holds at most ${CHUNK} bytes, not ${plain.length}`);
  const out = Buffer.allocUnsafe(plain.length + CHUNK_OVERHEAD);
  const nonce = randomFillSync(out, 0, NONCE_BYTES).subarray(0, NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, dek, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(index, final));
  const body = cipher.update(plain);
  const rest = cipher.final();
  body.copy(out, NONCE_BYTES);
  rest.copy(out, NONCE_BYTES + body.length);
  cipher.getAuthTag().copy(out, NONCE_BYTES + plain.length);
  return out;
}

/** The plaintext of a stored chunk, released only once its tag verified. */
export function decryptChunk(dek: Buffer, index: number, final: boolean, stored: Uint8Array): Buffer {
  checkKey(dek);
  if (stored.length < CHUNK_OVERHEAD || stored.length > STORED_CHUNK) {
    throw new TamperedBlob(`chunk ${index} has an impossible length of ${stored.length} bytes`);
  }
  const decipher = createDecipheriv(CIPHER, dek, stored.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(index, final));
  decipher.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
  const body = decipher.update(stored.subarray(NONCE_BYTES, stored.length - TAG_BYTES));
  try {
    const rest = decipher.final();
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    // `body` is unauthenticated and is dropped here.
    throw new TamperedBlob(`chunk ${index} failed authentication${final ? ' as the final chunk' : ''}`);
  }
}

/** Decrypts a chunk whose final flag is not known (the last chunk of an upload being reopened). */
export function openChunk(dek: Buffer, index: number, stored: Uint8Array): { plain: Buffer; final: boolean } {
  try {
    return { plain: decryptChunk(dek, index, true, stored), final: true };
  } catch (error) {
    if (!(error instanceof TamperedBlob)) throw error;
    return { plain: decryptChunk(dek, index, false, stored), final: false };
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bytes arriving in pieces of any size, taken out in pieces of the size wanted, copying only across piece boundaries. */
class ByteQueue {
  private pieces: Buffer[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pieces.push(asBuffer(bytes));
    this.length += bytes.length;
  }

  take(n: number): Buffer {
    const head = this.pieces[0];
    let out: Buffer;
    if (head && head.length >= n) {
      out = head.subarray(0, n);
      if (head.length === n) this.pieces.shift();
      else this.pieces[0] = head.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const piece = this.pieces[0]!;
        const used = Math.min(piece.length, n - filled);
        piece.copy(out, filled, 0, used);
        filled += used;
        if (used === piece.length) this.pieces.shift();
        else this.pieces[0] = piece.subarray(used);
      }
    }
    this.length -= n;
    return out;
  }
}

export interface SealedChunk {
  index: number;
  final: boolean;
  bytes: Buffer;
}

/**
 * Encrypts a plaintext stream as chunks firstIndex, firstIndex + 1, ..., the last one final. A chunk
 * goes out once a byte beyond it arrived (so it is known not to be the last), which holds at most
 * one chunk and one incoming piece in memory. An empty source gives one empty final chunk.
 */
export async function* encryptChunks(dek: Buffer, firstIndex: number, source: AsyncIterable<Uint8Array>): AsyncGenerator<SealedChunk> {
  const queue = new ByteQueue();
  let index = firstIndex;
  for await (const piece of source) {
    queue.push(piece);
    while (queue.length > CHUNK) {
      yield { index, final: false, bytes: encryptChunk(dek, index, false, queue.take(CHUNK)) };
      index++;
    }
  }
  yield { index, final: true, bytes: encryptChunk(dek, index, true, queue.take(queue.length)) };
}

/** The encrypting transform: a plaintext stream in, the stored bytes of a whole blob out. */
export async function* encryptStream(dek: Buffer, source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of encryptChunks(dek, 0, source)) yield chunk.bytes;
}

/**
 * The decrypting transform: `stored` holds exactly the bytes `plan.stored` of a blob of `plainSize`
 * bytes. One chunk is gathered at a time and its plaintext is released only after its tag
 * verified; then it is cut to the bytes the plan asked for. A short, long or altered stream ends
 * in TamperedBlob, after nothing but authentic bytes.
 */
export async function* decryptChunks(dek: Buffer, plainSize: number, plan: ChunkPlan, stored: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const finalIndex = chunkCount(plainSize) - 1;
  const queue = new ByteQueue();
  const source = stored[Symbol.asyncIterator]();
  let remaining = plan.length;
  try {
    for (let index = plan.first; index <= plan.last; index++) {
      const length = chunkPlainLength(index, plainSize) + CHUNK_OVERHEAD;
      while (queue.length < length) {
        const next = await source.next();
        if (next.done) throw new TamperedBlob(`stored bytes end inside chunk ${index}`);
        queue.push(next.value);
      }
      const plain = decryptChunk(dek, index, index === finalIndex, queue.take(length));
      const from = index === plan.first ? plan.skip : 0;
      const wanted = plain.subarray(from, from + remaining);
      remaining -= wanted.length;
      if (wanted.length > 0) yield wanted;
    }
    if (queue.length > 0 || !(await source.next()).done) throw new TamperedBlob('stored bytes go on past the last chunk');
  } finally {
    await source.return?.();
  }
}
