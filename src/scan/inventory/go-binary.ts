// Go executables: the toolchain embeds build information in the `.go.buildinfo` section (or, when
// section headers are stripped, somewhere in the writable data segment), found by its 16-aligned
// header:
//
//   "\xff Go buildinf:" (14 bytes)  pointerSize:u8  flags:u8  (then up to byte 32)
//   flags & 2 (Go 1.18+): the Go version and the module info follow inline at byte 32, each as a
//                         uvarint length and bytes
//   otherwise (older):   bytes 16.. hold two pointers (pointerSize, byte order by flags & 1) to
//                         Go string headers {data pointer, length} elsewhere in the image
//
// The module info is tab-separated lines (`path`, `mod`, `dep`, `=>` replacing the line before,
// `build`) wrapped in 16-byte sentinels. The Go version becomes package `stdlib` (the standard
// library is where Go's own advisories live) and each module a Go package.
//
// Which files are asked for: the walker hands over whole files, so wanting every executable would
// buffer every ELF binary of an image, one at a time. Go binaries are never small (even a stripped
// hello-world is over a megabyte), so executables under MIN_BINARY_BYTES are not wanted, nor are
// shared objects, kernel modules or scripts by name. Larger ones are read up to the walker's
// maxFileBytes; a Go binary bigger than that goes unseen, which the walker's limit makes a
// deliberate memory-for-coverage choice.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import type { PackageDetector } from './detector.js';
import { fileOffsetOf, parseElf, type ElfFile } from './elf.js';
import { languagePackage } from './language-package.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const ALIGNMENT = 16;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE_STRINGS = 0x2;
const SENTINEL_BYTES = 16;
/** Far above any real module list (a few hundred dependencies are tens of kilobytes). */
const MAX_STRING_BYTES = 4 * 1024 * 1024;
export const MIN_BINARY_BYTES = 256 * 1024;
const EXECUTABLE_BITS = 0o111;
const NOT_A_PROGRAM = /(?:\.so(?:\.[\d.]+)?|\.a|\.o|\.ko|\.sh|\.py|\.pl|\.rb|\.js)$/;

export interface GoBuildInfo {
  /** As the toolchain wrote it, e.g. `go1.19.8`. */
  goVersion: string;
  modInfo: string;
}

export interface GoModule {
  path: string;
  version: string;
}

/** Offset of the build info header, searching `[start, end)` at 16-byte steps as Go does. */
function findHeader(binary: Buffer, start: number, end: number): number | undefined {
  let at = start;
  while (at + HEADER_BYTES <= end) {
    const hit = binary.subarray(at, end).indexOf(MAGIC);
    if (hit < 0) return undefined;
    const found = at + hit;
    if ((found - start) % ALIGNMENT === 0) return found + HEADER_BYTES <= end ? found : undefined;
    at = start + Math.ceil((found - start) / ALIGNMENT) * ALIGNMENT;
  }
  return undefined;
}

