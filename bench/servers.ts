// Starting and stopping the servers under test: Wharf, Debian's docker-registry (distribution
// 2.8) as the reference, and nginx as the physical limit for serving a file over loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { LOOPBACK, sleep, waitUntilServing } from './http-client.js';
import { ProblemLog } from './problem-log.js';

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
/** Keep only the end of a server's output: enough to explain a crash, bounded however chatty it is. */
const OUTPUT_TAIL_CHARS = 16 * 1024;

/** Whatever can say why it is no longer serving: one server, or a group of them with their services. */
export interface Watched {
  deathNotice(): string | undefined;
}

export class ServerProcess implements Watched {
  private tail = '';
  private readonly exited: Promise<void>;
  /** Error lines and 5xx answers from the whole run, which the output tail would have lost. */
  readonly problems = new ProblemLog();

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    const keepTail = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
      this.problems.scan(chunk);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  isAlive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last non-empty lines the process printed: where a crash explains itself. */
  lastOutput(lines = 6): string {
    return this.tail.split('\n').filter((line) => line.trim() !== '').slice(-lines).join('\n');
  }

  /** Why the process is gone, with its last words, or undefined while it runs. */
  deathNotice(): string | undefined {
    if (this.isAlive()) return undefined;
    const how = this.child.signalCode ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
    return `${this.name} (pid ${this.pid}) exited with ${how}; its last output:\n${this.lastOutput()}`;
  }

  /**
   * Peak resident memory of the process and its descendants (cluster workers, nginx workers):
   * the sum of each process's VmHWM, an upper bound when the peaks were not simultaneous.
   */
  peakRssBytes(): number {
    return [this.pid, ...descendantPids(this.pid)].reduce((sum, pid) => sum + readVmHwmBytes(pid), 0);
  }

  async stop(): Promise<void> {
    if (!this.isAlive()) return;
    // Remembered before the parent goes, so orphaned workers can still be found by their id.
    const descendants = descendantPids(this.pid);
    this.child.kill('SIGTERM');
    const stoppedInTime = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!stoppedInTime) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    for (const pid of descendants) killIfAlive(pid);
  }
}

export interface WharfOptions {
  mainJs: string;
  dataDir: string;
  workers?: number;
  /** Shown in logs and death notices instead of the default `wharf`. */
  name?: string;
  /** After the options above, e.g. `--database postgres://...`, `--encrypt-at-rest`. */
  extraArgs?: string[];
  /** Added to this process's environment (storage settings and keys of a scale-out node). */
  env?: Record<string, string>;
}

/**
 * Not test/helpers/server.ts's startWharf: that one keeps all output in memory, and Wharf logs
 * every request (hundreds of thousands in a full run). The launcher below, shared by all three
 * servers, keeps a bounded tail and waits until the port answers HTTP.
 */
export async function startWharf(options: WharfOptions): Promise<ServerProcess> {
  const port = await freePort();
  const args = [options.mainJs, 'serve', '--listen', `${LOOPBACK}:${port}`, '--data-dir', options.dataDir, '--anonymous'];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  args.push(...(options.extraArgs ?? []));
  const name = options.name ?? (options.workers === undefined ? 'wharf' : `wharf --workers ${options.workers}`);
  return launch(name, process.execPath, args, port, '/v2/', options.env);
}

export async function startReferenceRegistry(directory: string): Promise<ServerProcess> {
  const executable = requireExecutable('docker-registry', 'apt-get install -y docker-registry');
  const port = await freePort();
  const storage = join(directory, 'storage');
  mkdirSync(storage, { recursive: true });
  const configPath = join(directory, 'config.yml');
  writeFileSync(configPath, referenceRegistryConfig(storage, port));
  return launch('reference', executable, ['serve', configPath], port, '/v2/');
}

/**
 * Debian's packaged configuration (with its in-memory blob descriptor cache), local and with
 * application logs at error level. The access log stays on: Wharf logs every request by
 * default too, so both pay for one log line per request.
 */
function referenceRegistryConfig(storage: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${LOOPBACK}:${port}`,
    '',
  ].join('\n');
}

/** nginx serving `servedDirectory` at /blobs/ with sendfile: the fastest a file can leave this box. */
export async function startNginx(directory: string, servedDirectory: string): Promise<ServerProcess> {
  const executable = requireExecutable('nginx', 'apt-get install -y nginx-light');
  const port = await freePort();
  mkdirSync(join(directory, 'tmp'), { recursive: true });
  const configPath = join(directory, 'nginx.conf');
  writeFileSync(configPath, nginxConfig(directory, servedDirectory, port));
  const args = ['-c', configPath, '-p', directory, '-e', join(directory, 'error.log')];
  return launch('nginx', executable, args, port, '/');
}

function nginxConfig(prefix: string, servedDirectory: string, port: number): string {
  const tmp = join(prefix, 'tmp');
  return `
daemon off;
user root;              # the blob files live in a 0700 temp directory
worker_processes 1;     # one stream at a time is measured; one worker is enough
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} error;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  default_type application/octet-stream;
  server {
    listen ${LOOPBACK}:${port};
    location /blobs/ { alias ${servedDirectory}/; }
  }
}
`;
}

/** Every server this process started, so an interrupted run can still stop them all. */
const launched = new Set<ServerProcess>();
/** Services the servers depend on (the S3 server), stopped after the servers that use them. */
const services = new Set<() => Promise<void>>();

/** `stop` runs in stopAllServers, after every server; returns a function that unregisters it. */
export function stopWithServers(stop: () => Promise<void>): () => void {
  services.add(stop);
  return () => services.delete(stop);
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...launched].map((server) => server.stop()));
  // A failing stop must not keep the others running.
  await Promise.allSettled([...services].map((stop) => stop()));
  services.clear();
}

async function launch(
  name: string,
  executable: string,
  args: string[],
  port: number,
  probePath: string,
  env?: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
  const spawnFailure = new Promise<never>((_, reject) => child.once('error', reject));
  const server = new ServerProcess(name, `http://${LOOPBACK}:${port}`, child);
  launched.add(server);
  try {
    await Promise.race([waitUntilServing(new URL(probePath, server.url), STARTUP_TIMEOUT_MS, () => server.isAlive()), spawnFailure]);
  } catch (err) {
    await server.stop();
    throw new Error(`${name} did not start (${executable} ${args.join(' ')}): ${(err as Error).message}\n${server.lastOutput()}`);
  }
  return server;
}

/** Looks on PATH, then in the sbin directories a non-root PATH may leave out (nginx lives there). */
export function findExecutable(name: string): string | undefined {
  const directories = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const directory of directories.filter((entry) => entry !== '')) {
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function requireExecutable(name: string, installHint: string): string {
  const found = findExecutable(name);
  if (!found) throw new Error(`${name} is not installed (or not on PATH); install it with: ${installHint}`);
  return found;
}

/** Asks the kernel for an unused loopback port (tiny race until the server binds it; fine here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, LOOPBACK, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** All live descendants of `root`, from the parent ids in /proc/<pid>/stat. */
function descendantPids(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = readParentPid(Number(entry));
    if (parent === undefined) continue;
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const pending = [...(childrenOf.get(root) ?? [])];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    found.push(pid);
    pending.push(...(childrenOf.get(pid) ?? []));
  }
  return found;
}

function readParentPid(pid: number): number | undefined {
  try {
    // The command name (field 2) may contain spaces, so parse after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined; // exited meanwhile
  }
}

function readVmHwmBytes(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
