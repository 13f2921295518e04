// Fixed-duration load over keep-alive connections, for request rates and blob pull throughput.
// wrk is preferred: a separate C process measures every server the same way, reads bodies about
// twice as fast as Node's http client (1.5 vs 0.75 GB/s on loopback here) and leaves more CPU to
// the server. wrk cannot do HEAD (it waits for a body that never comes), so HEAD runs, and every
// run when wrk is not installed, use a Node keep-alive loop in this process.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { send } from './http-client.js';
import { percentile } from './stats.js';

export interface LoadSpec {
  url: URL;
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  connections: number;
  /** Whole seconds (wrk's unit). */
  durationSeconds: number;
}

export interface LoadResult {
  tool: 'wrk' | 'node';
  requests: number;
  requestsPerSecond: number;
  /** Response bytes (headers included with wrk) per second. */
  bytesPerSecond: number;
  /** Responses outside 2xx/3xx plus socket errors: any of these makes the figure suspect. */
  failures: number;
  p50Ms: number;
  p99Ms: number;
}

export class LoadGenerator {
  private readonly wrk: WrkLoad | undefined;
  private readonly node = new NodeLoad();

  constructor(wrkPath: string | undefined, scratchDirectory: string) {
    this.wrk = wrkPath ? new WrkLoad(wrkPath, scratchDirectory) : undefined;
  }

  toolFor(method: LoadSpec['method']): LoadResult['tool'] {
    return this.wrk && method !== 'HEAD' ? 'wrk' : 'node';
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    return this.toolFor(spec.method) === 'wrk' ? this.wrk!.run(spec) : this.node.run(spec);
  }
}

/** wrk's own timeout per request, and how long past the planned duration we wait for it. */
const WRK_REQUEST_TIMEOUT = '30s';
const WRK_OVERRUN_MS = 60_000;

/** Prints wrk's exact counters (its human summary rounds bytes to 3 digits). */
const WRK_REPORT_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d bytes=%d duration_us=%d failures=%d p50_us=%d p99_us=%d\\n",
    summary.requests, summary.bytes, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

class WrkLoad {
  private readonly script: string;

  constructor(
    private readonly wrkPath: string,
    scratchDirectory: string,
  ) {
    this.script = join(scratchDirectory, 'wrk-report.lua');
    writeFileSync(this.script, WRK_REPORT_SCRIPT);
  }

  async run(spec: LoadSpec): Promise<LoadResult> {
    const args = [
      '-t1', // one load thread leaves the second core to the server
      `-c${spec.connections}`,
      `-d${spec.durationSeconds}s`,
      '--timeout', WRK_REQUEST_TIMEOUT,
      '-s', this.script,
      ...Object.entries(spec.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
      spec.url.href,
    ];
    const output = await runBounded(this.wrkPath, args, spec.durationSeconds * 1000 + WRK_OVERRUN_MS);
    return parseWrkReport(output);
  }
}

function parseWrkReport(output: string): LoadResult {
  const line = /^BENCH (.*)$/m.exec(output)?.[1];
  if (!line) throw new Error(`wrk printed no report:\n${output}`);
  const field = (name: string): number => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? Number.NaN);
  const seconds = field('duration_us') / 1e6;
  return {
    tool: 'wrk',
    requests: field('requests'),
    requestsPerSecond: field('requests') / seconds,
    bytesPerSecond: field('bytes') / seconds,
    failures: field('failures'),
    p50Ms: field('p50_us') / 1000,
    p99Ms: field('p99_us') / 1000,
  };
}

function runBounded(executable: string, args: string[], limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${executable} ${args.join(' ')} failed (${signal ?? code}):\n${output}`));
    });
  });
}

class NodeLoad {
  async run(spec: LoadSpec): Promise<LoadResult> {
    const deadline = performance.now() + spec.durationSeconds * 1000;
    const latencies: number[] = [];
    let failures = 0;
    let bytes = 0;
    const connection = async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          const request = { method: spec.method, url: spec.url, headers: spec.headers ?? {}, discardBody: true, timeoutMs: 30_000 };
          const res = await send(request);
          bytes += res.bytes;
          if (res.status >= 400) failures++;
        } catch {
          failures++;
        }
        latencies.push(performance.now() - started);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: spec.connections }, connection));
    const elapsedSeconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      tool: 'node',
      requests: latencies.length,
      requestsPerSecond: latencies.length / elapsedSeconds,
      bytesPerSecond: bytes / elapsedSeconds,
      failures,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
  }
}
