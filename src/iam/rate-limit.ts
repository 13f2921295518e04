// Failed authentications are limited per source address, so guessing secrets or tokens is slow.
export class FailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(source: string): boolean {
    const entry = this.windows.get(source);
    if (!entry) return false;
    if (entry.resetAt <= this.now()) {
      this.windows.delete(source);
      return false;
    }
    return entry.count >= this.maxFailures;
  }

  recordFailure(source: string): void {
    const now = this.now();
    const entry = this.windows.get(source);
    if (!entry || entry.resetAt <= now) {
      // Bounded memory under a flood of distinct sources: expired windows are dropped first.
      if (this.windows.size > 100_000) for (const [key, value] of this.windows) if (value.resetAt <= now) this.windows.delete(key);
      this.windows.set(source, { count: 1, resetAt: now + this.windowMs });
    } else {
      entry.count++;
    }
  }
}
