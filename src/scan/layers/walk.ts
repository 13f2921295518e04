// Walks an image's layers in order and returns what the visitor learnt from each file of the
// merged image. Per entry: count it, place it safely, apply whiteouts, and read its bytes only
// when the visitor wants a regular file that fits the per-file cap. Links are never followed
// and never analyzed (see `LayerWalk.place`).
import type { LayerFile, LayerSource, ScanLimits } from '../types.js';
import { ChunkReader } from './chunk-reader.js';
import { entryPathComponents, entryRole, MAX_PATH_BYTES } from './entry-paths.js';
import { consumeLayer } from './layer-bytes.js';
import { resolveScanLimits, ScanBudget } from './limits.js';
import { OverlayView } from './overlay-view.js';
import { TarReader, type TarEntry } from './tar-reader.js';

export interface FileVisitor<T> {
  /** Decided from path, size and mode alone, before any byte of the file is read. */
  wants(file: LayerFile): boolean;
  analyze(file: LayerFile, content: Buffer): T | Promise<T>;
  /** Told about entries passed over that a scan report may want to mention; optional. */
  skipped?(entry: SkippedEntry): void;
}

export type SkipReason = 'unsafe path' | 'path too long' | 'file too large';

export interface SkippedEntry {
  layerDigest: string;
  /** The name as stored in the tar (for unsafe paths) or the normalised path. */
  path: string;
  reason: SkipReason;
}

/**
 * Walks `layers` in order and returns, for every file of the merged image the visitor analyzed,
 * what `analyze()` returned for the last layer's copy, minus paths deleted by later whiteouts
 * (`.wh.<name>` deletes a file or a whole directory from lower layers; `.wh..wh..opq` hides all
 * that lower layers put in its directory). Throws LayerScanError for a layer that is malformed,
 * of an unsupported type or over a limit; `signal` aborts with its reason.
 */
export async function walkLayers<T>(
  layers: readonly LayerSource[],
  visitor: FileVisitor<T>,
  limits?: Partial<ScanLimits>,
  signal?: AbortSignal,
): Promise<Map<string, T>> {
  const budget = new ScanBudget(resolveScanLimits(limits));
  const view = new OverlayView<T>();
  for (const layer of layers) {
    const walk = new LayerWalk(layer.digest, view, visitor, budget);
    const readTar = (decompressed: AsyncIterable<Buffer>) =>
      walk.run(new TarReader(new ChunkReader(decompressed), layer.digest));
    await consumeLayer(layer, budget, readTar, signal);
    view.commitLayer();
    budget.checkAnalyzedIndex(view.retainedBytes, layer.digest);
  }
  return view.files();
}

interface WantedFile {
  file: LayerFile;
  components: string[];
}

class LayerWalk<T> {
  constructor(
    private readonly layerDigest: string,
    private readonly view: OverlayView<T>,
    private readonly visitor: FileVisitor<T>,
    private readonly budget: ScanBudget,
  ) {}

  async run(tar: TarReader): Promise<void> {
    for (let entry = await tar.next(); entry; entry = await tar.next()) {
      this.budget.addEntry(this.layerDigest);
      const wanted = this.place(entry);
      if (wanted) await this.analyze(wanted, tar);
    }
  }

  /** Applies the entry to the merged view; returns the file when its bytes are to be read. */
  private place(entry: TarEntry): WantedFile | undefined {
    const components = entryPathComponents(entry.name);
    const role = components && entryRole(components);
    if (!components || !role || role.kind === 'unsafe') return this.skip(entry.name, 'unsafe path');
    const path = components.join('/');
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) return this.skip(path, 'path too long');
    switch (role.kind) {
      case 'ignored':
        return undefined;
      case 'whiteout':
        this.view.whiteout(role.target);
        return undefined;
      case 'opaque':
        this.view.opaque(role.directory);
        return undefined;
    }
    this.view.occupy(components, entry.kind === 'directory');
    // Only regular files are content. A symlink's target is resolved by the runtime against a
    // root we never build, so following one here could only guess (or escape). A hard link's
    // bytes are those of an entry earlier in the same tar, which was offered at its own path;
    // analyzing them again under a second name would count its packages twice.
    if (entry.kind !== 'file') return undefined;
    const file: LayerFile = { path, size: entry.size, mode: entry.mode & 0o7777 };
    if (!this.visitor.wants(file)) return undefined;
    if (entry.size > this.budget.limits.maxFileBytes) return this.skip(path, 'file too large');
    return { file, components };
  }

  private async analyze({ file, components }: WantedFile, tar: TarReader): Promise<void> {
    const result = await this.visitor.analyze(file, await tar.readContent());
    this.view.record(components, result);
    this.budget.checkAnalyzedIndex(this.view.retainedBytes, this.layerDigest);
  }

  private skip(path: string, reason: SkipReason): undefined {
    this.visitor.skipped?.({ layerDigest: this.layerDigest, path, reason });
    return undefined;
  }
}
