// The Wharf deployments the scale-out and encryption tables compare. All run at once, so their
// measurements can take turns like the main table's:
//
//   single      one node on SQLite + the filesystem (the default)
//   single-enc  the same with --encrypt-at-rest
//   s3-1        one node on PostgreSQL + S3: the first node of s3-2, the second one idle
//   s3-2        two nodes sharing one PostgreSQL database and one S3 bucket
//   s3-2-enc    two more such nodes with --encrypt-at-rest, on a database and bucket of their own
//
// S3 is a Ceph RGW on a memstore OSD (test/helpers/s3-server.ts) and PostgreSQL a private cluster
// (test/helpers/postgres-server.ts), both on loopback, one of each for all S3 deployments.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { freshDatabase, sharedPostgres } from '../test/helpers/postgres-server.js';
import { createS3Client, startS3Server, type S3TestServer } from '../test/helpers/s3-server.js';
import { RegistryClient } from './registry-client.js';
import { startWharf, stopWithServers, type ServerProcess, type Watched } from './servers.js';
import type { BenchContext } from './workloads.js';

export type DeploymentKey = 'single' | 'single-enc' | 's3-1' | 's3-2' | 's3-2-enc';

export interface WharfNode {
  client: RegistryClient;
  server: ServerProcess;
}

export interface LiveDeployment {
  key: DeploymentKey;
  nodes: WharfNode[];
  /** The nodes and the services under them: the first one gone explains a failed measurement. */
  watch: Watched;
  /**
   * Pushes to deployments with the same blob set upload the same files. Deployments sharing a
   * registry (s3-1 and s3-2) need different sets: a digest the registry already holds could be
   * skipped, or be cheaper to commit, the second time.
   */
  blobSet: string;
  /** How many blob objects the store holds in encrypted form; undefined when not encrypting. */
  countEncrypted?: () => Promise<number>;
}

/** A deployment that could not be started still gets its columns, filled with the reason. */
export type Deployment = LiveDeployment | { key: DeploymentKey; unavailable: string };

export interface Deployments {
  all: Deployment[];
  get(key: DeploymentKey): Deployment;
  /** Every node, then the S3 server; the run's cleanup does the same if this is never reached. */
  stop(): Promise<void>;
}

const REGISTRY_ID = '123456789012';
const S3_PREFIX = 'bench/';
/** Under each store's root; see src/server/blob-stores.ts. */
const ENCRYPTED_DIRECTORY = 'encrypted';