function locateHeader(binary: Buffer, elf: ElfFile): number | undefined {
  const section = elf.sections.find((candidate) => candidate.name === '.go.buildinfo');
  if (section) return findHeader(binary, section.offset, section.offset + section.size);
  for (const segment of elf.segments.filter((candidate) => candidate.writable)) {
    const found = findHeader(binary, segment.offset, segment.offset + segment.fileSize);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A uvarint-length-prefixed string at `at`; returns it and the offset after it. */
function readVarintString(binary: Buffer, at: number): { bytes: Buffer; next: number } | undefined {
  let length = 0;
  for (let shift = 0, i = at; i < binary.length && shift <= 28; shift += 7, i++) {
    const byte = binary[i]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      const start = i + 1;
      if (length > MAX_STRING_BYTES || start + length > binary.length) return undefined;
      return { bytes: binary.subarray(start, start + length), next: start + length };
    }
  }
  return undefined;
}

/** Pre-1.18: a pointer to a Go string header {data, length}, both pointers to be mapped. */
function readPointedString(binary: Buffer, elf: ElfFile, pointerAt: number, pointerSize: number, bigEndian: boolean): Buffer | undefined {
  const readPointer = (offset: number): number | undefined => {
    if (offset + pointerSize > binary.length) return undefined;
    if (pointerSize === 4) return bigEndian ? binary.readUInt32BE(offset) : binary.readUInt32LE(offset);
    const value = bigEndian ? binary.readBigUInt64BE(offset) : binary.readBigUInt64LE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
  };
  const headerAddress = readPointer(pointerAt);
  const headerOffset = headerAddress === undefined ? undefined : fileOffsetOf(elf, headerAddress);
  if (headerOffset === undefined) return undefined;
  const dataAddress = readPointer(headerOffset);
  const length = readPointer(headerOffset + pointerSize);
  const dataOffset = dataAddress === undefined ? undefined : fileOffsetOf(elf, dataAddress);
  if (dataOffset === undefined || length === undefined || length > MAX_STRING_BYTES || dataOffset + length > binary.length) return undefined;
  return binary.subarray(dataOffset, dataOffset + length);
}

/** The module info without its sentinels; empty when they are missing, as Go's reader does. */
function stripSentinels(modInfo: Buffer): string {
  const length = modInfo.length;
  if (length < 2 * SENTINEL_BYTES + 1 || modInfo[length - SENTINEL_BYTES - 1] !== 0x0a) return '';
  return modInfo.toString('utf8', SENTINEL_BYTES, length - SENTINEL_BYTES);
}

export function readGoBuildInfo(binary: Buffer): GoBuildInfo | undefined {
  const elf = parseElf(binary);
  const header = elf && locateHeader(binary, elf);
  if (!elf || header === undefined) return undefined;
  const pointerSize = binary[header + 14]!;
  const flags = binary[header + 15]!;
  let version: Buffer | undefined;
  let modInfo: Buffer | undefined;
  if (flags & FLAG_INLINE_STRINGS) {
    const first = readVarintString(binary, header + HEADER_BYTES);
    const second = first && readVarintString(binary, first.next);
    version = first?.bytes;
    modInfo = second?.bytes;
  } else if (pointerSize === 4 || pointerSize === 8) {
    const bigEndian = (flags & FLAG_BIG_ENDIAN) !== 0;
    version = readPointedString(binary, elf, header + 16, pointerSize, bigEndian);
    modInfo = readPointedString(binary, elf, header + 16 + pointerSize, pointerSize, bigEndian);
  }
  const goVersion = version?.toString('utf8');
  if (!goVersion?.startsWith('go')) return undefined;
  return { goVersion, modInfo: modInfo ? stripSentinels(modInfo) : '' };
}

/**
 * `go1.19.8` -> `1.19.8`; releases before Go 1.21 omitted `.0` (`go1.20` -> `1.20.0`), and
 * `go1.21rc2` -> `1.21.0-rc.2`. Anything after a space (`X:boringcrypto`) is build detail.
 * Development toolchains (`devel go1.22-abcdef`) have no release version: undefined.
 */
export function goStdlibVersion(goVersion: string): string | undefined {
  const match = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?(?:\s.*)?$/.exec(goVersion);
  if (!match) return undefined;
  const [, major, minor, patch, preKind, preNumber] = match;
  const release = `${major}.${minor}.${patch ?? 0}`;
  return preKind ? `${release}-${preKind}.${preNumber}` : release;
}

/**
 * The modules linked in: the main module (`mod`, when it has a real version rather than
 * `(devel)`) and every `dep`. A `=>` line replaces the dependency before it; a replacement by a
 * local directory has no version, and the upstream module's code is then not in the binary, so
 * that dependency is dropped rather than reported at a version it does not contain.
 */
export function parseModInfo(modInfo: string): GoModule[] {
  const modules: (GoModule | undefined)[] = [];
  for (const line of modInfo.split('\n')) {
    const [kind, path, version] = line.split('\t');
    if (kind === '=>' && modules.length > 0) {
      modules[modules.length - 1] = path && version ? { path, version } : undefined;
    } else if ((kind === 'mod' || kind === 'dep') && path) {
      modules.push(version && version !== '(devel)' ? { path, version } : undefined);
    }
  }
  return modules.filter((module): module is GoModule => module !== undefined);
}

function goBinaryPackages(binary: Buffer, path: string): InventoryPackage[] {
  const info = readGoBuildInfo(binary);
  if (!info) return [];
  const packages = parseModInfo(info.modInfo).map((module) => languagePackage({ ecosystem: 'Go', name: module.path, version: module.version, path }));
  const stdlib = goStdlibVersion(info.goVersion);
  if (stdlib) packages.unshift(languagePackage({ ecosystem: 'Go', name: 'stdlib', version: stdlib, path }));
  return packages;
}

function wantsGoBinary(file: LayerFile): boolean {
  return (file.mode & EXECUTABLE_BITS) !== 0 && file.size >= MIN_BINARY_BYTES && !NOT_A_PROGRAM.test(file.path);
}

export const goBinaryDetector: PackageDetector = {
  wants: wantsGoBinary,
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({ packages: goBinaryPackages(content, file.path) }),
};
