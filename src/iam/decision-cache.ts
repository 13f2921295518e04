// Credentials, policies and repository settings are read on every registry request; this cache
// keeps them briefly. Entries die after `ttlMs`, when this process changes IAM state
// (invalidate()), and as soon as another process commits to the database (its change counter
// moves), so a deactivated key or a new deny takes effect at once on this node and within the
// TTL on nodes that cannot see the counter.
export class DecisionCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private seenVersion: number | null;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly externalChangeCounter: () => number | null,
    private readonly now: () => number = Date.now,
  ) {
    this.seenVersion = externalChangeCounter();
  }

  /** `keep` says whether a freshly loaded value may be reused (failures, for instance, may not). */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    const version = this.externalChangeCounter();
    if (version !== this.seenVersion) {
      this.seenVersion = version;
      this.entries.clear();
    }
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    if (!keep(value)) return value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
    return value;
  }

  invalidate(): void {
    this.entries.clear();
  }
}
