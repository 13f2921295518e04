// Starts a real `wharf serve` child process on a free loopback port, so tests talk real HTTP to
// the same binary users run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config/index.js';
import { openBlobStore } from '../../src/storage/index.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
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

/**
 * With WHARF_TEST_S3 set (http://KEY:SECRET@127.0.0.1:PORT, a running S3 server), every data
 * directory keeps its blobs in that server, under a key prefix named after it in one bucket, so
 * a restart on the same directory finds the same blobs: the suites then run against S3.
 */
export async function s3EnvFor(dataDir: string): Promise<Record<string, string>> {
  const server = process.env.WHARF_TEST_S3;
  if (!server) return {};
  const url = new URL(server);
  const env = {
    WHARF_STORAGE: 's3',
    WHARF_S3_BUCKET: 'wharf-test-blobs',
    WHARF_S3_PREFIX: createHash('sha256').update(dataDir).digest('hex').slice(0, 20) + '/',
    WHARF_S3_ENDPOINT: url.origin,
    WHARF_S3_ACCESS_KEY_ID: decodeURIComponent(url.username),
    WHARF_S3_SECRET_ACCESS_KEY: decodeURIComponent(url.password),
  };
  const client = s3ClientFor(env);
  try {
    await client.send(new CreateBucketCommand({ Bucket: env.WHARF_S3_BUCKET }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  } finally {
    client.destroy();
  }
  return env;
}

/** Upload ids the server's blob store holds for `dataDir`, wherever its bytes live. */
export async function storedUploads(dataDir: string): Promise<string[]> {
  const config = loadConfig({ env: await s3EnvFor(dataDir), flags: { dataDir } });
  const { store, close } = await openBlobStore(config);
  try {
    const ids: string[] = [];
    for await (const upload of store.listUploads()) ids.push(upload.id);
    return ids.sort();
  } finally {
    close();
  }
}

/**
 * Every stored object of the server on `dataDir` that may hold blob bytes, by path or key: the
 * files under the data directory but its database, or the objects under its S3 prefix.
 */
export async function storedObjects(dataDir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const env = await s3EnvFor(dataDir);
  if (env.WHARF_S3_BUCKET) {
    const client = s3ClientFor(env);
    try {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: env.WHARF_S3_BUCKET, Prefix: env.WHARF_S3_PREFIX, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const body = await client.send(new GetObjectCommand({ Bucket: env.WHARF_S3_BUCKET, Key: object.Key! }));
          out.set(object.Key!, Buffer.from(await body.Body!.transformToByteArray()));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } finally {
      client.destroy();
    }
    return out;
  }
  for (const entry of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('wharf.db')) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dataDir, path), readFileSync(path));
  }
  return out;
}

/** Digests (`sha256:...`) of the blobs storage holds, from storedObjects (upload segments excluded). */
export async function storedBlobDigests(dataDir: string): Promise<Set<string>> {
  const digests = new Set<string>();
  for (const name of (await storedObjects(dataDir)).keys()) {
    if (name.includes('uploads/')) continue;
    const match = /sha256\/(?:[0-9a-f]{2}\/)?([0-9a-f]{64})$/.exec(name);
    if (match) digests.add(`sha256:${match[1]}`);
  }
  return digests;
}

/** Replaces a stored object (a path or key from storedObjects), as an attacker with disk access could. */
export async function overwriteStored(dataDir: string, name: string, bytes: Buffer): Promise<void> {
  const env = await s3EnvFor(dataDir);
  if (!env.WHARF_S3_BUCKET) {
    writeFileSync(join(dataDir, name), bytes);
    return;
  }
  const client = s3ClientFor(env);
  try {
    await client.send(new PutObjectCommand({ Bucket: env.WHARF_S3_BUCKET, Key: name, Body: bytes }));
  } finally {
    client.destroy();
  }
}

function s3ClientFor(env: Record<string, string>): S3Client {
  return new S3Client({
    endpoint: env.WHARF_S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.WHARF_S3_ACCESS_KEY_ID!, secretAccessKey: env.WHARF_S3_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Runs the `wharf` command line on the metadata and storage of the server on `dataDir` (the same
 * database and bucket when the suites run on PostgreSQL and S3). Resolves with its exit code and output.
 */
export async function runWharf(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const database = await postgresFor(dataDir);
  const command = [MAIN_JS, ...args, '--data-dir', dataDir, ...(database ? ['--database', database] : [])];
  const child = spawn(process.execPath, command, { env: { ...process.env, ...(await s3EnvFor(dataDir)), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
  return { code, stdout, stderr };
}

export async function startWharf(options: StartOptions = {}): Promise<WharfProcess> {
  const dataDir = options.dataDir ?? makeTempDir();
  const args = [MAIN_JS, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  const database = await postgresFor(dataDir);
  if (database) args.push('--database', database);
  const storageEnv = await s3EnvFor(dataDir);
  if (options.anonymous ?? true) args.push('--anonymous');
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, WHARF_LOG_LEVEL: 'info', ...storageEnv, ...options.env },
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
