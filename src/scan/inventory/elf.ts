// Just enough of ELF (32/64-bit, either byte order) to find data in an executable: its named
// sections and its loadable segments, the latter to turn a virtual address into a file offset.
// Every header field is bounds-checked against the buffer; a table that points outside it makes
// the file "not ELF" rather than an exception.

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const CLASS_64 = 2;
const DATA_BIG_ENDIAN = 2;
const SECTION_NOBITS = 8;
const SEGMENT_LOAD = 1;
const SEGMENT_WRITABLE = 0x2;
const MAX_SECTION_NAME_BYTES = 256;

export interface ElfSection {
  name: string;
  offset: number;
  size: number;
}

export interface ElfSegment {
  writable: boolean;
  offset: number;
  fileSize: number;
  address: number;
}

export interface ElfFile {
  littleEndian: boolean;
  sections: ElfSection[];
  /** PT_LOAD segments only. */
  segments: ElfSegment[];
}

interface Reader {
  u16(offset: number): number;
  u32(offset: number): number;
  /** A 32- or 64-bit word, by the file's class. */
  word(offset: number): number;
}

function readerFor(elf: Buffer, is64: boolean, littleEndian: boolean): Reader {
  const u16 = (offset: number): number => (littleEndian ? elf.readUInt16LE(offset) : elf.readUInt16BE(offset));
  const u32 = (offset: number): number => (littleEndian ? elf.readUInt32LE(offset) : elf.readUInt32BE(offset));
  const u64 = (offset: number): number => {
    const value = littleEndian ? elf.readBigUInt64LE(offset) : elf.readBigUInt64BE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  };
  return { u16, u32, word: is64 ? u64 : u32 };
}

/** Field offsets of the ELF header and its table entries for each class. */
const LAYOUT = {
  32: { phoff: 0x1c, shoff: 0x20, phentsize: 0x2a, phnum: 0x2c, shentsize: 0x2e, shnum: 0x30, shstrndx: 0x32,
    sh: { name: 0, type: 4, offset: 16, size: 20, bytes: 40 },
    ph: { type: 0, offset: 4, vaddr: 8, filesz: 16, flags: 24, bytes: 32 } },
  64: { phoff: 0x20, shoff: 0x28, phentsize: 0x36, phnum: 0x38, shentsize: 0x3a, shnum: 0x3c, shstrndx: 0x3e,
    sh: { name: 0, type: 4, offset: 24, size: 32, bytes: 64 },
    ph: { type: 0, flags: 4, offset: 8, vaddr: 16, filesz: 32, bytes: 56 } },
} as const;

function isElf(content: Buffer): boolean {
  return content.length >= 4 && content.subarray(0, 4).equals(ELF_MAGIC);
}

export function parseElf(elf: Buffer): ElfFile | undefined {
  if (!isElf(elf) || elf.length < 0x40) return undefined;
  const is64 = elf[4] === CLASS_64;
  const littleEndian = elf[5] !== DATA_BIG_ENDIAN;
  const read = readerFor(elf, is64, littleEndian);
  const layout = LAYOUT[is64 ? 64 : 32];

  const segments: ElfSegment[] = [];
  const phoff = read.word(layout.phoff);
  const phentsize = read.u16(layout.phentsize);
  const phnum = read.u16(layout.phnum);
  if (phentsize >= layout.ph.bytes && phoff + phnum * phentsize <= elf.length) {
    for (let i = 0; i < phnum; i++) {
      const entry = phoff + i * phentsize;
      if (read.u32(entry + layout.ph.type) !== SEGMENT_LOAD) continue;
      const offset = read.word(entry + layout.ph.offset);
      const fileSize = read.word(entry + layout.ph.filesz);
      if (offset + fileSize > elf.length) continue;
      const writable = (read.u32(entry + layout.ph.flags) & SEGMENT_WRITABLE) !== 0;
      segments.push({ writable, offset, fileSize, address: read.word(entry + layout.ph.vaddr) });
    }
  }

  const sections: ElfSection[] = [];
  const shoff = read.word(layout.shoff);
  const shentsize = read.u16(layout.shentsize);
  const shnum = read.u16(layout.shnum);
  const shstrndx = read.u16(layout.shstrndx);
  if (shentsize >= layout.sh.bytes && shoff + shnum * shentsize <= elf.length && shstrndx < shnum) {
    const names = shoff + shstrndx * shentsize;
    const namesStart = read.word(names + layout.sh.offset);
    const namesEnd = Math.min(namesStart + read.word(names + layout.sh.size), elf.length);
    for (let i = 0; i < shnum; i++) {
      const entry = shoff + i * shentsize;
      const offset = read.word(entry + layout.sh.offset);
      const size = read.word(entry + layout.sh.size);
      if (read.u32(entry + layout.sh.type) === SECTION_NOBITS || offset + size > elf.length) continue;
      const nameStart = namesStart + read.u32(entry + layout.sh.name);
      if (nameStart >= namesEnd) continue;
      // Bounded search: hostile tables could otherwise make every name scan the whole file.
      const nameLength = elf.subarray(nameStart, Math.min(namesEnd, nameStart + MAX_SECTION_NAME_BYTES)).indexOf(0);
      if (nameLength < 0) continue;
      sections.push({ name: elf.toString('latin1', nameStart, nameStart + nameLength), offset, size });
    }
  }
  return { littleEndian, sections, segments };
}

/** The file offset holding a virtual address, or undefined when no loaded segment backs it. */
export function fileOffsetOf(elf: ElfFile, address: number): number | undefined {
  const segment = elf.segments.find((candidate) => address >= candidate.address && address < candidate.address + candidate.fileSize);
  return segment ? segment.offset + (address - segment.address) : undefined;
}
