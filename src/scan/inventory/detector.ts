// The contract every inventory source implements. The layer walker asks `wants` for each regular
// file (cheap: path, size and mode only) and hands the wanted files' bytes to `analyze`, which is
// pure and treats the bytes as hostile: anything it cannot make sense of yields no packages
// rather than an exception, and the work it does is bounded by the file's size.
import type { FileFindings, LayerFile } from '../types.js';

export interface PackageDetector {
  wants(file: LayerFile): boolean;
  analyze(file: LayerFile, content: Buffer): FileFindings;
}

export function noFindings(): FileFindings {
  return { packages: [] };
}

/** The last path segment, e.g. `Cargo.lock` for `app/Cargo.lock`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
