// Where OSV documents come from: a .json file (one record or an array of them), a directory
// (searched recursively for .json and .zip files), or a zip archive as OSV publishes them per
// ecosystem (`all.zip`, one record per entry). Zip entries are streamed one at a time, never
// extracted to disk, and each is capped, so memory stays bounded whatever the archive holds.
import { createRequire } from 'node:module';
import { open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** Largest zip entry read; OSV records are kilobytes, the largest published ones a few hundred. */
export const MAX_ENTRY_BYTES = 8 * 1024 * 1024;
/** Largest standalone .json file read, which may hold an array of many records. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Read text, or why a document could not be read (it is counted as rejected). */
export type SourceDocument = { origin: string; text: string } | { origin: string; problem: string };

interface SourceFile {
  path: string;
  kind: 'json' | 'zip';
}

export interface SourcePlan {
  files: SourceFile[];
  /** JSON documents to read: .json files plus the .json entries of every zip. */
  documents: number;
}

// The subset of yauzl 3 used here (the package has no types of its own).
interface ZipEntry {
  fileName: string;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 stored, 8 deflated. */
  compressionMethod: number;
  isEncrypted(): boolean;
}
interface ZipFile {
  eachEntry(): AsyncIterable<ZipEntry>;
  readLocalFileHeaderPromise(entry: ZipEntry, options: { minimal: true }): Promise<{ fileDataStart: number }>;
  close(): void;
}
interface Yauzl {
  RandomAccessReader: new () => object;
  fromRandomAccessReaderPromise(reader: object, totalSize: number, options: { autoClose: boolean; strictFileNames: boolean }): Promise<ZipFile>;
}
const yauzl = createRequire(import.meta.url)('yauzl') as Yauzl;

const STORED = 0;
const DEFLATED = 8;
const BLOCK_BYTES = 1024 * 1024;
const CACHED_BLOCKS = 4;

/**
 * The archive's bytes for yauzl, served from a few cached 1 MiB blocks. yauzl reads a zip in small
 * pieces (two reads per directory entry, one per local header), and a thread-pool round trip for
 * each made a 100k-entry archive take minutes; the directory and the entries are each read front
 * to back, so nearly every piece is in a block already read.
 */
class BlockReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Buffer>();

  constructor(private readonly file: FileHandle) {
    super();
  }

  async bytes(position: number, length: number): Promise<Buffer> {
    if (length > BLOCK_BYTES) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await this.file.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    }
    const parts: Buffer[] = [];
    for (let index = Math.floor(position / BLOCK_BYTES); index * BLOCK_BYTES < position + length; index++) {
      const blockStart = index * BLOCK_BYTES;
      const block = await this.block(index);
      parts.push(block.subarray(Math.max(0, position - blockStart), Math.min(block.length, position + length - blockStart)));
      if (block.length < BLOCK_BYTES) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Least recently used blocks are dropped first (Map order is insertion order). */
  private async block(index: number): Promise<Buffer> {
    let block = this.blocks.get(index);
    if (block) {
      this.blocks.delete(index);
    } else {
      const buffer = Buffer.alloc(BLOCK_BYTES);
      const { bytesRead } = await this.file.read(buffer, 0, BLOCK_BYTES, index * BLOCK_BYTES);
      block = buffer.subarray(0, bytesRead);
      if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    }
    this.blocks.set(index, block);
    return block;
  }

  // RandomAccessReader's interface, through which yauzl reads.
  read(buffer: Buffer, offset: number, length: number, position: number, callback: (error: Error | null, bytesRead?: number) => void): void {
    this.bytes(position, length).then((bytes) => callback(null, bytes.copy(buffer, offset)), callback);
  }

  close(callback: (error: Error | null) => void): void {
    this.file.close().then(() => callback(null), callback);
  }
}

interface OpenZip {
  zip: ZipFile;
  reader: BlockReader;
}

async function openZip(path: string): Promise<OpenZip> {
  const file = await open(path);
  try {
    const reader = new BlockReader(file);
    const zip = await yauzl.fromRandomAccessReaderPromise(reader, (await file.stat()).size, { autoClose: false, strictFileNames: false });
    return { zip, reader };
  } catch (error) {
    await file.close();
    throw error;
  }
}

const isJsonName = (name: string): boolean => name.toLowerCase().endsWith('.json');
const isZipName = (name: string): boolean => name.toLowerCase().endsWith('.zip');

/** The files named (a named file is read whatever its extension), directories searched in name order. */
export async function planSources(paths: string[]): Promise<SourcePlan> {
  const files: SourceFile[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const names = (await readdir(path, { recursive: true })).filter((n) => isJsonName(n) || isZipName(n)).sort();
      for (const name of names) {
        const file = join(path, name);
        if ((await stat(file)).isFile()) files.push({ path: file, kind: isZipName(name) ? 'zip' : 'json' });
      }
    } else {
      files.push({ path, kind: isZipName(path) ? 'zip' : 'json' });
    }
  }
  let documents = 0;
  for (const file of files) documents += file.kind === 'zip' ? await countZipDocuments(file.path) : 1;
  return { files, documents };
}

