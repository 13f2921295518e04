// The OCI Distribution calls the workloads need, written against the spec (not against either
// server), so Wharf and the reference registry get byte-identical request sequences.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { send, type HttpRequest, type HttpResponse } from './http-client.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Content that can be uploaded in one piece or in ranges without holding it all in memory. */
export interface BlobSource {
  size: number;
  digest: string;
  /** Bytes [start, end) as a stream or buffer. */
  read(start: number, end: number): Readable | Buffer;
}

/** A failed registry call, with enough of the exchange to file a bug. */
export class RegistryError extends Error {
  constructor(request: HttpRequest, expected: string, response: HttpResponse) {
    const headers = ['location', 'range', 'docker-content-digest', 'content-type']
      .filter((name) => response.headers[name] !== undefined)
      .map((name) => `${name}: ${String(response.headers[name])}`)
      .join('; ');
    super(
      `${request.method} ${request.url.pathname}${request.url.search} ` +
        `${describeRequestHeaders(request)}-> ${response.status} (expected ${expected})` +
        `${headers ? ` [${headers}]` : ''} ${response.body.toString('utf8', 0, 400)}`,
    );
  }
}

function describeRequestHeaders(request: HttpRequest): string {
  const headers = Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  return headers.length > 0 ? `{${headers.join('; ')}} ` : '';
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function bufferSource(data: Buffer): BlobSource {
  return { size: data.length, digest: sha256Digest(data), read: (start, end) => data.subarray(start, end) };
}

export class RegistryClient {
  constructor(readonly baseUrl: string) {}

  url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  /** POST /v2/<name>/blobs/uploads/ and return the session URL the server chose. */
  async startUpload(repository: string): Promise<URL> {
    const res = await this.expect(
      { method: 'POST', url: this.url(`/v2/${repository}/blobs/uploads/`), headers: { 'content-length': 0 } },
      [202],
    );
    return this.location(res);
  }

  /** POST then a single PUT ?digest= carrying the whole body. */
  async pushBlobMonolithic(repository: string, blob: BlobSource): Promise<void> {
    const session = await this.startUpload(repository);
    await this.finishUpload(session, blob.digest, blob.read(0, blob.size), blob.size);
  }

  /** POST, one PATCH per chunk with Content-Range, then an empty PUT ?digest=. */
  async pushBlobChunked(repository: string, blob: BlobSource, chunkSize: number): Promise<void> {
    let session = await this.startUpload(repository);
    for (let start = 0; start < blob.size; start += chunkSize) {
      const end = Math.min(start + chunkSize, blob.size);
      const res = await this.expect(
        {
          method: 'PATCH',
          url: session,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${start}-${end - 1}`,
            'content-length': end - start,
          },
          body: blob.read(start, end),
        },
        [202],
      );
      session = this.location(res);
    }
    await this.finishUpload(session, blob.digest, Buffer.alloc(0), 0);
  }

  /** Uploads unless the repository already has the blob (what docker and skopeo do). */
  async ensureBlob(repository: string, blob: BlobSource): Promise<void> {
    if (!(await this.hasBlob(repository, blob.digest))) await this.pushBlobMonolithic(repository, blob);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.expect({ method: 'HEAD', url: this.url(`/v2/${repository}/blobs/${digest}`) }, [200, 404]);
    return res.status === 200;
  }

  /** GET a blob, discarding the body; returns the byte count. */
  async pullBlob(repository: string, digest: string): Promise<number> {
    const res = await this.expect(
      { method: 'GET', url: this.url(`/v2/${repository}/blobs/${digest}`), discardBody: true },
      [200],
    );
    return res.bytes;
  }

  /** GET a blob and check its sha256 (untimed warm-up, proves the server returns the right bytes). */
  async pullBlobVerified(repository: string, blob: BlobSource): Promise<void> {
    await verifyDownload(this.url(`/v2/${repository}/blobs/${blob.digest}`), blob);
  }

  async putManifest(repository: string, reference: string, manifest: Buffer): Promise<void> {
    await this.expect(
      {
        method: 'PUT',
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { 'content-type': OCI_MANIFEST, 'content-length': manifest.length },
        body: manifest,
      },
      [201],
    );
  }

  async getManifest(method: 'GET' | 'HEAD', repository: string, reference: string): Promise<HttpResponse> {
    return this.expect(
      { method, url: this.url(`/v2/${repository}/manifests/${reference}`), headers: { accept: OCI_MANIFEST } },
      [200],
    );
  }

  /** GET a path relative to the registry root and parse the JSON body. */
  async getJson(pathAndQuery: string): Promise<{ body: unknown; link: string | undefined }> {
    const res = await this.expect({ method: 'GET', url: this.url(pathAndQuery) }, [200]);
    const link = res.headers['link'];
    return { body: JSON.parse(res.body.toString('utf8')) as unknown, link: typeof link === 'string' ? link : undefined };
  }

  private async finishUpload(session: URL, digest: string, body: Readable | Buffer, size: number): Promise<void> {
    const url = new URL(session);
    url.searchParams.set('digest', digest);
    await this.expect(
      {
        method: 'PUT',
        url,
        headers: { 'content-type': 'application/octet-stream', 'content-length': size },
        body,
      },
      [201],
    );
  }

  private location(res: HttpResponse): URL {
    const location = res.headers['location'];
    if (!location) throw new Error(`upload response ${res.status} has no Location header`);
    return new URL(location, this.baseUrl);
  }

  private async expect(request: HttpRequest, statuses: number[]): Promise<HttpResponse> {
    const res = await send(request);
    if (!statuses.includes(res.status)) throw new RegistryError(request, statuses.join('/'), res);
    return res;
  }
}

/** Downloads `url` while hashing, and fails unless size and digest match `blob`. */
export async function verifyDownload(url: URL, blob: BlobSource): Promise<void> {
  const res = await send({ method: 'GET', url, discardBody: true, hashBody: true, timeoutMs: 300_000 });
  if (res.status !== 200) throw new Error(`GET ${url.pathname} -> ${res.status}: ${res.body.toString('utf8', 0, 300)}`);
  if (res.bytes !== blob.size || res.digest !== blob.digest) {
    throw new Error(`GET ${url.pathname} returned ${res.bytes} bytes with ${res.digest}, want ${blob.size} with ${blob.digest}`);
  }
}
