// Shared pieces of the identity-and-access end-to-end tests (iam-awscli.test.ts, iam-sdk.test.ts):
// an authenticated Wharf, its administrator key, the AWS CLI run hermetically against it, policy
// documents, login-token decoding and a tiny /v2/ client over fetch.
//
// Everything talks to 127.0.0.1 only. The AWS CLI never reads the machine's ~/.aws (config and
// credentials files point at paths that do not exist, or at a private config written here) and
// never asks an instance metadata service for credentials.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { readAdminCredentials, type AdminCredentials, type Credentials } from '../helpers/credentials.js';
import { sha256Digest } from '../helpers/oci-layout.js';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import { describeRun, run, type RunResult } from './client-tools.js';

export const AWS_CLI = '/usr/bin/aws';
export const HAVE_AWS_CLI = existsSync(AWS_CLI);
export const REGION = 'us-east-1';

// ---- the server and its administrator ------------------------------------------------------

export { readAdminCredentials, type AdminCredentials, type Credentials };

export interface IamServer {
  server: WharfProcess;
  admin: AdminCredentials;
}

/** `wharf serve` with authentication on, plus its administrator key. */
export async function startIamWharf(extraArgs: string[] = []): Promise<IamServer> {
  const server = await startWharf({ anonymous: false, extraArgs });
  try {
    return { server, admin: await readAdminCredentials(server.dataDir) };
  } catch (error) {
    await server.dispose();
    throw error;
  }
}

export function serverLogTail(server: WharfProcess | undefined, chars = 3000): string {
  return server ? `wharf log (tail):\n${server.output().slice(-chars)}` : '';
}

// ---- policies --------------------------------------------------------------------------------

/**
 * What a CI pusher needs. ecr:CreateRepository because, as on ECR with a creation template for
 * CREATE_ON_PUSH, a push to a repository that does not exist yet creates it only for a caller
 * allowed to create it (Wharf starts with a ROOT template, so every first push is such a push).
 */
export const PUSH_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:CreateRepository',
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
];

export const PULL_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchCheckLayerAvailability',
];

