// Fixed-duration load spread over several nodes of one deployment. wrk takes a single URL, so each
// node gets a load run of its own, all running at once with the connections split between them,
// and the results are added up.
import type { LoadGenerator, LoadResult, LoadSpec } from './load.js';

/** `total` connections over `parts` runs, as evenly as whole numbers allow (4 over 2: 2 and 2). */
export function splitConnections(total: number, parts: number): number[] {
  if (parts < 1 || total < parts) throw new Error(`cannot split ${total} connection(s) over ${parts} node(s)`);
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * Runs `spec` against every URL at once. Rates and counts are sums; the latency percentiles are the
 * slowest node's (the runs' samples are not available to merge, and the worse figure is the honest one).
 */
export async function runSplitLoad(load: LoadGenerator, urls: URL[], spec: Omit<LoadSpec, 'url'>): Promise<LoadResult> {
  const shares = splitConnections(spec.connections, urls.length);
  const runs = await Promise.all(urls.map((url, i) => load.run({ ...spec, url, connections: shares[i]! })));
  return {
    tool: runs[0]!.tool,
    requests: sum(runs.map((run) => run.requests)),
    requestsPerSecond: sum(runs.map((run) => run.requestsPerSecond)),
    bytesPerSecond: sum(runs.map((run) => run.bytesPerSecond)),
    failures: sum(runs.map((run) => run.failures)),
    p50Ms: Math.max(...runs.map((run) => run.p50Ms)),
    p99Ms: Math.max(...runs.map((run) => run.p99Ms)),
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
