const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1500", "1500ms", "2s", "15m", "24h", "7d" → milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`invalid duration ${JSON.stringify(value)} (use e.g. 30s, 15m, 24h)`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}
