// A real S3-compatible server for tests: a single-node Ceph cluster (one mon, one memstore OSD) with
// a RADOS Gateway in front, all in a temporary directory and on 127.0.0.1 only. Set-up and the
// reasons for each odd setting: /work/shared/reference/s3-test-server.md.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface S3TestServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a fresh bucket with a unique name and returns it. */
  createBucket(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StartS3Options {
  /**
   * Let the process exit while the server runs (the daemons are then killed by the 'exit' hook).
   * Test files want this for a server they never stop; a long-running script does not.
   */
  unref?: boolean;
  /** Called when a daemon dies on its own after start-up (not during stop()). */
  onDaemonExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

const REGION = 'us-east-1';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 15;

/** An S3 client for the server (or for a proxy in front of it, via `overrides.endpoint`). */
export function createS3Client(
  server: Pick<S3TestServer, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  overrides: S3ClientConfig = {},
): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // RGW answers path-style requests without any DNS set-up.
    forcePathStyle: true,
    // Otherwise the SDK sends streamed bodies with aws-chunked trailers, which RGW refuses (411).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...overrides,
  });
}

// Every daemon any server in this process started and that has not exited yet, so the 'exit' hook
// can kill it even when nobody called stop(); likewise the temporary directories.
const liveDaemons = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveDaemons) child.kill('SIGKILL');
    for (const dir of liveDirs) {
      try {
        // A dying daemon may still add a file while this runs: retry instead of failing the exit.
        rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
      } catch {
        // Only a temporary directory left behind; not worth failing the test process for.
      }
    }
  });
}

// With setpriv (util-linux) the kernel kills each daemon when this process dies, even by SIGKILL or
// an unhandled signal, where no 'exit' hook runs.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

