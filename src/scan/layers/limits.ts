// The caps that bound a walk over hostile layers, and the running count that enforces them as
// bytes and entries flow (never after the fact: a gzip bomb is stopped at the cap, not once it
// has inflated).
import type { ScanLimits } from '../types.js';
import { layerProblem } from './errors.js';

export const DEFAULT_SCAN_LIMITS: Readonly<ScanLimits> = Object.freeze({
  maxDecompressedBytes: 8 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxFileBytes: 256 * 1024 ** 2,
});

/**
 * Fills in defaults and rejects values that would silently disable a cap (NaN compares false with
 * everything, so `count > NaN` would never trip).
 */
export function resolveScanLimits(overrides: Partial<ScanLimits> = {}): ScanLimits {
  const limits = { ...DEFAULT_SCAN_LIMITS };
  for (const key of Object.keys(limits) as (keyof ScanLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`scan limit ${key} must be a non-negative integer, got ${value}`);
    }
    limits[key] = value;
  }
  return limits;
}

/**
 * What the walk itself keeps for analyzed files (paths and the tree that applies whiteouts to
 * them). Not a ScanLimits field: real images stay far below it (100 000 analyzed files in
 * node_modules cost about 50 MiB), but without it a small layer of deep, distinct, wanted paths
 * could exhaust memory while staying under every other cap.
 */
const MAX_ANALYZED_INDEX_BYTES = 128 * 1024 ** 2;

/** Counts over all layers of one walk, so a many-layer image cannot multiply the caps. */
export class ScanBudget {
  private decompressedBytes = 0;
  private entries = 0;

  constructor(readonly limits: ScanLimits) {}

  addDecompressedBytes(count: number, layerDigest: string): void {
    this.decompressedBytes += count;
    if (this.decompressedBytes > this.limits.maxDecompressedBytes) {
      throw layerProblem(`decompressed size over ${this.limits.maxDecompressedBytes} bytes`, layerDigest);
    }
  }

  /** `bytes`: what the walk currently keeps for analyzed files (OverlayView.retainedBytes). */
  checkAnalyzedIndex(bytes: number, layerDigest: string): void {
    if (bytes > MAX_ANALYZED_INDEX_BYTES) {
      throw layerProblem(`analyzed file index over ${MAX_ANALYZED_INDEX_BYTES} bytes`, layerDigest);
    }
  }

  addEntry(layerDigest: string): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw layerProblem(`entries over ${this.limits.maxEntries}`, layerDigest);
    }
  }
}
