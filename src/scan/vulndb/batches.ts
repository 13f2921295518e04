/**
 * Slices of at most `size` items. Statements stay under the bound-parameter limits of both
 * dialects (SQLite 32766, PostgreSQL 65535) whatever a batch holds.
 */
export function* inBatches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
