// A real PostgreSQL server for tests: Debian's binaries, a cluster made with initdb in a temporary
// directory, on a free loopback port, stopped at process exit. Or the server in
// WHARF_TEST_POSTGRES (postgres://user@host:port), when the CI script already runs one.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

let shared: Promise<string> | null = null;

function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  if (!newest) throw new Error('no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)');
  return join('/usr/lib/postgresql', newest, 'bin');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** initdb refuses to run as root, so PostgreSQL's tools run as the postgres user. */
function asPostgres(command: string, args: string[]): void {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
}

async function startCluster(): Promise<string> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-pg-'));
  execFileSync('chown', ['postgres', dir]);
  const port = await freePort();
  asPostgres(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
  asPostgres(join(bin, 'pg_ctl'), [
    '-D', join(dir, 'data'), '-w', '-l', join(dir, 'log'),
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
    'start',
  ]);
  process.once('exit', () => {
    spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });
  return `postgres://postgres@127.0.0.1:${port}`;
}

/** The server URL (without a database name); one per test process. */
export function sharedPostgres(): Promise<string> {
  shared ??= process.env.WHARF_TEST_POSTGRES ? Promise.resolve(process.env.WHARF_TEST_POSTGRES) : startCluster();
  return shared;
}

/** A new, empty database on the shared server; returns its URL. */
export async function freshDatabase(): Promise<string> {
  const server = await sharedPostgres();
  const name = 'wharf_' + randomUUID().replace(/-/g, '').slice(0, 20);
  const client = new pg.Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `${server}/${name}`;
}

