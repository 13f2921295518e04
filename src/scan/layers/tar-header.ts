// Decoding of one 512-byte tar header block and of PAX extended records, following Go's
// archive/tar (what containerd unpacks layers with), so the walker sees the entries the runtime
// will see:
//
//   offset size  field
//        0  100  name           NUL-terminated
//      100    8  mode           octal
//      124   12  size           octal, or base-256 when the first byte has bit 7 set
//      148    8  checksum       octal sum of all 512 bytes, this field counted as spaces
//                               (signed or unsigned bytes: old writers differ)
//      156    1  typeflag
//      257    8  magic+version  "ustar\0" (ustar, pax, star) | "ustar  \0" (GNU) | other (V7)
//      345  155  prefix         ustar/pax: name = prefix/name; star: 131 bytes
//      482    1  isextended     GNU sparse: extension blocks follow the header
//      508    4  trailer        "tar\0" marks star
export const BLOCK_SIZE = 512;
const CHECKSUM_START = 148;
const CHECKSUM_END = 156;
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const STAR_TRAILER = Buffer.from('tar\0', 'latin1');

/** A malformed header; the tar reader adds which layer it was in. */
export class TarFormatError extends Error {}

export interface HeaderBlock {
  /** One character; '\0' is an old-style regular file (or directory, when the name ends in '/'). */
  typeflag: string;
  /** The name with any ustar/star prefix applied. */
  name: string;
  mode: number;
  size: number;
  /** Old GNU sparse header followed by sparse extension blocks. */
  sparseExtended: boolean;
}

/** The header in `block`, or undefined for an all-zero block (half of an end-of-archive marker). */
export function decodeHeaderBlock(block: Buffer): HeaderBlock | undefined {
  // One pass for both sums: a byte read as signed is 256 less when its top bit is set.
  let sum = 0;
  let topBits = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const byte = block[i]!;
    sum += byte;
    topBits += byte >> 7;
  }
  if (sum === 0) return undefined;
  for (let i = CHECKSUM_START; i < CHECKSUM_END; i++) {
    sum -= block[i]!;
    topBits -= block[i]! >> 7;
  }
  const unsigned = sum + 8 * 0x20;
  const checksum = parseNumber(block, CHECKSUM_START, 8, 'checksum');
  if (checksum !== unsigned && checksum !== unsigned - 0x100 * topBits) {
    throw new TarFormatError('invalid tar header (checksum mismatch)');
  }

  const ustar = holds(block, 257, USTAR_MAGIC);
  const star = ustar && holds(block, 508, STAR_TRAILER);
  const prefix = ustar ? cString(block, 345, star ? 131 : 155) : '';
  const name = cString(block, 0, 100);
  const typeflag = String.fromCharCode(block[156]!);
  return {
    typeflag,
    name: prefix ? `${prefix}/${name}` : name,
    mode: parseNumber(block, 100, 8, 'mode'),
    size: parseNumber(block, 124, 12, 'size'),
    sparseExtended: typeflag === 'S' && block[482] !== 0,
  };
}

export function isZeroBlock(block: Buffer): boolean {
  return isZero(block, 0, BLOCK_SIZE);
}

/** Old GNU sparse extension block: another one follows when its byte 504 is set. */
export function sparseExtensionContinues(block: Buffer): boolean {
  return block[504] !== 0;
}

/** A field's bytes up to its first NUL, as UTF-8 (GNU, pax and Go all write UTF-8 names). */
export function cString(bytes: Buffer, start: number, length: number): string {
  const nul = bytes.indexOf(0, start);
  const end = nul === -1 || nul > start + length ? start + length : nul;
  return bytes.toString('utf8', start, end);
}

/**
 * PAX records, `"%d %s=%s\n"` each, the length counting the whole record. Later records win.
 * Malformed records are an error, as in Go, not something to guess around.
 */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const lengthText = space === -1 ? '' : data.toString('latin1', offset, space);
    const length = /^[0-9]{1,10}$/.test(lengthText) ? Number(lengthText) : 0;
    const end = offset + length;
    if (length < 5 || end > data.length || end <= space + 1 || data[end - 1] !== 0x0a) {
      throw new TarFormatError('invalid PAX record');
    }
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw new TarFormatError('invalid PAX record');
    const key = record.toString('utf8', 0, equals);
    const value = record.toString('utf8', equals + 1);
    if ((key === 'path' || key === 'linkpath') && value.includes('\0')) throw new TarFormatError('invalid PAX record');
    records.set(key, value);
    offset = end;
  }
  return records;
}

/** A PAX `size` record's value: a decimal integer, as Go's strconv.ParseInt accepts it. */
export function parsePaxSize(value: string): number {
  const size = /^\+?[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(size)) throw new TarFormatError('invalid PAX record (size)');
  return size;
}

/**
 * Octal (spaces and NULs trimmed from both ends, stopping at an inner NUL) or, when the first byte
 * has bit 7 set, big-endian base-256 (how GNU and Go write sizes of 8 GiB and more). Negative
 * base-256 values are refused: no field read here may be negative.
 */
export function parseNumber(bytes: Buffer, start: number, length: number, field: string): number {
  let end = start + length;
  const first = bytes[start]!;
  if (first & 0x80) {
    if (first & 0x40) throw new TarFormatError(`invalid tar header (negative ${field})`);
    let value = first & 0x7f;
    for (let i = start + 1; i < end; i++) {
      value = value * 256 + bytes[i]!;
      if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`invalid tar header (${field} out of range)`);
    }
    return value;
  }
  while (start < end && isPadding(bytes[start]!)) start++;
  while (end > start && isPadding(bytes[end - 1]!)) end--;
  let value = 0;
  for (let i = start; i < end && bytes[i] !== 0; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 7) throw new TarFormatError(`invalid tar header (${field} not octal)`);
    value = value * 8 + digit;
  }
  return value;
}

function holds(bytes: Buffer, offset: number, expected: Buffer): boolean {
  for (let i = 0; i < expected.length; i++) if (bytes[offset + i] !== expected[i]) return false;
  return true;
}

function isPadding(byte: number): boolean {
  return byte === 0x20 || byte === 0;
}

function isZero(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}