/** Reading the central directory only; an unreadable zip counts as one (rejected) document. */
async function countZipDocuments(path: string): Promise<number> {
  let opened: OpenZip;
  try {
    opened = await openZip(path);
  } catch {
    return 1;
  }
  try {
    let count = 0;
    for await (const entry of opened.zip.eachEntry()) if (isJsonName(entry.fileName)) count++;
    return count;
  } catch {
    return 1;
  } finally {
    opened.zip.close();
  }
}

export async function* readDocuments(plan: SourcePlan): AsyncGenerator<SourceDocument> {
  for (const file of plan.files) {
    if (file.kind === 'zip') yield* readZip(file.path);
    else yield await readJsonFile(file.path);
  }
}

async function readJsonFile(path: string): Promise<SourceDocument> {
  const { size } = await stat(path);
  if (size > MAX_FILE_BYTES) return { origin: path, problem: `file larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
  return { origin: path, text: await readFile(path, 'utf8') };
}

async function* readZip(path: string): AsyncGenerator<SourceDocument> {
  let opened: OpenZip;
  try {
    opened = await openZip(path);
  } catch (error) {
    yield { origin: path, problem: `not a readable zip: ${(error as Error).message}` };
    return;
  }
  try {
    for await (const entry of opened.zip.eachEntry()) {
      if (isJsonName(entry.fileName)) yield await readEntry(opened, entry, `${path}:${entry.fileName}`);
    }
  } catch (error) {
    yield { origin: path, problem: `zip stopped being readable: ${(error as Error).message}` };
  } finally {
    opened.zip.close();
  }
}

/**
 * One entry, decompressed in one step: an entry is at most MAX_ENTRY_BYTES, and inflating it
 * synchronously is far cheaper than a zlib stream per entry. The inflated size is held to both
 * the cap and the size the directory declares.
 */
async function readEntry({ zip, reader }: OpenZip, entry: ZipEntry, origin: string): Promise<SourceDocument> {
  if (entry.uncompressedSize > MAX_ENTRY_BYTES || entry.compressedSize > MAX_ENTRY_BYTES) {
    return { origin, problem: `entry larger than ${MAX_ENTRY_BYTES / 1024 / 1024} MiB` };
  }
  if (entry.isEncrypted()) return { origin, problem: 'entry is encrypted' };
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    return { origin, problem: `entry compressed with method ${entry.compressionMethod}, not stored or deflated` };
  }
  try {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    const stored = await reader.bytes(fileDataStart, entry.compressedSize);
    const bytes = entry.compressionMethod === DEFLATED ? inflateRawSync(stored, { maxOutputLength: MAX_ENTRY_BYTES }) : stored;
    if (bytes.length !== entry.uncompressedSize) return { origin, problem: 'entry size differs from the zip directory' };
    return { origin, text: bytes.toString('utf8') };
  } catch (error) {
    return { origin, problem: `entry not readable: ${(error as Error).message}` };
  }
}
