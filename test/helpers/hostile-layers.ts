// Layers built to hurt a scanner, for the layer walker's unit tests and the end-to-end scan tests.
// Every generator is lazy where the layer is large: bytes are produced as they are read, so a
// 10 GiB bomb or a tar of millions of entries costs the test no memory of its own.
//
//   gzipBomb()            gzip, ~10 MiB -> one 10 GiB file of zeros (valid gzip, CRC and all)
//   manyTinyEntries(n)    plain tar of n empty files, 512 bytes each
//   escapingLayer()       plain tar: `..` paths, absolute paths, links pointing out of the root,
//                         all named like package databases, so a scan that honours one shows it
//   truncatedGzipLayer()  gzip of a small valid tar, cut off before its end
//   zstdHugeWindowLayer() zstd frame that declares a 2 GiB window
//   deepPathsLayer(n)     plain tar of n files, each `<i>/` + 70 levels of directories deep
import { once } from 'node:events';
import { constants, crc32, createDeflateRaw, gzipSync } from 'node:zlib';

const BLOCK = 512;
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

export interface TarHeaderFields {
  name: string;
  /** Tar typeflag: '0' file, '1' hard link, '2' symlink, '5' directory. */
  type?: string;
  size?: number;
  linkName?: string;
  mode?: number;
}

/** A ustar header block (name up to 100 bytes; sizes of 8 GiB and more in GNU base-256). */
export function tarHeader({ name, type = '0', size = 0, linkName = '', mode = 0o644 }: TarHeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(linkName) > 100) {
    throw new Error(`name too long for a plain ustar header: ${name}`);
  }
  block.write(name, 0, 'utf8');
  block.write(octal(mode, 7), 100, 'latin1');
  block.write(octal(0, 7), 108, 'latin1');
  block.write(octal(0, 7), 116, 'latin1');
  if (size < 8 ** 11) block.write(octal(size, 11), 124, 'latin1');
  else writeBase256(block, 124, 12, size);
  block.write(octal(0, 11), 136, 'latin1');
  block.write(type, 156, 'latin1');
  block.write(linkName, 157, 'utf8');
  block.write('ustar\x0000', 257, 'latin1');
  return fixChecksum(block);
}