async function freePorts(count: number): Promise<number[]> {
  // All sockets stay open until every port is known, so the ports differ from one another.
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  // `$name` and `$pid` stay literal: Ceph expands them per daemon.
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
keyring = ${dir}/keyring
run dir = ${dir}/run
admin socket = ${dir}/run/$name.$pid.asok
log file = ${dir}/log/$name.log
mon cluster log file = ${dir}/log/cluster.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
[mon.a]
mon data = ${dir}/mon
[osd.0]
osd data = ${dir}/osd
osd objectstore = memstore
memstore device bytes = 4294967296
[client.rgw.a]
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`;
}

function randomAlnum(length: number): string {
  // Letters and digits only, so the keys need no escaping in a WHARF_TEST_S3 URL.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class StartError extends Error {}

interface Daemon {
  name: string;
  child: ChildProcess;
  /** Set once the process is gone, or never started (spawn 'error' comes without 'exit'). */
  gone: boolean;
  exited: Promise<void>;
}

async function terminate(daemon: Daemon): Promise<void> {
  if (daemon.gone) return;
  // An unref'd child would let the process exit before its 'exit' event arrives.
  daemon.child.ref();
  daemon.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), STOP_GRACE_MS); });
  const timedOut = await Promise.race([daemon.exited.then(() => false), graceOver]);
  clearTimeout(timer);
  if (timedOut) {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
}

const CEPH_COMMANDS = ['monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'];

function missingCommands(): string[] {
  const path = (process.env.PATH ?? '').split(':').filter(Boolean);
  return CEPH_COMMANDS.filter((command) => !path.some((dir) => existsSync(join(dir, command))));
}

/** Starts a fresh server. stop() it when done (the 'exit' hook kills it otherwise). */
export async function startS3Server(options: StartS3Options = {}): Promise<S3TestServer> {
  const missing = missingCommands();
  if (missing.length > 0) {
    throw new Error(`The S3 test server needs ${missing.join(', ')} on PATH: apt-get install ceph-mon ceph-osd radosgw ceph-common`);
  }
  installExitHook();
  const startedAt = Date.now();
  const deadline = startedAt + START_TIMEOUT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'wharf-s3-'));
  liveDirs.add(dir);
  const conf = join(dir, 'ceph.conf');
  const daemons: Daemon[] = [];
  let startDone = false;
  let stopping = false;

  const logTails = (): string => {
    const logDir = join(dir, 'log');
    if (!existsSync(logDir)) return '';
    // cluster.log repeats what mon.a.log says.
    return readdirSync(logDir).filter((file) => file !== 'cluster.log').sort().map((file) => {
      const lines = readFileSync(join(logDir, file), 'utf8').split('\n').filter((line) => line.trim() !== '');
      if (lines.length === 0) return '';
      return `\n--- ${file} (last ${Math.min(lines.length, LOG_TAIL_LINES)} lines) ---\n` + lines.slice(-LOG_TAIL_LINES).join('\n');
    }).join('');
  };

  const remaining = () => Math.max(deadline - Date.now(), 0);

  const run = (command: string, args: string[], timeoutMs = remaining()): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(command, ['-c', conf, ...args], { cwd: dir, timeout: Math.max(timeoutMs, 1) }, (error, stdout, stderr) => {
        if (error) reject(new StartError(`${command} ${args.join(' ')} failed: ${error.message.trim()}\n${stderr}`.trimEnd()));
        else resolve(stdout);
      });
    });

  const daemon = (name: string, command: string, args: string[]): void => {
    // Daemon output goes to a file rather than a pipe, so no stream keeps the event loop busy.
    const out = openSync(join(dir, 'log', `${name}.stderr`), 'a');
    const argv = [command, '-c', conf, ...args];
    const child = SETPRIV
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', ...argv], { cwd: dir, stdio: ['ignore', out, out] })
      : spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', out, out] });
    closeSync(out);
    liveDaemons.add(child);
    const entry: Daemon = { name, child, gone: false, exited: Promise.resolve() };
    entry.exited = new Promise<void>((resolve) => {
      const gone = () => {
        entry.gone = true;
        liveDaemons.delete(child);
        resolve();
      };
      child.once('exit', (code, signal) => {
        gone();
        if (!stopping && startDone) options.onDaemonExit?.(name, code, signal);
      });
      child.once('error', gone);
    });
    if (options.unref) child.unref();
    daemons.push(entry);
  };

  /** Polls `check` until it returns true; fails early when a daemon died meanwhile. */
  const waitFor = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (;;) {
      const dead = daemons.find((d) => d.gone);
      if (dead) {
        throw new StartError(`${dead.name} exited (code ${dead.child.exitCode}, signal ${dead.child.signalCode}) while waiting for ${what}`);
      }
      let lastFailure = '';
      const ready = await check().catch((error: unknown) => {
        lastFailure = error instanceof Error ? error.message : String(error);
        return false;
      });
      if (ready) return;
      if (remaining() === 0) {
        throw new StartError(`timed out after ${START_TIMEOUT_MS / 1000} s waiting for ${what}${lastFailure ? ` (last check: ${lastFailure})` : ''}`);
      }
      await sleep(100);
    }
  };

  const stopDaemons = async (): Promise<void> => {
    stopping = true;
    // rgw first, the mon last: each one still needs those after it while shutting down.
    for (const d of [...daemons].reverse()) await terminate(d);
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  const [monPort, rgwPort] = (await freePorts(2)) as [number, number];
  const accessKeyId = randomAlnum(20);
  const secretAccessKey = randomAlnum(40);
  try {
    for (const sub of ['mon', 'osd', 'rgw', 'run', 'log']) mkdirSync(join(dir, sub));
    const fsid = randomUUID();
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort));

    // monmaptool takes no -c.
    await new Promise<void>((resolve, reject) => {
      execFile('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(dir, 'monmap')],
        { cwd: dir, timeout: Math.max(remaining(), 1) }, (error, _stdout, stderr) =>
          error ? reject(new StartError(`monmaptool failed: ${error.message.trim()}\n${stderr}`)) : resolve());
    });
    await run('ceph-mon', ['-i', 'a', '--mkfs', '--monmap', join(dir, 'monmap')]);
    daemon('ceph-mon', 'ceph-mon', ['-i', 'a', '-f']);
    await waitFor('the monitor', async () => {
      await run('ceph', ['--connect-timeout', '2', 'mon', 'stat'], Math.min(remaining(), 5_000));
      return true;
    });

    const osdUuid = randomUUID();
    const osdId = (await run('ceph', ['osd', 'new', osdUuid])).trim();
    if (!/^\d+$/.test(osdId)) throw new StartError(`ceph osd new printed ${JSON.stringify(osdId)}, not an OSD id`);
    await run('ceph-osd', ['-i', osdId, '--mkfs', '--osd-uuid', osdUuid]);
    daemon('ceph-osd', 'ceph-osd', ['-i', osdId, '-f']);
    await waitFor('the OSD to be up', async () => {
      const stat = JSON.parse(await run('ceph', ['osd', 'stat', '-f', 'json'], Math.min(remaining(), 5_000))) as { num_up_osds?: number };
      return stat.num_up_osds === 1;
    });

    daemon('radosgw', 'radosgw', ['-n', 'client.rgw.a', '-f']);
    await waitFor('the RADOS Gateway to answer HTTP', () => httpStatus(rgwPort).then((status) => status === 200));

    await run('radosgw-admin', ['user', 'create', '--uid=test', '--display-name=test',
      `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`]);
    startDone = true;
  } catch (error) {
    const tails = logTails();
    await stopDaemons();
    const reason = error instanceof StartError ? error.message : String(error);
    throw new Error(`The S3 test server (Ceph RGW) did not start after ${Date.now() - startedAt} ms: ${reason}${tails}`);
  }

  return makeServer({
    endpoint: `http://127.0.0.1:${rgwPort}`,
    accessKeyId,
    secretAccessKey,
    stop: stopDaemons,
  });
}

function httpStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function makeServer(parts: { endpoint: string; accessKeyId: string; secretAccessKey: string; stop: () => Promise<void> }): S3TestServer {
  let client: S3Client | undefined;
  let stopped: Promise<void> | undefined;
  const server: S3TestServer = {
    endpoint: parts.endpoint,
    region: REGION,
    accessKeyId: parts.accessKeyId,
    secretAccessKey: parts.secretAccessKey,
    async createBucket(prefix = 'test') {
      client ??= createS3Client(server);
      // Bucket names: 3-63 lower-case letters, digits and hyphens, starting with a letter or digit.
      const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 40) || 'test';
      const name = `${clean}-${randomBytes(6).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    stop() {
      stopped ??= (async () => {
        client?.destroy();
        await parts.stop();
      })();
      return stopped;
    },
  };
  return server;
}

/** Reads WHARF_TEST_S3 (`http://ACCESSKEY:SECRET@127.0.0.1:PORT`), or returns null when unset. */
function serverFromEnv(): S3TestServer | null {
  const value = process.env.WHARF_TEST_S3;
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`WHARF_TEST_S3 is not a URL: ${value}`);
  }
  if (!url.username || !url.password) throw new Error('WHARF_TEST_S3 must carry credentials: http://ACCESSKEY:SECRET@HOST:PORT');
  return makeServer({
    endpoint: `${url.protocol}//${url.host}`,
    accessKeyId: decodeURIComponent(url.username),
    secretAccessKey: decodeURIComponent(url.password),
    stop: async () => {},
  });
}

/** The `WHARF_TEST_S3=…` value that points other processes at this server. */
export function s3ServerUrl(server: Pick<S3TestServer, 'endpoint' | 'accessKeyId' | 'secretAccessKey'>): string {
  const url = new URL(server.endpoint);
  return `${url.protocol}//${encodeURIComponent(server.accessKeyId)}:${encodeURIComponent(server.secretAccessKey)}@${url.host}`;
}

let shared: Promise<S3TestServer> | undefined;

/** One server per process, started on first call, stopped at process exit; or the server in WHARF_TEST_S3. */
export async function sharedS3Server(): Promise<S3TestServer> {
  shared ??= (async () => {
    const fromEnv = serverFromEnv();
    if (fromEnv) return fromEnv;
    const server = await startS3Server({ unref: true });
    // stop() would end it for every other user in this process; the 'exit' hook does that instead.
    return { ...server, stop: async () => {} };
  })();
  // A failed start is not cached, so the next caller sees a fresh attempt and its own error.
  shared.catch(() => { shared = undefined; });
  return shared;
}
