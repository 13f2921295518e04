// Blob payloads on disk: random (incompressible) bytes written in 8 MiB slices and hashed on the
// way, so a 512 MiB blob never sits in memory and its digest is known before any upload starts.
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobSource } from './registry-client.js';

const WRITE_SLICE = 8 * 1024 * 1024;

export interface BlobFile extends BlobSource {
  path: string;
  fileName: string;
}

/** Creates blob files on first use and hands back the same file for the same name. */
export class BlobLibrary {
  private readonly files = new Map<string, BlobFile>();

  constructor(private readonly directory: string) {}

  /** `name` keeps distinct uploads distinct, so no server can skip work by deduplicating. */
  get(size: number, name: string): BlobFile {
    const fileName = `${name}-${size}.bin`;
    let file = this.files.get(fileName);
    if (!file) {
      file = writeRandomFile(join(this.directory, fileName), fileName, size);
      this.files.set(fileName, file);
    }
    return file;
  }
}

function writeRandomFile(path: string, fileName: string, size: number): BlobFile {
  const slice = Buffer.allocUnsafe(Math.min(size, WRITE_SLICE));
  const hash = createHash('sha256');
  const fd = openSync(path, 'w', 0o600);
  try {
    for (let written = 0; written < size; ) {
      const part = slice.subarray(0, Math.min(slice.length, size - written));
      randomFillSync(part);
      hash.update(part);
      writeSync(fd, part);
      written += part.length;
    }
  } finally {
    closeSync(fd);
  }
  return {
    path,
    fileName,
    size,
    digest: `sha256:${hash.digest('hex')}`,
    read: (start, end) => createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 }),
  };
}