/** A whole plain tar: each file's header, content and padding, then the end-of-archive marker. */
export function tarOf(files: readonly (TarHeaderFields & { content?: string | Buffer })[]): Buffer {
  const parts: Buffer[] = [];
  for (const { content = '', ...fields } of files) {
    const bytes = Buffer.from(content);
    parts.push(tarHeader({ size: bytes.length, ...fields }), bytes, Buffer.alloc(padding(bytes.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

export interface StreamedLayer {
  /** Bytes of the (compressed) layer. */
  size: number;
  /** The layer's bytes, produced lazily; may be iterated more than once. */
  chunks(): Iterable<Buffer>;
}

export interface GzipBomb extends StreamedLayer {
  /** Bytes the layer inflates to (the tar: header, file, padding, end-of-archive marker). */
  decompressedSize: number;
}

const ZEROS_PER_SEGMENT = 1024 * 1024;

/**
 * A valid gzip layer of one file of `fileBytes` zeros (default 10 GiB), about 1/1000 of that
 * compressed. It is made of sync-flushed deflate segments: once the deflater's window holds only
 * zeros, every 1 MiB segment of zeros compresses to the same bytes, so the stream is a short
 * prefix, one segment repeated, and a tail, and costs nothing to produce.
 */
export async function gzipBomb(fileBytes = 10 * 1024 ** 3, fileName = 'bomb'): Promise<GzipBomb> {
  const header = tarHeader({ name: fileName, size: fileBytes });
  const zeroBytes = fileBytes + padding(fileBytes) + END_OF_ARCHIVE.length;
  const repeats = Math.floor(zeroBytes / ZEROS_PER_SEGMENT);
  const deflater = new SegmentDeflater();
  const prefix = [await deflater.segment(header)];
  let steady: Buffer | undefined;
  while (!steady && prefix.length <= repeats) {
    const segment = await deflater.segment(Buffer.alloc(ZEROS_PER_SEGMENT));
    if (segment.equals(prefix[prefix.length - 1]!)) steady = segment;
    else prefix.push(segment);
  }
  if (!steady) throw new Error('gzipBomb needs at least a few MiB of zeros to reach a steady state');
  const remaining = repeats - (prefix.length - 1);
  const lastZeros = await deflater.segment(Buffer.alloc(zeroBytes % ZEROS_PER_SEGMENT));
  const tail = Buffer.concat([lastZeros, await deflater.finish()]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32AppendZeros(crc32(header), zeroBytes), 0);
  trailer.writeUInt32LE((header.length + zeroBytes) % 2 ** 32, 4);
  const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const batch = Buffer.concat(Array.from({ length: 64 }, () => steady));
  const opening = Buffer.concat([gzipHeader, ...prefix]);
  return {
    size: opening.length + remaining * steady.length + tail.length + trailer.length,
    decompressedSize: header.length + zeroBytes,
    *chunks() {
      yield opening;
      for (let left = remaining; left > 0; left -= 64) {
        yield left >= 64 ? batch : batch.subarray(0, left * steady.length);
      }
      yield Buffer.concat([tail, trailer]);
    },
  };
}

/**
 * A plain tar of `count` empty files `f/<i>` (i in 10 zero-padded digits), 256 headers at a time,
 * each a copy of one template with its digits counted up in place and its checksum adjusted.
 */
export function manyTinyEntries(count: number): StreamedLayer {
  const DIGITS_AT = 2;
  const DIGITS = 10;
  const template = tarHeader({ name: `f/${'0'.repeat(DIGITS)}` });
  const templateChecksum = Number.parseInt(template.toString('latin1', 148, 154), 8);
  return {
    size: (count + 2) * BLOCK,
    *chunks() {
      const digits = Buffer.from('0'.repeat(DIGITS), 'latin1');
      let digitSum = 0;
      for (let first = 0; first < count; first += 256) {
        const batch = Buffer.allocUnsafe(Math.min(256, count - first) * BLOCK);
        for (let at = 0; at < batch.length; at += BLOCK) {
          batch.set(template, at);
          batch.set(digits, at + DIGITS_AT);
          writeOctal(batch, at + 148, 6, templateChecksum + digitSum);
          // Count up: trailing 9s roll over to 0, the digit before them goes up by one.
          let d = DIGITS - 1;
          for (; d >= 0 && digits[d] === 0x39; d--) digits[d] = 0x30;
          digits[d]! += 1;
          digitSum += 1 - 9 * (DIGITS - 1 - d);
        }
        yield batch;
      }
      yield END_OF_ARCHIVE;
    },
  };
}

const FAKE_DPKG_STATUS = 'Package: planted\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n';
const FAKE_OS_RELEASE = 'ID=planted\nVERSION_ID=1\n';

/**
 * `copies` rounds of entries that try to leave the root: `..` in every position, absolute paths
 * that climb, and symlinks and hard links at package-database paths pointing outside. Nothing in
 * it is inside the image; a scan must finish and report nothing from it.
 */
export function escapingLayer(copies = 100): Buffer {
  const files: (TarHeaderFields & { content?: string })[] = [];
  for (let i = 0; i < copies; i++) {
    files.push(
      { name: '../var/lib/dpkg/status', content: FAKE_DPKG_STATUS },
      { name: `../../../../../../${i}/etc/os-release`, content: FAKE_OS_RELEASE },
      { name: './../etc/os-release', content: FAKE_OS_RELEASE },
      { name: `usr/../../var/lib/dpkg/status`, content: FAKE_DPKG_STATUS },
      { name: '/../etc/os-release', content: FAKE_OS_RELEASE },
      { name: `var/lib/${i}/../../../../lib/apk/db/installed`, content: 'P:planted\nV:1.0\n\n' },
      { name: 'var/lib/dpkg/status', type: '2', linkName: '../../../../../../host/var/lib/dpkg/status' },
      { name: 'etc/os-release', type: '2', linkName: '/etc/os-release' },
      { name: 'usr/lib/os-release', type: '1', linkName: '../../../etc/os-release' },
      { name: 'lib/apk/db/installed', type: '1', linkName: '/lib/apk/db/installed' },
    );
  }
  return tarOf(files);
}

/** A gzip layer whose stream stops at `keep` (0..1) of its length, before the CRC trailer. */
export function truncatedGzipLayer(keep = 0.6): Buffer {
  const whole = gzipSync(
    tarOf([
      { name: 'etc/os-release', content: FAKE_OS_RELEASE },
      { name: 'data.bin', content: Buffer.alloc(64 * 1024, 7) },
    ]),
  );
  return whole.subarray(0, Math.floor(whole.length * keep));
}

/** One zstd frame whose window descriptor asks for 2 GiB, then RLE blocks that would fill it. */
export function zstdHugeWindowLayer(): Buffer {
  const windowLog = 31;
  const frameHeader = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3]);
  const rleBlock = Buffer.alloc(4);
  rleBlock.writeUIntLE(((128 * 1024) << 3) | (1 << 1), 0, 3);
  return Buffer.concat([frameHeader, ...Array.from({ length: 64 }, () => rleBlock)]);
}

/**
 * `count` empty `package.json` files, each under its own chain of 70 one-letter directories, so
 * every file adds about 70 nodes to any tree of paths: a few MiB of tar that a naive walker would
 * keep as gigabytes.
 */
export function deepPathsLayer(count: number): StreamedLayer {
  const chain = Array.from({ length: 70 }, () => 'd').join('/');
  return {
    size: (count + 2) * BLOCK,
    *chunks() {
      for (let i = 0; i < count; i++) {
        // ustar splits a long name into prefix (155) and name (100): put the chain in the prefix.
        const header = tarHeader({ name: 'package.json' });
        header.write(`${i}/${chain}`, 345, 'utf8');
        yield fixChecksum(header);
      }
      yield END_OF_ARCHIVE;
    },
  };
}

function fixChecksum(header: Buffer): Buffer {
  header.write('        ', 148, 'latin1');
  let checksum = 0;
  for (let i = 0; i < BLOCK; i++) checksum += header[i]!;
  header.write(`${octal(checksum, 6)}\0 `, 148, 'latin1');
  return header;
}

/** Raw deflate in independently flushed segments, keeping the window between them. */
class SegmentDeflater {
  private readonly deflate = createDeflateRaw({ level: 9 });
  private output: Buffer[] = [];

  constructor() {
    this.deflate.on('data', (chunk: Buffer) => this.output.push(chunk));
  }

  async segment(bytes: Buffer): Promise<Buffer> {
    this.deflate.write(bytes);
    await new Promise<void>((resolve) => this.deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    return this.take();
  }

  async finish(): Promise<Buffer> {
    // The final block arrives after `end()`'s callback; the readable side's 'end' follows it.
    const ended = once(this.deflate, 'end');
    this.deflate.end();
    await ended;
    return this.take();
  }

  private take(): Buffer {
    const bytes = Buffer.concat(this.output);
    this.output = [];
    return bytes;
  }
}

/**
 * CRC-32 of data followed by `count` zero bytes, from the CRC of the data alone, in O(log count):
 * appending a zero byte is a linear map on the CRC register over GF(2), so appending `count` of
 * them is that map's `count`-th power, found by repeated squaring of its 32x32 bit matrix.
 */
export function crc32AppendZeros(crc: number, count: number): number {
  let power = zeroByteOperator();
  let register = ~crc >>> 0;
  for (let left = count; left > 0; left = Math.floor(left / 2)) {
    if (left % 2 === 1) register = applyOperator(power, register);
    power = power.map((column) => applyOperator(power, column));
  }
  return ~register >>> 0;
}

/** Columns of the map "feed one zero byte" on the reflected CRC-32 register (polynomial 0xEDB88320). */
function zeroByteOperator(): number[] {
  return Array.from({ length: 32 }, (_, bit) => {
    let register = (1 << bit) >>> 0;
    for (let i = 0; i < 8; i++) register = register & 1 ? (register >>> 1) ^ 0xedb88320 : register >>> 1;
    return register >>> 0;
  });
}

function applyOperator(columns: readonly number[], vector: number): number {
  let result = 0;
  for (let bit = 0; bit < 32; bit++) if ((vector >>> bit) & 1) result ^= columns[bit]!;
  return result >>> 0;
}

function writeOctal(block: Buffer, offset: number, digits: number, value: number): void {
  for (let i = digits - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 8)) {
    block[offset + i] = 0x30 + (rest % 8);
  }
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0');
}

function writeBase256(block: Buffer, offset: number, length: number, value: number): void {
  let rest = value;
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  block[offset] = 0x80;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
