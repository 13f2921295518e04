// The RPM header blob, as rpmdb stores one per installed package (and as a .rpm file carries after
// its 8-byte header magic):
//
//   [8E AD E8 01 00 00 00 00]   magic, only in package files
//   il:u32be  dl:u32be          index entry count, data store length
//   il x { tag:u32be type:u32be offset:u32be count:u32be }
//   dl bytes of data store      strings NUL-terminated, integers big-endian
//
// Only the few tags an inventory needs are read; everything is bounds-checked against the blob.

export const RPM_TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

export const RPM_TYPE = { INT32: 4, STRING: 6, I18NSTRING: 9 } as const;

const STRING_TAGS: ReadonlySet<number> = new Set([
  RPM_TAG.NAME,
  RPM_TAG.VERSION,
  RPM_TAG.RELEASE,
  RPM_TAG.LICENSE,
  RPM_TAG.ARCH,
  RPM_TAG.SOURCERPM,
]);

const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
const INDEX_ENTRY_BYTES = 16;
/** rpm itself refuses headers with more tags than this. */
const MAX_INDEX_ENTRIES = 0xffff;

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  /** e.g. `bash-5.1.8-6.el9.src.rpm` */
  sourceRpm?: string;
  license?: string;
}

/** The NUL-terminated string at `start`, or undefined when it runs off the data store. */
function readCString(blob: Buffer, start: number, end: number): string | undefined {
  if (start < 0 || start >= end) return undefined;
  const nul = blob.indexOf(0, start);
  if (nul < 0 || nul >= end) return undefined;
  return blob.toString('utf8', start, nul);
}

export function parseRpmHeader(blob: Buffer): RpmHeader | undefined {
  const start = blob.subarray(0, 4).equals(HEADER_MAGIC) ? 8 : 0;
  if (blob.length < start + 8) return undefined;
  const indexCount = blob.readUInt32BE(start);
  const dataLength = blob.readUInt32BE(start + 4);
  const indexStart = start + 8;
  const dataStart = indexStart + indexCount * INDEX_ENTRY_BYTES;
  const dataEnd = dataStart + dataLength;
  if (indexCount === 0 || indexCount > MAX_INDEX_ENTRIES || dataEnd > blob.length) return undefined;

  const strings = new Map<number, string>();
  let epoch: number | undefined;
  for (let i = 0; i < indexCount; i++) {
    const entry = indexStart + i * INDEX_ENTRY_BYTES;
    const tag = blob.readUInt32BE(entry);
    const type = blob.readUInt32BE(entry + 4);
    const offset = blob.readUInt32BE(entry + 8);
    const count = blob.readUInt32BE(entry + 12);
    if (tag === RPM_TAG.EPOCH && type === RPM_TYPE.INT32 && count >= 1 && dataStart + offset + 4 <= dataEnd) {
      epoch = blob.readUInt32BE(dataStart + offset);
    } else if ((type === RPM_TYPE.STRING || type === RPM_TYPE.I18NSTRING) && STRING_TAGS.has(tag)) {
      // An I18N string is a list of translations; the first is the untranslated one.
      const value = readCString(blob, dataStart + offset, dataEnd);
      if (value !== undefined) strings.set(tag, value);
    }
  }
  const name = strings.get(RPM_TAG.NAME);
  const version = strings.get(RPM_TAG.VERSION);
  const release = strings.get(RPM_TAG.RELEASE);
  if (!name || !version || !release) return undefined;
  const header: RpmHeader = { name, version, release };
  if (epoch !== undefined) header.epoch = epoch;
  const arch = strings.get(RPM_TAG.ARCH);
  const sourceRpm = strings.get(RPM_TAG.SOURCERPM);
  const license = strings.get(RPM_TAG.LICENSE);
  if (arch) header.arch = arch;
  if (sourceRpm) header.sourceRpm = sourceRpm;
  if (license) header.license = license;
  return header;
}

/** `[epoch:]version-release`, the form rpm version comparison and advisories use. */
export function rpmEvr(epoch: number | undefined, versionRelease: string): string {
  return epoch === undefined ? versionRelease : `${epoch}:${versionRelease}`;
}

/** `bash-5.1.8-6.el9.src.rpm` -> `{ name: 'bash', versionRelease: '5.1.8-6.el9' }`. */
export function parseSourceRpm(fileName: string): { name: string; versionRelease: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(fileName);
  return match ? { name: match[1]!, versionRelease: `${match[2]}-${match[3]}` } : undefined;
}
