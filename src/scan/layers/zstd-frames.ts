// Reads the frame and block headers of a zstd stream as it passes, without decoding it, and stops
// the layer before a decoder sees a header that asks for more memory or work than libzstd allows
// by default:
//
//   frame      magic(4) descriptor(1) [window(1)] [dictionary id(0|1|2|4)] [content size(0|1|2|4|8)]
//              block… [checksum(4)]
//   block      header(3: bit 0 last, bits 1-2 type, bits 3-23 size) payload(raw: size, RLE: 1,
//              compressed: size)
//   skippable  magic(4, 0x184D2A5?) size(4) payload(size)
//
// Why: fzstd allocates the whole declared window as soon as it reads a frame header (up to 2 GiB
// from a 6-byte header) and accepts blocks of up to 2 MiB, while libzstd (Node's native decoder)
// refuses windows over 128 MiB and blocks over min(window, 128 KiB). Checking here gives both
// decoders the same limits and the same errors.
import { SKIPPABLE_FRAME_MAGIC, SKIPPABLE_MAGIC_MASK, ZSTD_FRAME_MAGIC } from './compression.js';
import { layerProblem } from './errors.js';

/** libzstd's ZSTD_WINDOWLOG_LIMIT_DEFAULT (27): the largest window a decoder accepts unasked. */
const MAX_ZSTD_WINDOW_BYTES = 2 ** 27;
const MAX_BLOCK_BYTES = 128 * 1024;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4] as const;
const RLE_BLOCK = 1;
const RESERVED_BLOCK = 3;

type Field = 'magic' | 'descriptor' | 'frame-header' | 'block-header' | 'skippable-size';

export class ZstdFrameGuard {
  private field: Field = 'magic';
  private fieldLength = 4;
  private partial: Buffer = Buffer.alloc(0);
  private skipBytes = 0;
  private descriptor = 0;
  private blockLimit = 0;

  constructor(private readonly layerDigest: string) {}

  /** Follows `chunk` through the frame structure; throws LayerScanError at the first bad header. */
  inspect(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skipBytes > 0) {
        const skipped = Math.min(this.skipBytes, chunk.length - offset);
        this.skipBytes -= skipped;
        offset += skipped;
        continue;
      }
      const part = chunk.subarray(offset, offset + this.fieldLength - this.partial.length);
      offset += part.length;
      this.partial = this.partial.length === 0 ? part : Buffer.concat([this.partial, part]);
      if (this.partial.length === this.fieldLength) {
        const bytes = this.partial;
        this.partial = Buffer.alloc(0);
        this.readField(bytes);
      }
    }
  }

  private readField(bytes: Buffer): void {
    switch (this.field) {
      case 'magic': {
        const magic = bytes.readUInt32LE(0);
        if (magic === ZSTD_FRAME_MAGIC) return this.expect('descriptor', 1);
        if ((magic & SKIPPABLE_MAGIC_MASK) === SKIPPABLE_FRAME_MAGIC) return this.expect('skippable-size', 4);
        throw this.corrupt('no zstd frame magic number');
      }
      case 'skippable-size':
        this.skipBytes = bytes.readUInt32LE(0);
        return this.expect('magic', 4);
      case 'descriptor': {
        const descriptor = bytes[0]!;
        if (descriptor & 0x08) throw this.corrupt('reserved bit set in frame descriptor');
        this.descriptor = descriptor;
        const windowDescriptorBytes = descriptor & 0x20 ? 0 : 1;
        return this.expect('frame-header', windowDescriptorBytes + this.dictionaryIdBytes() + this.contentSizeBytes());
      }
      case 'frame-header': {
        const window = this.windowSize(bytes);
        if (window > MAX_ZSTD_WINDOW_BYTES) {
          throw layerProblem(`zstd window of ${window} bytes over ${MAX_ZSTD_WINDOW_BYTES}`, this.layerDigest);
        }
        this.blockLimit = Math.min(window, MAX_BLOCK_BYTES);
        return this.expect('block-header', 3);
      }
      case 'block-header': {
        const header = bytes.readUIntLE(0, 3);
        const last = (header & 1) === 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === RESERVED_BLOCK) throw this.corrupt('reserved block type');
        if (size > this.blockLimit) throw this.corrupt(`block of ${size} bytes over ${this.blockLimit}`);
        const hasChecksum = (this.descriptor & 0x04) !== 0;
        this.skipBytes = (type === RLE_BLOCK ? 1 : size) + (last && hasChecksum ? 4 : 0);
        return last ? this.expect('magic', 4) : this.expect('block-header', 3);
      }
    }
  }

  private expect(field: Field, length: number): void {
    this.field = field;
    this.fieldLength = length;
  }

  private dictionaryIdBytes(): number {
    return DICTIONARY_ID_BYTES[this.descriptor & 3]!;
  }

  private contentSizeBytes(): number {
    const flag = this.descriptor >> 6;
    if (flag === 0) return (this.descriptor & 0x20) !== 0 ? 1 : 0;
    return 2 ** flag;
  }

  /** A single-segment frame's window is its content size; otherwise the window descriptor says. */
  private windowSize(header: Buffer): number {
    if ((this.descriptor & 0x20) === 0) {
      const descriptor = header[0]!;
      const base = 2 ** (10 + (descriptor >> 3));
      return base + (base / 8) * (descriptor & 7);
    }
    const at = this.dictionaryIdBytes();
    switch (this.contentSizeBytes()) {
      case 1:
        return header[at]!;
      case 2:
        return header.readUInt16LE(at) + 256;
      case 4:
        return header.readUInt32LE(at);
      default:
        return Number(header.readBigUInt64LE(at));
    }
  }

  private corrupt(detail: string): Error {
    return layerProblem('corrupt zstd stream', this.layerDigest, new Error(detail));
  }
}
