// The encrypted chunk format (src/storage/encryption/chunks.ts): its size and offset arithmetic as
// tables, round trips through the streaming transforms, and every way of tampering with stored
// bytes that must be refused before a byte of the affected chunk is released.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CHUNK,
  CHUNK_OVERHEAD,
  STORED_CHUNK,
  TamperedBlob,
  chunkCount,
  chunkOffset,
  decryptChunk,
  decryptChunks,
  encryptChunk,
  encryptChunks,
  encryptStream,
  openChunk,
  plaintextSize,
  planRead,
  storedSize,
  type ChunkPlan,
} from '../../src/storage/encryption/chunks.js';
import type { ByteRange } from '../../src/storage/index.js';

const dek = randomBytes(32);

/** Yields `bytes` in pieces of the given sizes (cycled), as a socket would. */
async function* pieces(bytes: Buffer, sizes: number[] = [1000, 7, 65536, 123_457]): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of source) out.push(piece);
  return Buffer.concat(out);
}

async function encrypt(plain: Buffer): Promise<Buffer> {
  return collect(encryptStream(dek, pieces(plain)));
}

/** Decrypts stored bytes as the store does: the size from the stored length, then the whole blob or a range. */
async function decryptStored(stored: Buffer, range?: ByteRange, key = dek): Promise<{ plain: Buffer; error: unknown }> {
  const out: Buffer[] = [];
  try {
    const size = plaintextSize(stored.length);
    if (size === null) throw new TamperedBlob(`impossible stored size ${stored.length}`);
    const plan = planRead(size, range);
    if (plan) {
      const slice = stored.subarray(plan.stored.start, plan.stored.end + 1);
      for await (const piece of decryptChunks(key, size, plan, pieces(slice, [4096, 70_000]))) out.push(Buffer.from(piece));
    }
    return { plain: Buffer.concat(out), error: null };
  } catch (error) {
    return { plain: Buffer.concat(out), error };
  }
}

