// The values of a Berkeley DB hash database, the legacy rpmdb format (`var/lib/rpm/Packages`,
// RHEL/CentOS 7 and 8): key = package number, value = RPM header blob. Only what reading needs:
//
//   page 0: metadata; magic 0x061561 at 12 (its byte order is the file's), pageSize at 20,
//           lastPage at 32
//   every page: 26-byte header; nextPage at 16, entries:u16 at 20, hfOffset:u16 at 22, type at 25
//   hash page (type 13, or 2 before DB 4.6): `entries` u16 item offsets from byte 26, items
//           alternating key, value; an item's first byte is its kind:
//             1 inline data (runs to the start of the item above it)
//             3 off-page: pageNo:u32 at +4, totalLength:u32 at +8
//   overflow page (type 7): hfOffset bytes of data from byte 26, continued on nextPage
//
// Work is bounded by the page count: each page is read once as a hash page and at most once as
// part of an overflow chain.

const META_MAGIC = 0x061561;
const PAGE_HEADER_BYTES = 26;
const PAGE_TYPE = { HASH_UNSORTED: 2, OVERFLOW: 7, HASH: 13 } as const;
const ITEM_KIND = { KEYDATA: 1, OFFPAGE: 3 } as const;
const PAGE_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);

interface Pages {
  db: Buffer;
  pageSize: number;
  pageCount: number;
  u16(offset: number): number;
  u32(offset: number): number;
  /** Overflow pages already read: each belongs to one value, so a chain that reuses one is corrupt. */
  consumed: Uint8Array;
}

function openPages(db: Buffer): Pages | undefined {
  if (db.length < 512) return undefined;
  const littleEndian = db.readUInt32LE(12) === META_MAGIC;
  if (!littleEndian && db.readUInt32BE(12) !== META_MAGIC) return undefined;
  const u16 = (offset: number): number => (littleEndian ? db.readUInt16LE(offset) : db.readUInt16BE(offset));
  const u32 = (offset: number): number => (littleEndian ? db.readUInt32LE(offset) : db.readUInt32BE(offset));
  const pageSize = u32(20);
  if (!PAGE_SIZES.has(pageSize)) return undefined;
  const pageCount = Math.min(u32(32) + 1, Math.floor(db.length / pageSize));
  return { db, pageSize, pageCount, u16, u32, consumed: new Uint8Array(pageCount) };
}

export function readBdbHashValues(db: Buffer): Buffer[] {
  const pages = openPages(db);
  if (!pages) return [];
  const values: Buffer[] = [];
  for (let page = 1; page < pages.pageCount; page++) {
    const start = page * pages.pageSize;
    const type = db[start + 25];
    if (type !== PAGE_TYPE.HASH && type !== PAGE_TYPE.HASH_UNSORTED) continue;
    const entries = Math.min(pages.u16(start + 20), (pages.pageSize - PAGE_HEADER_BYTES) / 2);
    const offsets = Array.from({ length: entries }, (_, item) => pages.u16(start + PAGE_HEADER_BYTES + item * 2));
    // Items are packed from the page's end, not necessarily in index order: an inline item ends
    // where the next item above it starts.
    const ascending = [...offsets].sort((a, b) => a - b);
    const itemEnd = new Map(ascending.map((offset, i) => [offset, ascending[i + 1] ?? pages.pageSize]));
    for (let item = 1; item < entries; item += 2) {
      const offset = offsets[item]!;
      const value = readItem(pages, start, offset, itemEnd.get(offset)!);
      if (value) values.push(value);
    }
  }
  return values;
}

function readItem(pages: Pages, pageStart: number, offset: number, end: number): Buffer | undefined {
  if (offset < PAGE_HEADER_BYTES || offset >= pages.pageSize) return undefined;
  const itemStart = pageStart + offset;
  const kind = pages.db[itemStart];
  if (kind === ITEM_KIND.KEYDATA) {
    return end > offset + 1 ? pages.db.subarray(itemStart + 1, pageStart + end) : undefined;
  }
  if (kind === ITEM_KIND.OFFPAGE && offset + 12 <= pages.pageSize) {
    return readOverflowChain(pages, pages.u32(itemStart + 4), pages.u32(itemStart + 8));
  }
  return undefined;
}

function readOverflowChain(pages: Pages, firstPage: number, totalLength: number): Buffer | undefined {
  if (totalLength > pages.db.length) return undefined;
  const pieces: Buffer[] = [];
  let collected = 0;
  let page = firstPage;
  while (page !== 0) {
    if (page >= pages.pageCount || pages.consumed[page]) return undefined;
    pages.consumed[page] = 1;
    const start = page * pages.pageSize;
    if (pages.db[start + 25] !== PAGE_TYPE.OVERFLOW) return undefined;
    const length = Math.min(pages.u16(start + 22), pages.pageSize - PAGE_HEADER_BYTES);
    pieces.push(pages.db.subarray(start + PAGE_HEADER_BYTES, start + PAGE_HEADER_BYTES + length));
    collected += length;
    if (collected >= totalLength) return Buffer.concat(pieces).subarray(0, totalLength);
    page = pages.u32(start + 16);
  }
  return undefined;
}
