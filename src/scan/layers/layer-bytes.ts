// Opens one layer and hands its decompressed bytes to a consumer, as a stream with backpressure
// end to end: blob store -> (zstd frame guard) -> decoder -> byte meter -> consumer. Nothing is
// written to disk and nothing waits in memory beyond the streams' buffers.
//
// Failures are sorted by origin: the decoder's own become LayerScanError (truncated or corrupt
// stream), the budget's and the tar reader's already are one, and the blob store's read errors,
// an abort, or the consumer's own exceptions pass through unchanged.
import { addAbortSignal, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LayerSource } from '../types.js';
import { assertLayerMediaType, MAGIC_LENGTH, sniffCompression, type Compression } from './compression.js';
import { createDecoder, decodeFailure } from './decompress.js';
import { LayerScanError } from './errors.js';
import type { ScanBudget } from './limits.js';
import { ZstdFrameGuard } from './zstd-frames.js';

export type LayerConsumer = (decompressed: AsyncIterable<Buffer>) => Promise<void>;

export async function consumeLayer(
  layer: LayerSource,
  budget: ScanBudget,
  consume: LayerConsumer,
  signal?: AbortSignal,
): Promise<void> {
  assertLayerMediaType(layer.mediaType, layer.digest);
  signal?.throwIfAborted();
  const raw = await layer.open();
  if (signal) addAbortSignal(signal, raw);

  const source = new CompressedSource(raw);
  let compression: Compression;
  try {
    compression = sniffCompression(await source.readHead());
  } catch (error) {
    raw.destroy();
    throw signal?.aborted ? signal.reason : error;
  }
  const guard = compression === 'zstd' ? new ZstdFrameGuard(layer.digest) : undefined;
  const upstreamFailure = (error: unknown): unknown =>
    error instanceof LayerScanError || source.isReadFailure(error)
      ? error
      : decodeFailure(compression, error, layer.digest);

  let consumerFailure: unknown;
  try {
    await pipeline(
      // Object mode: chunks travel as they are, never gathered into new buffers on the way.
      Readable.from(source.chunks(guard)),
      createDecoder(compression),
      async (decoded: AsyncIterable<Buffer>) => {
        try {
          await consume(metered(decoded, budget, layer.digest, upstreamFailure, signal));
        } catch (error) {
          consumerFailure = error;
          throw error;
        }
      },
      { signal },
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    // The pipeline reports whichever failure it saw first; the consumer's tells what actually
    // happened, already sorted by `metered`.
    throw consumerFailure ?? upstreamFailure(error);
  }
}

/** The layer's raw chunks, its first bytes read ahead to decide the compression. */
class CompressedSource {
  private readonly iterator: AsyncIterator<Buffer | Uint8Array>;
  private head: Buffer = Buffer.alloc(0);
  private readFailure: unknown;

  constructor(raw: Readable) {
    this.iterator = raw[Symbol.asyncIterator]();
  }

  async readHead(): Promise<Buffer> {
    while (this.head.length < MAGIC_LENGTH) {
      const chunk = await this.nextChunk();
      if (!chunk) break;
      this.head = Buffer.concat([this.head, chunk]);
    }
    return this.head;
  }

  isReadFailure(error: unknown): boolean {
    return error !== undefined && error === this.readFailure;
  }

  async *chunks(guard: ZstdFrameGuard | undefined): AsyncGenerator<Buffer> {
    try {
      for (let chunk: Buffer | undefined = this.head; chunk; chunk = await this.nextChunk()) {
        if (chunk.length === 0) continue;
        guard?.inspect(chunk);
        yield chunk;
      }
    } finally {
      // Stopping early (a failure downstream) must release the blob store's stream.
      await this.iterator.return?.();
    }
  }

  private async nextChunk(): Promise<Buffer | undefined> {
    let next: IteratorResult<Buffer | Uint8Array>;
    try {
      next = await this.iterator.next();
    } catch (error) {
      this.readFailure = error;
      throw error;
    }
    if (next.done) return undefined;
    const chunk = next.value;
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/**
 * The decoded bytes, counted against the budget as they flow. It also checks for an abort itself:
 * the pipeline's signal destroys streams, but a generator stage (fzstd) working through a chunk
 * it already holds would not notice until that chunk is done.
 */
async function* metered(
  decoded: AsyncIterable<Buffer>,
  budget: ScanBudget,
  layerDigest: string,
  upstreamFailure: (error: unknown) => unknown,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  const iterator = decoded[Symbol.asyncIterator]();
  for (;;) {
    signal?.throwIfAborted();
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw upstreamFailure(error);
    }
    if (next.done) return;
    budget.addDecompressedBytes(next.value.length, layerDigest);
    yield next.value;
  }
}
