// Just enough of the ZIP format to read a few entries of a JAR in memory:
//
//   [prefix, e.g. a launch script]  local headers + data ...  central directory  [zip64 EOCD
//   record + locator]  end-of-central-directory record (last 22..65557 bytes)
//
// The central directory is trusted only as far as the buffer goes: every offset is bounds-checked,
// a listing can never hold more entries than its byte size allows, and inflating stops at the
// caller's byte limit, so a zip bomb costs at most that limit.
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const SATURATED_32 = 0xffffffff;
const FLAG_ENCRYPTED = 0x1;
const MIN_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
export const ZIP_METHOD = { STORED: 0, DEFLATED: 8 } as const;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** As declared by the archive; a hostile one may lie, which readZipEntry's limit absorbs. */
  size: number;
  /** Absolute offset of the local header in the buffer. */
  localHeader: number;
}

function readUInt64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

interface CentralDirectory {
  start: number;
  end: number;
  /** Bytes prepended to the archive (self-executing jars); recorded offsets are shifted by it. */
  shift: number;
}

function findCentralDirectory(zip: Buffer): CentralDirectory | undefined {
  if (zip.length < EOCD_BYTES) return undefined;
  const eocd = zip.lastIndexOf(EOCD_SIGNATURE, zip.length - EOCD_BYTES);
  if (eocd < 0 || zip.length - eocd > EOCD_BYTES + MAX_COMMENT_BYTES) return undefined;
  let size = zip.readUInt32LE(eocd + 12);
  let offset = zip.readUInt32LE(eocd + 16);
  let end = eocd;
  const locator = eocd - ZIP64_LOCATOR_BYTES;
  if ((size === SATURATED_32 || offset === SATURATED_32) && locator >= 0 && zip.readUInt32LE(locator) === ZIP64_LOCATOR_SIGNATURE) {
    const record = readUInt64(zip, locator + 8);
    if (record + 56 > locator || zip.readUInt32LE(record) !== ZIP64_EOCD_SIGNATURE) return undefined;
    size = readUInt64(zip, record + 40);
    offset = readUInt64(zip, record + 48);
    end = record;
  }
  const start = end - size;
  const shift = start - offset;
  return start >= 0 && shift >= 0 ? { start, end, shift } : undefined;
}

/** Sizes and offset saturated at 0xffffffff are in the zip64 extra field, in this order. */
function applyZip64Extra(zip: Buffer, extraStart: number, extraEnd: number, entry: ZipEntry, localOffset: number): number {
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = zip.readUInt16LE(at);
    const length = zip.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA_ID) {
      let field = at + 4;
      const fieldEnd = Math.min(field + length, extraEnd);
      const take = (saturated: number): number => {
        if (saturated !== SATURATED_32 || field + 8 > fieldEnd) return saturated;
        field += 8;
        return readUInt64(zip, field - 8);
      };
      entry.size = take(entry.size);
      entry.compressedSize = take(entry.compressedSize);
      localOffset = take(localOffset);
    }
    at += 4 + length;
  }
  return localOffset;
}

/** The archive's entries (encrypted ones left out), or undefined when the bytes are no ZIP. */
export function listZipEntries(zip: Buffer): ZipEntry[] | undefined {
  const directory = findCentralDirectory(zip);
  if (!directory) return undefined;
  const entries: ZipEntry[] = [];
  let at = directory.start;
  while (at + CENTRAL_HEADER_BYTES <= directory.end && zip.readUInt32LE(at) === CENTRAL_SIGNATURE) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const nameStart = at + CENTRAL_HEADER_BYTES;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > directory.end) break;
    const entry: ZipEntry = {
      name: zip.toString('utf8', nameStart, extraStart),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeader: 0,
    };
    const localOffset = applyZip64Extra(zip, extraStart, extraStart + extraLength, entry, zip.readUInt32LE(at + 42));
    entry.localHeader = localOffset + directory.shift;
    if ((zip.readUInt16LE(at + 8) & FLAG_ENCRYPTED) === 0) entries.push(entry);
    at = next;
  }
  return entries;
}

/** The entry's bytes, or undefined when it is damaged, uses another method, or exceeds `maxBytes`. */
export function readZipEntry(zip: Buffer, entry: ZipEntry, maxBytes: number): Buffer | undefined {
  const header = entry.localHeader;
  if (maxBytes < 1 || header + LOCAL_HEADER_BYTES > zip.length || zip.readUInt32LE(header) !== LOCAL_SIGNATURE) return undefined;
  const dataStart = header + LOCAL_HEADER_BYTES + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > zip.length) return undefined;
  const data = zip.subarray(dataStart, dataEnd);
  if (entry.method === ZIP_METHOD.STORED) return data.length <= maxBytes ? data : undefined;
  if (entry.method !== ZIP_METHOD.DEFLATED) return undefined;
  // Output chunks sized to the declared size: 16 KiB chunks make a large entry slow to assemble.
  const chunkSize = Math.min(Math.max(entry.size, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES, Math.max(maxBytes, MIN_CHUNK_BYTES));
  try {
    return inflateRawSync(data, { maxOutputLength: maxBytes, chunkSize });
  } catch {
    return undefined; // corrupt stream, or it inflates past the limit
  }
}
