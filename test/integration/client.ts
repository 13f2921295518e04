// Small OCI Distribution client used by the integration tests. It talks plain HTTP (global fetch,
// or node:http for requests fetch would rewrite) to a Wharf child process started by
// test/helpers/server.ts, and records protocol-wide invariants (API version header, no 5xx)
// so that every test file can assert them once at the end.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  empty: 'application/vnd.oci.empty.v1+json',
} as const;

export const API_VERSION_HEADER = 'docker-distribution-api-version';
export const API_VERSION = 'registry/2.0';

/** The 2-byte `{}` blob used as config of artifacts (OCI image-spec "empty descriptor"). */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export type Body = Buffer | Uint8Array | string;

export function sha256(data: Body): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function sha512(data: Body): string {
  return `sha512:${createHash('sha512').update(data).digest('hex')}`;
}

export function digestOf(data: Body, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return algorithm === 'sha256' ? sha256(data) : sha512(data);
}

export function randomBlob(size: number): Buffer {
  return randomBytes(size);
}

/** A syntactically valid digest that no test ever pushes. */
export function randomDigest(): string {
  return sha256(randomBytes(32));
}

let nameCounter = 0;
/** A fresh, valid repository name component (lowercase alphanumerics and dashes). */
export function uniqueName(prefix = 'repo'): string {
  nameCounter += 1;
  return `${prefix}-${nameCounter}-${randomBytes(4).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Invariant recording

export interface Violation {
  request: string;
  problem: string;
}

/** Problems seen on any response in this process (missing API version header, 5xx). */
export const violations: Violation[] = [];

const STACK_TRACE = /\n\s+at \S.*[:(]\d+:\d+\)?|node:internal|\bat [\w.<>]+ \(\/|[\w/-]+\.(?:ts|js):\d+:\d+/;

// ---------------------------------------------------------------------------------------------
// Responses

export interface Res {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  body: Buffer;
  text(): string;
  json(): any;
  header(name: string): string | null;
  /** A one-line description for assertion messages. */
  describe(): string;
}

function makeRes(method: string, url: string, status: number, headers: Headers, body: Buffer, literalPath?: string): Res {
  const res: Res = {
    method,
    url,
    status,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: () => {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (err) {
        assert.fail(`${res.describe()}: body is not JSON (${(err as Error).message})`);
      }
    },
    header: (name: string) => headers.get(name),
    describe: () => {
      const u = new URL(url);
      const shown = literalPath ?? `${u.pathname}${u.search}`;
      const snippet = body.length ? ` body=${body.toString('utf8', 0, Math.min(body.length, 400)).replace(/\s+/g, ' ')}` : '';
      return `${method} ${shown} -> ${status}${snippet}`;
    },
  };
  return res;
}

function isV2(path: string): boolean {
  return path === '/v2' || path.startsWith('/v2/');
}

function recordInvariants(res: Res): void {
  const path = new URL(res.url).pathname;
  if (isV2(path)) {
    const v = res.header(API_VERSION_HEADER);
    if (v !== API_VERSION) {
      violations.push({ request: `${res.method} ${path}`, problem: `${API_VERSION_HEADER}=${JSON.stringify(v)} (status ${res.status})` });
    }
  }
  if (res.status >= 500) {
    violations.push({ request: `${res.method} ${path}`, problem: `status ${res.status}: ${res.text().slice(0, 300)}` });
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Body | ReadableStream<Uint8Array>;
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Error codes of the distribution-spec table, plus the legacy codes the spec mentions clients may
 *  see (TAG_INVALID, MANIFEST_UNVERIFIED) and the Docker pagination code. */
export const KNOWN_CODES = [
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID', 'MANIFEST_UNKNOWN', 'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED',
  'DENIED', 'UNSUPPORTED', 'TOOMANYREQUESTS', 'TAG_INVALID', 'MANIFEST_UNVERIFIED', 'PAGINATION_NUMBER_INVALID',
];

/** Asserts a registry error response: status, JSON content type, `{errors:[{code,message,detail?}]}`,
 *  one of the allowed codes ('*' = any distribution-spec code), and no leaked stack trace. Returns the parsed errors. */
export function expectError(res: Res, status: number | number[], codes: string | string[]): { code: string; message?: string; detail?: unknown }[] {
  const statuses = Array.isArray(status) ? status : [status];
  const allowed = Array.isArray(codes) ? codes : [codes];
  assert.ok(statuses.includes(res.status), `expected status ${statuses.join('/')} with ${allowed.join('/')}, got ${res.describe()}`);
  if (res.method === 'HEAD') {
    assert.equal(res.body.length, 0, `${res.describe()}: HEAD response must not have a body`);
    return [];
  }
  const ct = res.header('content-type') ?? '';
  assert.match(ct, /^application\/json(\s*;.*)?$/i, `${res.describe()}: error Content-Type is ${JSON.stringify(ct)}`);
  assert.doesNotMatch(res.text(), STACK_TRACE, `${res.describe()}: error body leaks a stack trace`);
  const body = res.json();
  assert.ok(body && typeof body === 'object' && Array.isArray(body.errors) && body.errors.length > 0,
    `${res.describe()}: error body must be {"errors":[...]}`);
  for (const e of body.errors) {
    assert.equal(typeof e.code, 'string', `${res.describe()}: error without string code`);
    assert.match(e.code, /^[A-Z_]+$/, `${res.describe()}: code must be uppercase letters/underscores`);
    if (e.message !== undefined) assert.equal(typeof e.message, 'string', `${res.describe()}: message must be a string`);
  }
  const got = body.errors.map((e: { code: string }) => e.code);
  if (allowed.includes('*')) {
    assert.ok(got.every((c: string) => KNOWN_CODES.includes(c)),
      `${res.describe()}: error code(s) ${got.join(',')} not among the distribution-spec error codes`);
    return body.errors;
  }
  assert.ok(got.some((c: string) => allowed.includes(c)), `${res.describe()}: expected error code ${allowed.join(' or ')}, got ${got.join(',')}`);
  return body.errors;
}

export function expectStatus(res: Res, status: number): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.describe()}`);
}

