// Configuration: documented defaults, overridden by a YAML/JSON file, then WHARF_* environment
// variables, then command-line flags. Every key has the same name in all three places
// (camelCase in the file, WHARF_SNAKE_CASE in the environment, --kebab-case on the command line).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration.js';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const ms = parseDuration(v);
    if (!(ms > 0)) throw new Error('duration must be positive');
    return ms;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be true or false' })
  .transform((v) => v === true || v === 'true' || v === '1');
const int = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number')])
    .transform(Number)
    .pipe(z.number().int('must be a whole number').min(min).max(max));

export const ConfigSchema = z.object({
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'listen must be HOST:PORT')
    .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'listen port must be at most 65535')
    .default('127.0.0.1:5000'),
  dataDir: z.string().default('./data'),
  /** SQLite in dataDir when absent; `postgres://...` selects PostgreSQL (scale-out). */
  database: z.string().optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like us-east-1').default('us-east-1'),
  /** 12 digits; generated once and kept in the database when absent. */
  registryId: z.string().regex(/^\d{12}$/).optional(),
  /** Serve without authentication. Off unless asked for. */
  anonymous: bool.default(false),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  tlsSelfSigned: bool.default(false),
  /** Upload sessions idle this long are removed with their bytes. */
  uploadTtl: duration.default(24 * 3_600_000),
  /** fsync blobs and use SQLite synchronous=FULL, so acknowledged pushes survive power loss. */
  fsync: bool.default(true),
  maxManifestBytes: int(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  manifestCacheEntries: int(0, 10_000_000).default(10_000),
  /** On first start, add a ROOT creation template so pushes create repositories (OCI clients expect it). */
  createOnPush: bool.default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Worker processes sharing the listening socket and the data directory. */
  workers: int(1, 64).default(1),
  shutdownTimeout: duration.default(30_000),
  /**
   * How long a node's claim on a background job lasts without renewal (renewed every third of it
   * while the job runs): a job of a node that died is taken over by another this much later.
   */
  jobLease: duration.default(60_000),
  /** How often every repository's lifecycle policy runs (ECR acts within 24 hours). */
  lifecycleInterval: duration.default(24 * 3_600_000),
  /** How often online garbage collection runs on the servers (`wharf gc` runs it on demand). */
  gcInterval: duration.default(24 * 3_600_000),
  /**
   * Links to blobs younger than this are never collected: it covers a push whose layers are
   * uploaded but whose manifest has not arrived yet.
   */
  gcGrace: duration.default(3_600_000),
  /** When set, garbage collection also deletes untagged images pushed longer ago than this. */
  gcUntaggedAfter: duration.optional(),
  /** Run image scans in this server (off when `wharf scan-worker` processes do it). */
  scanJobs: bool.default(true),
  /** Caps on what one scan reads, so a hostile image cannot exhaust the scanner (defaults: 8 GiB, 2M entries, 256 MiB). */
  scanMaxDecompressedBytes: int(1, Number.MAX_SAFE_INTEGER).default(8 * 1024 ** 3),
  scanMaxEntries: int(1, Number.MAX_SAFE_INTEGER).default(2_000_000),
  scanMaxFileBytes: int(1, Number.MAX_SAFE_INTEGER).default(256 * 1024 ** 2),
  /** Attach each scanned image's package inventory as CycloneDX and SPDX referrers. */
  scanSbomReferrers: bool.default(true),
  /** Shortest sts:AssumeRole session (AWS: 900 s); lower it only for tests. */
  stsMinSessionSeconds: int(1, 43200).default(900),
  /** Failed authentications allowed per source address per minute before it is refused. */
  authFailureLimit: int(1, 1_000_000).default(30),
  /** Where blob bytes live: `filesystem` under dataDir, or `s3` (shared by several nodes). */
  storage: z.enum(['filesystem', 's3']).default('filesystem'),
  s3Bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 's3Bucket must be a valid bucket name').optional(),
  /** Key prefix inside the bucket, so one bucket can hold several registries. */
  s3Prefix: z
    .string()
    .regex(/^([A-Za-z0-9!_.*'()-]+\/)*[A-Za-z0-9!_.*'()-]*$/, 's3Prefix must be a plain key prefix')
    .refine((v) => !v.split('/').some((part) => part === '.' || part === '..'), 's3Prefix must not hold . or .. segments')
    .default(''),
  /** A non-AWS server (Ceph RGW, MinIO, ...); unset means AWS. */
  s3Endpoint: z.string().url().optional(),
  /** Defaults to `region`. */
  s3Region: z.string().optional(),
  s3ForcePathStyle: bool.optional(),
  /** Else the AWS SDK's default chain (environment, web identity, instance profile). */
  s3AccessKeyId: z.string().optional(),
  s3SecretAccessKey: z.string().optional(),
  /** Server-side encryption the object store applies to everything Wharf writes. */
  s3Sse: z.enum(['none', 'AES256', 'aws:kms']).default('none'),
  s3SseKmsKeyId: z.string().optional(),
  /**
   * Encrypt the blobs of repositories created with ECR's default AES256 configuration under the
   * registry key (aws/ecr). Off, they are stored as pushed (rely on disk encryption or s3Sse), which
   * keeps blob transfers at full speed and allows blobRedirect. KMS repositories are always
   * encrypted, under their own key.
   */
  encryptAtRest: bool.default(false),
  /** Answer blob GETs with a redirect to a short-lived presigned URL, so bytes bypass the node (s3 only). */
  blobRedirect: bool.default(false),
  blobRedirectTtl: duration.default(300_000),
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated). */
  trustedProxies: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
    .default([]),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as (keyof Config)[];

function envName(key: string): string {
  return 'WHARF_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

export function configFromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof Config, string>> {
  const out: Partial<Record<keyof Config, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export function configFromFile(path: string): Record<string, unknown> {
  const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: expected a mapping of settings`);
  const unknown = Object.keys(parsed).filter((k) => !(CONFIG_KEYS as string[]).includes(k));
  if (unknown.length) throw new Error(`${path}: unknown setting(s) ${unknown.join(', ')}`);
  return parsed as Record<string, unknown>;
}

export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Record<string, unknown> }): Config {
  const merged = {
    ...(options.file ? configFromFile(options.file) : {}),
    ...configFromEnv(options.env ?? process.env),
    ...Object.fromEntries(Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined)),
  };
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = result.data;
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw new Error('tlsCert and tlsKey must be given together');
  if (config.storage === 's3' && !config.s3Bucket) throw new Error('storage s3 needs s3Bucket');
  if ((config.s3AccessKeyId === undefined) !== (config.s3SecretAccessKey === undefined)) throw new Error('s3AccessKeyId and s3SecretAccessKey must be given together');
  if (config.blobRedirect && config.storage !== 's3') throw new Error('blobRedirect needs storage s3');
  return { ...config, dataDir: resolve(config.dataDir) };
}

export { envName, parseDuration };
