// Starts a real `wharf serve` child process on a free loopback port, so tests talk real HTTP to
// the same binary users run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');

export interface WharfProcess {
  url: string;
  host: string; // host:port, as registry clients want it
  dataDir: string;
  child: ChildProcess;
  /** Logs the server wrote so far (stdout + stderr). */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Stop and remove the data directory (unless keepData). */
  dispose(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  /** Run without authentication (the explicit `--anonymous` switch). Default true for tests. */
  anonymous?: boolean;
  extraArgs?: string[];
  env?: Record<string, string>;
  keepData?: boolean;
}

export function makeTempDir(prefix = 'wharf-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * With WHARF_TEST_POSTGRES set (a server URL such as postgres://postgres@127.0.0.1:55432), every
 * data directory gets its own PostgreSQL database, named after it so a restart on the same
 * directory finds the same metadata: the suites then run against PostgreSQL instead of SQLite.
 */
export async function postgresFor(dataDir: string): Promise<string | null> {
  const server = process.env.WHARF_TEST_POSTGRES;
  if (!server) return null;
  const name = 'wharf_' + createHash('sha256').update(dataDir).digest('hex').slice(0, 20);
  const client = new pg.Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // 42P04: it exists already
  } finally {
    await client.end();
  }
  return `${server}/${name}`;
}

export async function startWharf(options: StartOptions = {}): Promise<WharfProcess> {
  const dataDir = options.dataDir ?? makeTempDir();
  const args = [MAIN_JS, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  const database = await postgresFor(dataDir);
  if (database) args.push('--database', database);
  if (options.anonymous ?? true) args.push('--anonymous');
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, WHARF_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wharf did not start:\n${out}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
            return;
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wharf exited with ${code} before listening:\n${out}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    return exited;
  };
  return {
    url,
    host: new URL(url).host,
    dataDir,
    child,
    output: () => out,
    stop,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    dispose: async () => {
      await stop();
      if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