export function expectHeader(res: Res, name: string, value: string | RegExp): void {
  const got = res.header(name);
  if (typeof value === 'string') assert.equal(got, value, `${res.describe()}: header ${name}`);
  else assert.match(got ?? '', value, `${res.describe()}: header ${name}=${JSON.stringify(got)}`);
}

/** Asserts there were no invariant violations so far; meant to be the last test of a file. */
export function assertNoViolations(): void {
  assert.deepEqual(violations, [], `protocol invariants violated:\n${violations.map((v) => `  ${v.request}: ${v.problem}`).join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// Client

export interface UploadSession {
  /** Absolute upload URL from the most recent Location header. */
  location: string;
  uuid: string;
}

export class Registry {
  constructor(readonly base: string, readonly authorization?: string) {}

  withAuth(authorization: string | undefined): Registry {
    return new Registry(this.base, authorization);
  }

  url(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.base).href;
  }

  async request(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<Res> {
    const url = this.url(pathOrUrl);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (this.authorization && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      headers.authorization = this.authorization;
    }
    const init: RequestInit = { method, headers, redirect: 'manual' };
    if (options.body !== undefined) {
      init.body = options.body as NonNullable<RequestInit['body']>;
      if (options.body instanceof ReadableStream) init.duplex = 'half';
    }
    const response = await fetch(url, init);
    const body = Buffer.from(await response.arrayBuffer());
    const res = makeRes(method, url, response.status, response.headers, body);
    recordInvariants(res);
    return res;
  }

  get(path: string, headers?: Record<string, string>): Promise<Res> {
    return this.request('GET', path, { headers });
  }

  head(path: string, headers?: Record<string, string>): Promise<Res> {
    return this.request('HEAD', path, { headers });
  }

  delete(path: string, headers?: Record<string, string>): Promise<Res> {
    return this.request('DELETE', path, { headers });
  }

  /** Raw request through node:http: the path is sent byte-for-byte (no URL normalisation of
   *  `..`/`%2e%2e`) and no default headers are added (no Accept). */
  raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Res> {
    const base = new URL(this.base);
    const allHeaders: Record<string, string> = { ...headers };
    if (this.authorization) allHeaders.authorization = this.authorization;
    if (body) allHeaders['content-length'] = String(body.length);
    return new Promise<Res>((resolve, reject) => {
      const req = http.request({ host: base.hostname, port: base.port, method, path, headers: allHeaders, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', reject);
        response.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(response.headers)) {
            if (v === undefined) continue;
            for (const item of Array.isArray(v) ? v : [v]) h.append(k, item);
          }
          const res = makeRes(method, `${base.origin}${path.startsWith('/') ? '' : '/'}${path}`, response.statusCode ?? 0, h, Buffer.concat(chunks), path);
          // Record invariants against the literal path.
          if (isV2(path)) {
            const v = res.header(API_VERSION_HEADER);
            if (v !== API_VERSION) violations.push({ request: `${method} ${path}`, problem: `${API_VERSION_HEADER}=${JSON.stringify(v)} (status ${res.status})` });
          }
          if (res.status >= 500) violations.push({ request: `${method} ${path}`, problem: `status ${res.status}: ${res.text().slice(0, 300)}` });
          resolve(res);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  // ----- blobs -----

  /** POST /v2/<repo>/blobs/uploads/ and assert the 202 session response. */
  async startUpload(repo: string): Promise<UploadSession> {
    const res = await this.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(res, 202);
    return sessionFrom(res, this.base);
  }

  /** Monolithic POST + PUT upload; asserts 201. */
  async pushBlob(repo: string, data: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<Descriptor> {
    const digest = digestOf(data, algorithm);
    const session = await this.startUpload(repo);
    const res = await this.request('PUT', withQuery(session.location, { digest }), {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    expectStatus(res, 201);
    return { mediaType: 'application/octet-stream', digest, size: data.length };
  }

  async getBlob(repo: string, digest: string, headers?: Record<string, string>): Promise<Res> {
    return this.get(`/v2/${repo}/blobs/${digest}`, headers);
  }

  // ----- manifests -----

  async putManifest(repo: string, reference: string, body: Body | object, mediaType: string, extraHeaders: Record<string, string> = {}): Promise<Res> {
    const bytes = toBytes(body);
    return this.request('PUT', `/v2/${repo}/manifests/${reference}`, {
      headers: { 'content-type': mediaType, ...extraHeaders },
      body: bytes,
    });
  }

  /** PUT a manifest and assert 201 + Docker-Content-Digest; returns its descriptor and bytes. */
  async pushManifest(repo: string, reference: string, body: Body | object, mediaType: string): Promise<Descriptor & { bytes: Buffer; res: Res }> {
    const bytes = toBytes(body);
    const res = await this.putManifest(repo, reference, bytes, mediaType);
    expectStatus(res, 201);
    const digest = sha256(bytes);
    expectHeader(res, 'docker-content-digest', digest);
    return { mediaType, digest, size: bytes.length, bytes, res };
  }

  /** Pushes a random config + `layerCount` random layers and an image manifest tagged `tag`
   *  (or pushed by digest when tag is undefined). */
  async pushImage(repo: string, tag?: string, options: { layerCount?: number; docker?: boolean; annotations?: Record<string, string> } = {}): Promise<ImageResult> {
    const docker = options.docker ?? false;
    const configBytes = configBlob();
    const config = await this.pushBlob(repo, configBytes);
    const layers: Descriptor[] = [];
    for (let i = 0; i < (options.layerCount ?? 1); i++) {
      const layer = await this.pushBlob(repo, randomBlob(64 + i));
      layers.push({ ...layer, mediaType: docker ? MT.dockerLayer : MT.ociLayer });
    }
    const mediaType = docker ? MT.dockerManifest : MT.ociManifest;
    const manifest = imageManifest({
      mediaType,
      config: { ...config, mediaType: docker ? MT.dockerConfig : MT.ociConfig },
      layers,
      annotations: options.annotations,
    });
    const bytes = manifestBytes(manifest);
    const pushed = await this.pushManifest(repo, tag ?? sha256(bytes), bytes, mediaType);
    return { descriptor: { mediaType, digest: pushed.digest, size: pushed.size }, bytes, config, layers };
  }
}

export interface ImageResult {
  descriptor: Descriptor;
  bytes: Buffer;
  config: Descriptor;
  layers: Descriptor[];
}

export function sessionFrom(res: Res, base: string): UploadSession {
  const location = res.header('location');
  assert.ok(location, `${res.describe()}: missing Location`);
  const abs = new URL(location, res.url || base).href;
  const uuid = res.header('docker-upload-uuid') ?? new URL(abs).pathname.split('/').pop() ?? '';
  return { location: abs, uuid };
}

/** Resolves a (possibly relative) Location header against the request URL. */
export function locationOf(res: Res): URL {
  const location = res.header('location');
  assert.ok(location, `${res.describe()}: missing Location header`);
  return new URL(location, res.url);
}

export function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.href;
}

export function toBytes(body: Body | object): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return manifestBytes(body);
}

/** Serialises with unusual indentation and a trailing newline so byte-exact storage is visible. */
export function manifestBytes(obj: object): Buffer {
  return Buffer.from(`${JSON.stringify(obj, null, 3)}\n`, 'utf8');
}

export function configBlob(): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [`NONCE=${randomBytes(8).toString('hex')}`] },
    rootfs: { type: 'layers', diff_ids: [] },
  }));
}

export interface ImageManifestSpec {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  artifactType?: string;
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export function imageManifest(spec: ImageManifestSpec): Record<string, unknown> {
  const m: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: spec.mediaType ?? MT.ociManifest,
  };
  if (spec.artifactType !== undefined) m.artifactType = spec.artifactType;
  m.config = descriptorJson(spec.config);
  m.layers = spec.layers.map(descriptorJson);
  if (spec.subject) m.subject = descriptorJson(spec.subject);
  if (spec.annotations) m.annotations = spec.annotations;
  return m;
}

export interface IndexSpec {
  mediaType?: string;
  manifests: Descriptor[];
  artifactType?: string;
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export function imageIndex(spec: IndexSpec): Record<string, unknown> {
  const m: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: spec.mediaType ?? MT.ociIndex,
  };
  if (spec.artifactType !== undefined) m.artifactType = spec.artifactType;
  m.manifests = spec.manifests.map((d) => descriptorJson({ platform: { architecture: 'amd64', os: 'linux' }, ...d }));
  if (spec.subject) m.subject = descriptorJson(spec.subject);
  if (spec.annotations) m.annotations = spec.annotations;
  return m;
}

function descriptorJson(d: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType !== undefined) out.artifactType = d.artifactType;
  if (d.annotations !== undefined) out.annotations = d.annotations;
  if (d.platform !== undefined) out.platform = d.platform;
  return out;
}

/** Parses an RFC 5988 `Link: <url>; rel="next"` header; returns the URL resolved against res.url. */
export function nextLink(res: Res): URL | null {
  const link = res.header('link');
  if (link === null) return null;
  const m = /^\s*<([^>]+)>\s*;\s*rel="?next"?\s*$/.exec(link);
  assert.ok(m, `${res.describe()}: malformed Link header ${JSON.stringify(link)}`);
  return new URL(m[1]!, res.url);
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
