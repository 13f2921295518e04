/**
 * Memoisation for the pure string -> value functions on the evaluation hot path (compiling an
 * action pattern, parsing an operator name or an IP range). Policies repeat the same few strings
 * on every request, so this turns per-request parsing into a lookup. The cache is bounded (it is
 * simply emptied when full) so hostile or ever-changing input cannot grow it without limit, and
 * cached values are never mutated, so sharing them is invisible to callers.
 */
export function memoize<T>(compute: (key: string) => T, maxEntries = 1024): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T;
    const value = compute(key);
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, value);
    return value;
  };
}