export interface StatementInput {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function policyDocument(...statements: StatementInput[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** An identity policy allowing `actions` on every resource. */
export function allowPolicy(actions: string[], resource: string | string[] = '*'): string {
  return policyDocument({ Effect: 'Allow', Action: actions, Resource: resource });
}

/** A repository policy that makes a repository publicly pullable (anonymous callers included). */
export const PUBLIC_PULL_POLICY = policyDocument({
  Sid: 'PublicPull',
  Effect: 'Allow',
  Principal: '*',
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
});

/** A role trust policy letting `principalArn` (a user ARN, or the account root) assume the role. */
export function trustPolicy(principalArn: string): string {
  return policyDocument({ Effect: 'Allow', Principal: { AWS: principalArn }, Action: 'sts:AssumeRole' } as StatementInput);
}

// ---- login tokens ----------------------------------------------------------------------------

/** `authorizationToken` is base64("AWS:<password>"). */
export function decodeAuthorizationToken(authorizationToken: string): { username: string; password: string } {
  const decoded = Buffer.from(authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  assert.ok(colon > 0, `authorization token does not decode to user:password: ${decoded.slice(0, 40)}`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token with one character in the middle replaced by another character of the same alphabet. */
export function tamper(token: string, at = Math.floor(token.length / 2)): string {
  let i = at;
  while (i < token.length && !/[A-Za-z0-9]/.test(token[i]!)) i++;
  assert.ok(i < token.length, 'nothing to tamper with');
  const replacement = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + replacement + token.slice(i + 1);
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

// ---- the AWS CLI -----------------------------------------------------------------------------

export interface AwsCli {
  /** The environment the CLI runs with as `creds` (for pipelines run through a shell). */
  env(creds: Credentials | null): NodeJS.ProcessEnv;
  /** `aws` and the arguments every call starts with (endpoint, output format). */
  argv: string[];
  /** Runs `aws --endpoint-url URL ARGS...` as `creds` (none: unsigned). */
  run(creds: Credentials | null, args: string[], options?: { input?: string }): Promise<RunResult>;
  /** Like run, asserting success and parsing the JSON it prints. */
  json<T = Record<string, unknown>>(creds: Credentials | null, args: string[]): Promise<T>;
  /** Asserts that the command fails with AWS error `code` ("An error occurred (CODE) ..."). */
  fails(creds: Credentials | null, args: string[], code: string): Promise<RunResult>;
  /** `aws ecr get-login-password` */
  loginPassword(creds: Credentials): Promise<string>;
}

/**
 * The AWS CLI pointed at `server`, with a private configuration:
 *  - credentials only from the environment (AWS_SHARED_CREDENTIALS_FILE points nowhere);
 *  - AWS_CONFIG_FILE is a file written here that says only `parameter_validation = false`, so the
 *    CLI sends values below the AWS model's minimums (sts assume-role --duration-seconds 5 against
 *    a server started with --sts-min-session-seconds 1); the server does the validating;
 *  - no instance metadata lookups, no pager, no retries.
 */
export function makeAwsCli(server: WharfProcess, workDir: string): AwsCli {
  const configFile = join(workDir, 'aws-config');
  writeFileSync(configFile, '[default]\nparameter_validation = false\n');
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: workDir,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-such-credentials-file'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_DEFAULT_OUTPUT: 'json',
  };
  const envFor = (creds: Credentials | null): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...baseEnv };
    if (creds) {
      env['AWS_ACCESS_KEY_ID'] = creds.accessKeyId;
      env['AWS_SECRET_ACCESS_KEY'] = creds.secretAccessKey;
      if (creds.sessionToken) env['AWS_SESSION_TOKEN'] = creds.sessionToken;
    }
    return env;
  };
  const argv = [AWS_CLI, '--endpoint-url', server.url, '--output', 'json'];
  const runCli = (creds: Credentials | null, args: string[], options: { input?: string } = {}) => {
    const extra = creds ? [] : ['--no-sign-request'];
    return run(argv[0]!, [...argv.slice(1), ...extra, ...args], {
      env: envFor(creds),
      timeoutMs: 30_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
  };
  const cli: AwsCli = {
    env: envFor,
    argv,
    run: runCli,
    json: async <T>(creds: Credentials | null, args: string[]) => {
      const result = await runCli(creds, args);
      assert.equal(result.code, 0, describeRun(result, serverLogTail(server)));
      const text = result.stdout.trim();
      return (text === '' ? {} : JSON.parse(text)) as T;
    },
    fails: async (creds, args, code) => {
      const result = await runCli(creds, args);
      const detail = describeRun(result, serverLogTail(server));
      assert.notEqual(result.code, 0, `expected ${code}\n${detail}`);
      const match = /An error occurred \(([^)]+)\)/.exec(result.stderr);
      assert.equal(match?.[1], code, `AWS error code\n${detail}`);
      return result;
    },
    loginPassword: async (creds) => {
      const result = await runCli(creds, ['ecr', 'get-login-password']);
      assert.equal(result.code, 0, describeRun(result, serverLogTail(server)));
      const password = result.stdout.trim();
      assert.ok(password.length > 20, `get-login-password printed ${JSON.stringify(password)}`);
      return password;
    },
  };
  return cli;
}

// ---- /v2/ over fetch ---------------------------------------------------------------------------

export interface V2Response {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The OCI error codes in the body, if any. */
  errorCodes: string[];
}

async function toV2Response(response: Response): Promise<V2Response> {
  const body = Buffer.from(await response.arrayBuffer());
  let errorCodes: string[] = [];
  if (response.status >= 400 && body.length > 0) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string }> };
      errorCodes = (parsed.errors ?? []).map((e) => String(e.code));
    } catch {
      // not JSON
    }
  }
  return { status: response.status, headers: response.headers, body, errorCodes };
}

export async function v2(
  server: WharfProcess,
  method: string,
  path: string,
  authorization?: string,
  options: { body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<V2Response> {
  const url = path.startsWith('http') ? path : `${server.url}${path}`;
  const headers: Record<string, string> = { ...options.headers };
  if (authorization !== undefined) headers['authorization'] = authorization;
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    redirect: 'manual',
  });
  return toV2Response(response);
}

export function describeV2(what: string, response: V2Response, server?: WharfProcess): string {
  return `${what}: HTTP ${response.status} ${response.body.toString('utf8').slice(0, 500)}\n${serverLogTail(server, 1500)}`;
}

export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface PushedImage {
  manifest: Buffer;
  manifestDigest: string;
  layerDigest: string;
  configDigest: string;
}

/** A one-layer OCI image, pushed blob by blob (POST + PUT) and then its manifest. */
export async function pushSmallImage(
  server: WharfProcess,
  repository: string,
  tag: string,
  authorization: string,
  salt: string,
): Promise<{ image?: PushedImage; responses: V2Response[] }> {
  const layer = Buffer.from(`layer ${salt}\n`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, salt }));
  const responses: V2Response[] = [];
  for (const blob of [layer, config]) {
    const started = await v2(server, 'POST', `/v2/${repository}/blobs/uploads/`, authorization);
    responses.push(started);
    if (started.status !== 202) return { responses };
    const location = started.headers.get('location')!;
    const url = new URL(location, server.url);
    url.searchParams.set('digest', sha256Digest(blob));
    const put = await v2(server, 'PUT', url.toString(), authorization, {
      body: blob,
      headers: { 'content-type': 'application/octet-stream' },
    });
    responses.push(put);
    if (put.status !== 201) return { responses };
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  const putManifest = await v2(server, 'PUT', `/v2/${repository}/manifests/${tag}`, authorization, {
    body: manifest,
    headers: { 'content-type': MEDIA_TYPE_OCI_MANIFEST },
  });
  responses.push(putManifest);
  if (putManifest.status !== 201) return { responses };
  return {
    image: { manifest, manifestDigest: sha256Digest(manifest), layerDigest: sha256Digest(layer), configDigest: sha256Digest(config) },
    responses,
  };
}
