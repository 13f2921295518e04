// The decoders a layer's bytes pass through, one pipeline stage per compression, each with
// backpressure: however high the compression ratio, a decoder only runs ahead of its reader by a
// buffer's worth. zstd uses Node's native decoder where there is one (Node >= 23.8) and fzstd
// otherwise; both see the same input limits (zstd-frames.ts) and fail with the same reasons.
import { PassThrough, type Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress, ZstdErrorCode } from 'fzstd';
import type { Compression } from './compression.js';
import { layerProblem, type LayerScanError } from './errors.js';

export type ZstdDecoderKind = 'native' | 'fzstd';

/** A stage for stream.pipeline: a stream, or an async generator over the compressed chunks. */
export type DecoderStage = Duplex | ((compressed: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>);

const nativeZstd = (zlib as Partial<Record<'createZstdDecompress', () => Duplex>>).createZstdDecompress;

/** The zstd decoders this Node offers, preferred first. */
export const ZSTD_DECODER_KINDS: readonly ZstdDecoderKind[] = nativeZstd ? ['native', 'fzstd'] : ['fzstd'];

/**
 * zlib hands out 16 KiB at a time by default, one thread-pool round trip each; 64 KiB makes a
 * bomb of zeros inflate (and hit its cap) three times faster, for the same bounded memory.
 */
const GUNZIP_CHUNK_BYTES = 64 * 1024;

/**
 * fzstd decodes a whole pushed chunk synchronously and copies its window once per block, so it is
 * fed small slices: a slice of 256 bytes holds at most 64 blocks (at least 4 bytes each), which
 * bounds both the output held before it is handed on (64 × 128 KiB) and the time between two
 * chances to notice an abort. Measured on real layers, slicing costs about 10% of throughput.
 */
const FZSTD_SLICE_BYTES = 256;

export function createDecoder(compression: Compression, zstd: ZstdDecoderKind = ZSTD_DECODER_KINDS[0]!): DecoderStage {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    case 'zstd':
      return zstd === 'native' && nativeZstd ? nativeZstd() : decodeWithFzstd;
    case 'none':
      // Object mode: chunks pass as they are, never gathered into new buffers.
      return new PassThrough({ objectMode: true });
  }
}

// A generator stage rather than Duplex.from(generator): on Node 20 the latter never settles a
// pipeline whose source fails, which would hang the walk on the first corrupt zstd layer.
async function* decodeWithFzstd(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoded: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    if (data.length > 0) decoded.push(data);
  });
  for await (const chunk of compressed) {
    for (let offset = 0; offset < chunk.length; offset += FZSTD_SLICE_BYTES) {
      decoder.push(chunk.subarray(offset, offset + FZSTD_SLICE_BYTES));
      yield* takeAll(decoded);
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* takeAll(decoded);
}

function* takeAll(decoded: Uint8Array[]): Generator<Buffer> {
  for (const data of decoded.splice(0)) yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Names a decoder's failure. zlib (gzip, and native zstd) reports input that ends mid-stream as
 * Z_BUF_ERROR "unexpected end of file"; fzstd as its UnexpectedEOF code.
 */
export function decodeFailure(compression: Compression, error: unknown, layerDigest: string): LayerScanError {
  const code = (error as { code?: unknown } | null)?.code;
  const truncated = code === 'Z_BUF_ERROR' || code === ZstdErrorCode.UnexpectedEOF;
  return layerProblem(`${truncated ? 'truncated' : 'corrupt'} ${compression} stream`, layerDigest, error);
}