describe('chunk arithmetic', () => {
  const SIZES: { what: string; plain: number; chunks: number; stored: number }[] = [
    { what: 'empty', plain: 0, chunks: 1, stored: 28 },
    { what: '1 byte', plain: 1, chunks: 1, stored: 29 },
    { what: 'one chunk less a byte', plain: CHUNK - 1, chunks: 1, stored: CHUNK - 1 + 28 },
    { what: 'exactly one chunk', plain: CHUNK, chunks: 1, stored: 65564 },
    { what: 'one chunk and a byte', plain: CHUNK + 1, chunks: 2, stored: 65564 + 29 },
    { what: 'exactly two chunks', plain: 2 * CHUNK, chunks: 2, stored: 2 * 65564 },
    { what: 'many', plain: 1000 * CHUNK + 12345, chunks: 1001, stored: 1000 * 65564 + 12345 + 28 },
    { what: '10 GiB', plain: 10 * 2 ** 30, chunks: 163_840, stored: 10 * 2 ** 30 + 163_840 * 28 },
  ];
  for (const { what, plain, chunks, stored } of SIZES) {
    it(`${what}: ${plain} plaintext bytes are ${chunks} chunk(s), ${stored} stored bytes, and back`, () => {
      assert.equal(chunkCount(plain), chunks);
      assert.equal(storedSize(plain), stored);
      assert.equal(plaintextSize(stored), plain);
    });
  }

  it('a full stored chunk is 65564 bytes and chunk i starts at i times that', () => {
    assert.equal(STORED_CHUNK, 65564);
    assert.equal(CHUNK_OVERHEAD, 28);
    assert.deepEqual([0, 1, 2, 1000].map(chunkOffset), [0, 65564, 131128, 65_564_000]);
  });

  const IMPOSSIBLE: { what: string; stored: number }[] = [
    { what: 'nothing', stored: 0 },
    { what: 'less than a nonce and tag', stored: 27 },
    { what: 'a full chunk and 1 byte', stored: 65564 + 1 },
    { what: 'a full chunk and 27 bytes', stored: 65564 + 27 },
    { what: 'a full chunk and an empty one (never written: 65536 bytes are one chunk)', stored: 65564 + 28 },
    { what: 'negative', stored: -28 },
    { what: 'fractional', stored: 28.5 },
    { what: 'NaN', stored: Number.NaN },
  ];
  for (const { what, stored } of IMPOSSIBLE) {
    it(`no blob is stored as ${what}`, () => assert.equal(plaintextSize(stored), null));
  }

  it('every stored size up to three chunks decodes to a plaintext size that encodes back to it, or to nothing', () => {
    let valid = 0;
    for (let stored = 0; stored <= 3 * STORED_CHUNK + 30; stored++) {
      const plain = plaintextSize(stored);
      if (plain === null) continue;
      valid++;
      assert.equal(storedSize(plain), stored);
    }
    assert.equal(valid, 3 * CHUNK + 3, 'one stored size per plaintext size 0 .. 3 chunks + 2');
  });

  const PLANS: { what: string; size: number; range?: ByteRange; plan: ChunkPlan | null }[] = [
    { what: 'an empty blob, whole', size: 0, plan: { first: 0, last: 0, stored: { start: 0, end: 27 }, skip: 0, length: 0 } },
    { what: 'a 1-byte blob, whole', size: 1, plan: { first: 0, last: 0, stored: { start: 0, end: 28 }, skip: 0, length: 1 } },
    { what: 'exactly one chunk, whole', size: CHUNK, plan: { first: 0, last: 0, stored: { start: 0, end: 65563 }, skip: 0, length: CHUNK } },
    {
      what: 'a chunk and a byte, whole',
      size: CHUNK + 1,
      plan: { first: 0, last: 1, stored: { start: 0, end: 65564 + 28 }, skip: 0, length: CHUNK + 1 },
    },
    {
      what: 'the last byte of chunk 0 and the first of chunk 1',
      size: 3 * CHUNK,
      range: { start: CHUNK - 1, end: CHUNK },
      plan: { first: 0, last: 1, stored: { start: 0, end: 2 * 65564 - 1 }, skip: CHUNK - 1, length: 2 },
    },
    {
      what: 'exactly chunk 1',
      size: 3 * CHUNK,
      range: { start: CHUNK, end: 2 * CHUNK - 1 },
      plan: { first: 1, last: 1, stored: { start: 65564, end: 2 * 65564 - 1 }, skip: 0, length: CHUNK },
    },
    {
      what: 'a suffix inside a short last chunk',
      size: 2 * CHUNK + 100,
      range: { start: 2 * CHUNK + 90, end: 2 * CHUNK + 99 },
      plan: { first: 2, last: 2, stored: { start: 2 * 65564, end: 2 * 65564 + 127 }, skip: 90, length: 10 },
    },
    {
      what: 'an end past the blob, clamped',
      size: CHUNK + 10,
      range: { start: 5, end: 10 * CHUNK },
      plan: { first: 0, last: 1, stored: { start: 0, end: 65564 + 37 }, skip: 5, length: CHUNK + 5 },
    },
    { what: 'a start past the end', size: 100, range: { start: 100, end: 200 }, plan: null },
    { what: 'any range of an empty blob', size: 0, range: { start: 0, end: 0 }, plan: null },
  ];
  for (const { what, size, range, plan } of PLANS) {
    it(`plans ${what}`, () => assert.deepEqual(planRead(size, range), plan));
  }

  it('refuses ranges that are not ranges', () => {
    for (const range of [{ start: 5, end: 4 }, { start: -1, end: 4 }, { start: 0.5, end: 4 }, { start: 0, end: Number.NaN }]) {
      assert.throws(() => planRead(100, range), RangeError, JSON.stringify(range));
    }
  });
});

