// Manifest reads are the hottest path of a registry, so resolved manifests are cached in process.
// Local writes clear the cache explicitly; writes by other processes or nodes are noticed through
// the database's external change counter, checked on every read, so no reader sees a stale tag.

export interface CachedManifest {
  digest: string;
  mediaType: string;
  content: Buffer;
  subjectDigest: string | null;
}

export class ManifestCache {
  private readonly entries = new Map<string, CachedManifest>();
  private seenVersion: number | null;

  constructor(
    private readonly maxEntries: number,
    private readonly externalChangeCounter: () => number | null,
  ) {
    this.seenVersion = externalChangeCounter();
  }

  private key(repository: string, reference: string): string {
    return `${repository}\u0000${reference}`;
  }

  private dropIfStale(): void {
    const version = this.externalChangeCounter();
    if (version === null) {
      // No way to notice other writers: only safe without a cache.
      this.entries.clear();
      return;
    }
    if (version !== this.seenVersion) {
      this.seenVersion = version;
      this.entries.clear();
    }
  }

  get(repository: string, reference: string): CachedManifest | undefined {
    if (this.maxEntries === 0) return undefined;
    this.dropIfStale();
    return this.entries.get(this.key(repository, reference));
  }

  set(repository: string, reference: string, manifest: CachedManifest): void {
    if (this.maxEntries === 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(this.key(repository, reference), manifest);
  }

  /** Called after every local write to manifests or tags. */
  invalidate(): void {
    this.entries.clear();
    this.seenVersion = this.externalChangeCounter();
  }
}
