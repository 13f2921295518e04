// A pull-based tar reader: `next()` returns one entry at a time, after passing over whatever the
// caller left unread of the previous one, so only wanted file contents are ever held in memory.
// Metadata entries (PAX headers, GNU long names, old GNU sparse maps) are consumed here and never
// surface. The archive ends as Go's archive/tar (and so containerd) sees it: at two zero blocks,
// or at end of input on a block boundary; bytes after the end are drained unread so that a bad
// compressed stream behind them is still noticed.
import { ChunkReader } from './chunk-reader.js';
import { layerProblem } from './errors.js';
import {
  BLOCK_SIZE,
  cString,
  decodeHeaderBlock,
  isZeroBlock,
  parsePaxRecords,
  parsePaxSize,
  sparseExtensionContinues,
  TarFormatError,
  type HeaderBlock,
} from './tar-header.js';

export type TarEntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** As stored in the archive: not normalised, possibly hostile. */
  name: string;
  kind: TarEntryKind;
  /** Bytes of content that follow the header (0 for links, directories and devices). */
  size: number;
  mode: number;
}

/** Go's archive/tar caps PAX headers and GNU long names at 1 MiB (maxSpecialFileSize). */
const MAX_METADATA_BYTES = 1024 * 1024;

/** Typeflags whose size field is ignored: no content follows them (Go's isHeaderOnlyType). */
const HEADER_ONLY_TYPES: ReadonlySet<string> = new Set(['1', '2', '3', '4', '5', '6']);

const KIND_BY_TYPEFLAG: Readonly<Record<string, TarEntryKind>> = {
  '0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '5': 'directory',
};

interface PendingMetadata {
  pax?: Map<string, string>;
  longName?: string;
}

export class TarReader {
  private unreadContent = 0;
  private unreadPadding = 0;
  private ended = false;

  constructor(
    private readonly input: ChunkReader,
    private readonly layerDigest: string,
  ) {}

  /** The next entry, or undefined at the end of the archive. */
  async next(): Promise<TarEntry | undefined> {
    const unread = this.unreadContent + this.unreadPadding;
    if (!this.input.skipAvailable(unread)) await this.passOver(unread);
    this.unreadContent = this.unreadPadding = 0;
    const metadata: PendingMetadata = {};
    while (!this.ended) {
      const block = this.input.readAvailable(BLOCK_SIZE) ?? (await this.readBlock());
      if (!block) {
        this.ended = true;
        break;
      }
      const header = this.decode(() => decodeHeaderBlock(block));
      if (!header) {
        await this.readEndOfArchive();
        break;
      }
      switch (header.typeflag) {
        case 'x': {
          const data = await this.readMetadata(header.size);
          metadata.pax = this.decode(() => parsePaxRecords(data));
          continue;
        }
        case 'L': {
          const data = await this.readMetadata(header.size);
          metadata.longName = cString(data, 0, data.length);
          continue;
        }
        case 'g': // global PAX headers: Go hands them over as entries of their own; containerd ignores them
        case 'K': // GNU long link names: the walker never looks at link targets
          await this.readMetadata(header.size);
          continue;
      }
      if (header.sparseExtended) await this.passOverSparseExtensions();
      return this.startEntry(header, metadata);
    }
    return undefined;
  }

  /** The whole content of the entry `next()` just returned. */
  async readContent(): Promise<Buffer> {
    const content = await this.input.read(this.unreadContent);
    if (content.length < this.unreadContent) throw this.problem('truncated tar stream');
    this.unreadContent = 0;
    return content;
  }

  private startEntry(header: HeaderBlock, metadata: PendingMetadata): TarEntry {
    let { name, size } = header;
    let sparse = false;
    for (const [key, value] of metadata.pax ?? []) {
      if (key === 'path') name = value;
      else if (key === 'size') size = this.decode(() => parsePaxSize(value));
      else if (key.startsWith('GNU.sparse.')) sparse = true;
    }
    if (metadata.longName !== undefined) name = metadata.longName;

    // Old-style regular files ('\0') are directories when the name ends in '/' (then content-free).
    const typeflag = header.typeflag === '\0' ? (name.endsWith('/') ? '5' : '0') : header.typeflag;
    // A sparse file's stored bytes are a map plus fragments, not the file: never offered as content.
    const kind = sparse ? 'other' : (KIND_BY_TYPEFLAG[typeflag] ?? 'other');
    const contentBytes = HEADER_ONLY_TYPES.has(typeflag) ? 0 : size;
    this.unreadContent = contentBytes;
    this.unreadPadding = (BLOCK_SIZE - (contentBytes % BLOCK_SIZE)) % BLOCK_SIZE;
    return { name, kind, size: contentBytes, mode: header.mode };
  }

  /** Go's rule: a zero block ends the archive only when another zero block or the input's end follows. */
  private async readEndOfArchive(): Promise<void> {
    const second = await this.readBlock();
    if (second && !isZeroBlock(second)) throw this.problem('invalid tar header (after a zero block)');
    this.ended = true;
    await this.input.skip(Infinity);
  }

  private async readMetadata(size: number): Promise<Buffer> {
    if (size > MAX_METADATA_BYTES) throw this.problem(`tar metadata entry over ${MAX_METADATA_BYTES} bytes`);
    const data = await this.input.read(size);
    if (data.length < size) throw this.problem('truncated tar stream');
    await this.passOver((BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE);
    return data;
  }

  private async passOverSparseExtensions(): Promise<void> {
    for (;;) {
      const block = await this.readBlock();
      if (!block) throw this.problem('truncated tar stream');
      if (!sparseExtensionContinues(block)) return;
    }
  }

  private async readBlock(): Promise<Buffer | undefined> {
    const block = await this.input.read(BLOCK_SIZE);
    if (block.length === 0) return undefined;
    if (block.length < BLOCK_SIZE) throw this.problem('truncated tar stream');
    return block;
  }

  private async passOver(length: number): Promise<void> {
    if (length > 0 && (await this.input.skip(length)) < length) throw this.problem('truncated tar stream');
  }

  private decode<R>(decoder: () => R): R {
    try {
      return decoder();
    } catch (error) {
      if (error instanceof TarFormatError) throw this.problem(error.message);
      throw error;
    }
  }

  private problem(problem: string): Error {
    return layerProblem(problem, this.layerDigest);
  }
}