describe('chunk encryption', () => {
  it('seals a chunk as nonce, ciphertext and tag, with a fresh nonce every time', () => {
    for (const length of [0, 1, 1000, CHUNK]) {
      const plain = randomBytes(length);
      const a = encryptChunk(dek, 7, false, plain);
      const b = encryptChunk(dek, 7, false, plain);
      assert.equal(a.length, length + 28);
      assert.notDeepEqual(a.subarray(0, 12), b.subarray(0, 12));
      if (length >= 16) assert.equal(a.indexOf(plain.subarray(0, 16)), -1, 'no plaintext in the sealed chunk');
      assert.deepEqual(decryptChunk(dek, 7, false, a), plain);
      assert.deepEqual(decryptChunk(dek, 7, false, b), plain);
    }
  });

  it('refuses more than a chunk of plaintext and data keys of the wrong size', () => {
    assert.throws(() => encryptChunk(dek, 0, true, Buffer.alloc(CHUNK + 1)), RangeError);
    assert.throws(() => encryptChunk(randomBytes(16), 0, true, Buffer.alloc(1)));
    assert.throws(() => decryptChunk(randomBytes(31), 0, true, Buffer.alloc(28)));
  });

  it('openChunk tells a final chunk from another', () => {
    const plain = randomBytes(10);
    assert.deepEqual(openChunk(dek, 3, encryptChunk(dek, 3, true, plain)), { plain, final: true });
    assert.deepEqual(openChunk(dek, 3, encryptChunk(dek, 3, false, plain)), { plain, final: false });
    assert.throws(() => openChunk(dek, 4, encryptChunk(dek, 3, false, plain)), TamperedBlob);
  });

  const ROUND_TRIPS = [0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 12345];
  for (const size of ROUND_TRIPS) {
    it(`round-trips ${size} bytes through the streaming transforms, whole and in ranges`, async () => {
      const plain = randomBytes(size);
      const stored = await encrypt(plain);
      assert.equal(stored.length, storedSize(size));
      const whole = await decryptStored(stored);
      assert.equal(whole.error, null);
      assert.deepEqual(whole.plain, plain);
      const ranges: ByteRange[] = [];
      for (const edge of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, size - 2, size - 1]) {
        if (edge >= 0 && edge < size) ranges.push({ start: edge, end: edge }, { start: edge, end: size - 1 }, { start: 0, end: edge });
      }
      for (let i = 0; i < 20 && size > 0; i++) {
        const start = Math.floor(Math.random() * size);
        ranges.push({ start, end: start + Math.floor(Math.random() * (size - start)) });
      }
      for (const range of ranges) {
        const got = await decryptStored(stored, range);
        assert.equal(got.error, null, JSON.stringify(range));
        assert.deepEqual(got.plain, plain.subarray(range.start, range.end + 1), JSON.stringify(range));
      }
    });
  }

  it('numbers chunks from the index given and seals only the last as final', async () => {
    const got: { index: number; final: boolean; length: number }[] = [];
    for await (const chunk of encryptChunks(dek, 5, pieces(randomBytes(2 * CHUNK + 3)))) {
      got.push({ index: chunk.index, final: chunk.final, length: chunk.bytes.length });
    }
    assert.deepEqual(got, [
      { index: 5, final: false, length: STORED_CHUNK },
      { index: 6, final: false, length: STORED_CHUNK },
      { index: 7, final: true, length: 3 + 28 },
    ]);
  });

  it('gives out a chunk as soon as one byte beyond it has arrived, holding no more than that', async () => {
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    async function* slowSource(): AsyncGenerator<Buffer> {
      yield randomBytes(CHUNK);
      yield randomBytes(1);
      await stalled; // the client pauses: the first chunk must not wait for it
      yield randomBytes(5);
    }
    const chunks = encryptChunks(dek, 0, slowSource());
    const first = await chunks.next();
    assert.equal(first.done, false);
    assert.equal(first.value && first.value.final, false);
    release();
    const rest: boolean[] = [];
    for await (const chunk of chunks) rest.push(chunk.final);
    assert.deepEqual(rest, [true]);
  });
});

