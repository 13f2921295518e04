// rpm's own "ndb" package database (`Packages.db`, SUSE and some RHEL-family builds). Layout, all
// integers little-endian:
//
//   page 0..slotPages-1 (4096 bytes each): slot table
//     bytes 0..31   header: "RpmP" version:u32 generation:u32 slotPages:u32 nextPkgIdx:u32 ...
//     then 16-byte slots: "Slot" pkgIdx:u32 blkOff:u32 blkCnt:u32   (blkOff 0 = free slot)
//   blobs at blkOff * 16:
//     "BlbS" pkgIdx:u32 timestamp:u32 length:u32, `length` bytes of RPM header, then a tail
//     (adler32, length, "BlbE")
//
// Returns the header blobs; a file that is not such a database yields none.

const PAGE_BYTES = 4096;
const SLOT_BYTES = 16;
const BLOCK_BYTES = 16;
const HEADER_BYTES = 32;
const BLOB_HEAD_BYTES = 16;
const BLOB_TAIL_BYTES = 12;
const DB_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_MAGIC = 0x53626c42; // "BlbS"

export function readNdbBlobs(db: Buffer): Buffer[] {
  if (db.length < HEADER_BYTES || db.readUInt32LE(0) !== DB_MAGIC || db.readUInt32LE(4) !== 0) return [];
  const slotPages = db.readUInt32LE(12);
  const slotsEnd = slotPages * PAGE_BYTES;
  if (slotPages === 0 || slotsEnd > db.length) return [];
  const blobs: Buffer[] = [];
  for (let slot = HEADER_BYTES; slot < slotsEnd; slot += SLOT_BYTES) {
    if (db.readUInt32LE(slot) !== SLOT_MAGIC) return []; // rpm rejects the whole database too
    const pkgIdx = db.readUInt32LE(slot + 4);
    const blockOffset = db.readUInt32LE(slot + 8);
    const blockCount = db.readUInt32LE(slot + 12);
    if (blockOffset === 0) continue;
    const blob = readBlob(db, pkgIdx, blockOffset * BLOCK_BYTES, blockCount * BLOCK_BYTES);
    if (blob) blobs.push(blob);
  }
  return blobs;
}

function readBlob(db: Buffer, pkgIdx: number, start: number, extent: number): Buffer | undefined {
  if (start + BLOB_HEAD_BYTES > db.length) return undefined;
  if (db.readUInt32LE(start) !== BLOB_MAGIC || db.readUInt32LE(start + 4) !== pkgIdx) return undefined;
  const length = db.readUInt32LE(start + 12);
  const dataStart = start + BLOB_HEAD_BYTES;
  if (BLOB_HEAD_BYTES + length + BLOB_TAIL_BYTES > extent || dataStart + length > db.length) return undefined;
  return db.subarray(dataStart, dataStart + length);
}
