// Exact-size reads over a stream of chunks, for the tar reader. A read that lies inside one chunk
// is a view of it (tar headers, no copy), and can be had without awaiting; a longer one is copied
// once into a buffer of its final size (file contents); skipped bytes are never copied at all.
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';

/**
 * A source that answers from memory (or a decoder running in this thread) resolves every read as
 * a microtask, and a walk over it would never let timers or I/O run: no abort timeout could fire.
 * Pulling a chunk therefore yields to the event loop once this much time has passed without.
 */
const MAX_MILLISECONDS_WITHOUT_YIELDING = 20;

export class ChunkReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  private lastYield = performance.now();

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** The next `length` bytes if the current chunk holds them all, without waiting; else undefined. */
  readAvailable(length: number): Buffer | undefined {
    if (this.chunk.length - this.offset < length) return undefined;
    this.offset += length;
    return this.chunk.subarray(this.offset - length, this.offset);
  }

  /** Passes over `length` bytes if the current chunk holds them all; says whether it did. */
  skipAvailable(length: number): boolean {
    if (this.chunk.length - this.offset < length) return false;
    this.offset += length;
    return true;
  }

  /** The next `length` bytes; fewer only when the stream ends first. */
  async read(length: number): Promise<Buffer> {
    const available = this.readAvailable(length);
    if (available) return available;
    const bytes = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      if (this.offset === this.chunk.length && !(await this.pull())) return bytes.subarray(0, filled);
      const end = Math.min(this.chunk.length, this.offset + length - filled);
      const copied = this.chunk.copy(bytes, filled, this.offset, end);
      filled += copied;
      this.offset += copied;
    }
    return bytes;
  }

  /** Passes over up to `length` bytes (Infinity: to the end); returns how many there were. */
  async skip(length: number): Promise<number> {
    let skipped = 0;
    while (skipped < length) {
      if (this.offset === this.chunk.length && !(await this.pull())) break;
      const step = Math.min(length - skipped, this.chunk.length - this.offset);
      skipped += step;
      this.offset += step;
    }
    return skipped;
  }

  private async pull(): Promise<boolean> {
    if (performance.now() - this.lastYield > MAX_MILLISECONDS_WITHOUT_YIELDING) {
      await setImmediate();
      this.lastYield = performance.now();
    }
    const next = await this.chunks.next();
    if (next.done) return false;
    this.chunk = next.value;
    this.offset = 0;
    return true;
  }
}