describe('tampered stored bytes are refused', () => {
  const SIZE = 3 * CHUNK + 500; // chunks 0, 1, 2 full, chunk 3 (final) holds 500 bytes
  const plain = randomBytes(SIZE);
  let stored: Buffer;

  async function expectRefused(bytes: Buffer, authenticPrefix: number, range?: ByteRange): Promise<void> {
    const { plain: released, error } = await decryptStored(bytes, range);
    assert.ok(error instanceof TamperedBlob, `expected TamperedBlob, got ${String(error)}`);
    const from = range?.start ?? 0;
    assert.deepEqual(released, plain.subarray(from, from + authenticPrefix), 'only authentic bytes came out before the error');
  }

  function flipped(at: number): Buffer {
    const copy = Buffer.from(stored);
    copy[at] = copy[at]! ^ 0x01;
    return copy;
  }

  it('starts from a blob that reads back', async () => {
    stored = await encrypt(plain);
    assert.deepEqual((await decryptStored(stored)).plain, plain);
  });

  it('a flipped bit in the ciphertext of chunk 1', async () => {
    await expectRefused(flipped(chunkOffset(1) + 12 + 500), CHUNK);
  });

  it('a flipped bit in the tag of chunk 2', async () => {
    await expectRefused(flipped(chunkOffset(3) - 1), 2 * CHUNK);
  });

  it('a flipped bit in the nonce of chunk 0', async () => {
    await expectRefused(flipped(5), 0);
  });

  it('a flipped bit in the final chunk, read as a range', async () => {
    await expectRefused(flipped(stored.length - 20), 0, { start: 3 * CHUNK + 10, end: 3 * CHUNK + 20 });
  });

  it('chunks 0 and 1 swapped', async () => {
    const swapped = Buffer.concat([stored.subarray(STORED_CHUNK, 2 * STORED_CHUNK), stored.subarray(0, STORED_CHUNK), stored.subarray(2 * STORED_CHUNK)]);
    await expectRefused(swapped, 0);
  });

  it('the final chunk cut short by a byte', async () => {
    await expectRefused(stored.subarray(0, stored.length - 1), 3 * CHUNK);
  });

  it('the final chunk dropped (the blob cut at a chunk boundary)', async () => {
    // Chunk 2 now looks like the last one, but it was sealed as not final.
    await expectRefused(stored.subarray(0, chunkOffset(3)), 2 * CHUNK);
  });

  it('a non-final chunk presented as the final one, and a final one as not', () => {
    const middle = stored.subarray(chunkOffset(1), chunkOffset(2));
    assert.throws(() => decryptChunk(dek, 1, true, middle), TamperedBlob);
    const last = stored.subarray(chunkOffset(3));
    assert.throws(() => decryptChunk(dek, 3, false, last), TamperedBlob);
    assert.throws(() => decryptChunk(dek, 2, true, last), TamperedBlob, 'nor under another index');
  });

  it('chunks of impossible lengths', () => {
    assert.throws(() => decryptChunk(dek, 0, true, Buffer.alloc(27)), TamperedBlob);
    assert.throws(() => decryptChunk(dek, 0, true, Buffer.alloc(STORED_CHUNK + 1)), TamperedBlob);
  });

  it('bytes appended after the final chunk', async () => {
    // The full chunks before it are still authentic; the old final chunk now reads as a longer one.
    await expectRefused(Buffer.concat([stored, Buffer.alloc(40)]), 3 * CHUNK);
    await expectRefused(Buffer.concat([stored, encryptChunk(dek, 4, true, Buffer.alloc(0))]), 3 * CHUNK);
  });

  it('a stream that goes on past the planned range', async () => {
    const size = plaintextSize(stored.length)!;
    const plan = planRead(size, { start: 0, end: 9 })!;
    const out: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const piece of decryptChunks(dek, size, plan, pieces(stored.subarray(0, plan.stored.end + 2)))) out.push(piece);
    }, TamperedBlob);
    assert.deepEqual(Buffer.concat(out), plain.subarray(0, 10));
  });

  it('another data key', async () => {
    const { plain: released, error } = await decryptStored(stored, undefined, randomBytes(32));
    assert.ok(error instanceof TamperedBlob);
    assert.equal(released.length, 0);
  });
});