export async function startDeployments(ctx: BenchContext, wharfMain: string, scratch: string): Promise<Deployments> {
  const launcher = new NodeLauncher(ctx, wharfMain, scratch);
  let services: SharedServices | undefined;
  const stop = async () => {
    await launcher.stopAll();
    await services?.stop();
  };
  const attempt = async (key: DeploymentKey, start: () => Promise<LiveDeployment>): Promise<Deployment> => {
    try {
      return await start();
    } catch (err) {
      ctx.log(`${key}: ${(err as Error).message}`);
      return { key, unavailable: (err as Error).message };
    }
  };
  try {
    // Both single nodes start while RGW and PostgreSQL do, and then both clusters at once: start-up
    // is otherwise a quarter of a --quick section.
    const [singles, started] = await Promise.all([
      Promise.all([attempt('single', () => startSingle(launcher, 'single', false)), attempt('single-enc', () => startSingle(launcher, 'single-enc', true))]),
      startServices(ctx),
    ]);
    const deployments: Deployment[] = [...singles];
    if (typeof started === 'string') {
      for (const key of ['s3-1', 's3-2', 's3-2-enc'] as const) deployments.push({ key, unavailable: started });
    } else {
      services = started;
      const [plain, encrypted] = await Promise.all([
        attempt('s3-2', () => startCluster(launcher, started, 's3', false)),
        attempt('s3-2-enc', () => startCluster(launcher, started, 's3-enc', true)),
      ]);
      deployments.push(firstNodeOf(plain, started), plain, encrypted);
    }
    return { all: deployments, get: (key) => deployments.find((deployment) => deployment.key === key)!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts nodes, each with a data directory of its own, and remembers them for stopAll(). */
class NodeLauncher {
  private readonly nodes: WharfNode[] = [];

  constructor(
    private readonly ctx: BenchContext,
    private readonly wharfMain: string,
    private readonly scratch: string,
  ) {}

  dataDir(name: string): string {
    return join(this.scratch, `scale-${name}`);
  }

  async start(name: string, options: { extraArgs?: string[]; env?: Record<string, string> } = {}): Promise<WharfNode> {
    const dataDir = this.dataDir(name);
    mkdirSync(dataDir, { recursive: true });
    const server = await startWharf({ mainJs: this.wharfMain, dataDir, name: `wharf ${name}`, ...options });
    this.ctx.log(`${server.name} listening on ${server.url} (pid ${server.pid})`);
    const node = { client: new RegistryClient(server.url), server };
    this.nodes.push(node);
    return node;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.server.stop()));
  }
}

async function startSingle(launcher: NodeLauncher, key: 'single' | 'single-enc', encrypt: boolean): Promise<LiveDeployment> {
  const node = await launcher.start(key, encrypt ? { extraArgs: ['--encrypt-at-rest'] } : {});
  const encryptedDirectory = join(launcher.dataDir(key), ENCRYPTED_DIRECTORY);
  return {
    key,
    nodes: [node],
    watch: node.server,
    blobSet: 'a',
    ...(encrypt ? { countEncrypted: () => Promise.resolve(countFiles(encryptedDirectory)) } : {}),
  };
}

/** The S3 server and PostgreSQL under every S3 deployment. */
interface SharedServices {
  s3: S3TestServer;
  /** Says when an S3 daemon died: every later S3 request fails, and this is why. */
  watch: Watched;
  stop(): Promise<void>;
}

/** The services, or why they did not start (the S3 deployments then get that as their cells). */
async function startServices(ctx: BenchContext): Promise<SharedServices | string> {
  let daemonGone: string | undefined;
  const [s3, postgres] = await Promise.allSettled([
    startS3Server({
      onDaemonExit: (name, code, signal) => {
        daemonGone = `the S3 server's ${name} exited on its own (code ${code}, signal ${signal})`;
        ctx.log(daemonGone);
      },
    }),
    // Stopped by the helper's exit hook, which every way out of the benchmark passes.
    sharedPostgres(),
  ]);
  if (s3.status === 'rejected' || postgres.status === 'rejected') {
    if (s3.status === 'fulfilled') await s3.value.stop(); // idle, it would still take CPU from every later row
    const reason = [s3, postgres].map((result) => (result.status === 'rejected' ? (result.reason as Error).message : '')).filter(Boolean).join('\n');
    ctx.log(`S3 deployments unavailable: ${reason}`);
    return reason;
  }
  const server = s3.value;
  // Registered so an interrupted or failed run stops it with the servers.
  const unregister = stopWithServers(() => server.stop());
  ctx.log(`S3 (Ceph RGW) on ${server.endpoint}, PostgreSQL on ${postgres.value}`);
  return {
    s3: server,
    watch: { deathNotice: () => daemonGone },
    stop: async () => {
      await server.stop();
      unregister();
    },
  };
}

/**
 * Two nodes on a database and bucket of their own, with the keys every node of one registry must
 * share. The first node starts alone: it creates the schema and settings the second one finds.
 */
async function startCluster(launcher: NodeLauncher, services: SharedServices, name: string, encrypt: boolean): Promise<LiveDeployment> {
  const { s3 } = services;
  const [database, bucket] = await Promise.all([freshDatabase(), s3.createBucket(`bench-${name}`)]);
  const options = {
    extraArgs: ['--database', database, '--registry-id', REGISTRY_ID, ...(encrypt ? ['--encrypt-at-rest'] : [])],
    env: {
      WHARF_STORAGE: 's3',
      WHARF_S3_BUCKET: bucket,
      WHARF_S3_PREFIX: S3_PREFIX,
      WHARF_S3_ENDPOINT: s3.endpoint,
      WHARF_S3_ACCESS_KEY_ID: s3.accessKeyId,
      WHARF_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      WHARF_MASTER_KEY: randomBytes(32).toString('base64'),
      WHARF_ENCRYPTION_KEYS: JSON.stringify({ keys: { 'aws/ecr': [randomBytes(32).toString('base64')] } }),
    },
  };
  const nodes = [await launcher.start(`${name}-1`, options)];
  nodes.push(await launcher.start(`${name}-2`, options));
  return {
    key: encrypt ? 's3-2-enc' : 's3-2',
    nodes,
    watch: watchGroup(nodes, services.watch),
    // s3-1 pushes set 'a' into this same registry (see blobSet).
    blobSet: encrypt ? 'a' : 'b',
    ...(encrypt ? { countEncrypted: () => countObjects(s3, bucket, `${S3_PREFIX}${ENCRYPTED_DIRECTORY}/`) } : {}),
  };
}

/** s3-1: the first node of s3-2 on its own (same registry, so it pushes a different blob set). */
function firstNodeOf(cluster: Deployment, services: SharedServices): Deployment {
  if ('unavailable' in cluster) return { key: 's3-1', unavailable: cluster.unavailable };
  const nodes = cluster.nodes.slice(0, 1);
  return { key: 's3-1', nodes, watch: watchGroup(nodes, services.watch), blobSet: 'a' };
}

function watchGroup(nodes: WharfNode[], services: Watched): Watched {
  return {
    deathNotice: () => {
      const notices = [services.deathNotice(), ...nodes.map((node) => node.server.deathNotice())].filter((notice) => notice !== undefined);
      return notices.length > 0 ? notices.join('\n') : undefined;
    },
  };
}

function countFiles(directory: string): number {
  try {
    return readdirSync(directory, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
  } catch {
    return 0; // no such directory: nothing stored encrypted
  }
}

/** Up to 1,000 keys under `prefix`: enough to tell "some" from "none". */
async function countObjects(s3: S3TestServer, bucket: string, prefix: string): Promise<number> {
  const client = createS3Client(s3);
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return listed.KeyCount ?? listed.Contents?.length ?? 0;
  } finally {
    client.destroy();
  }
}
