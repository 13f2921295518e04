// BlobStore on an S3-compatible object store, so any number of stateless nodes share one set of
// bytes. Keys under the configured prefix:
//
//   blobs/<algorithm>/<first 2 hex>/<hex>        committed blob (one object, immutable)
//   uploads/<id>/created                         marker: the upload exists (written first, deleted last)
//   uploads/<id>/<start offset, 16 digits>       segments: the upload's bytes in order
//
// An upload is a run of ordinary objects rather than an S3 multipart upload, because the parts of
// an unfinished multipart upload cannot be read back, and a node that takes over an upload (after
// a restart, or when PATCHes alternate between nodes) must re-hash the bytes received so far.
// Every segment but the last is at least MIN_PART_BYTES, so commit assembles the blob server-side
// with UploadPartCopy: no byte passes through the node twice. Segment sizes grow with their index
// (segmentSize), so 10,000 segments, S3's part limit, hold 496 GiB and a 100 GiB layer fits.
//
// Commit is CompleteMultipartUpload (or CopyObject), which makes the whole object visible at once:
// a reader never sees a prefix. The upload's objects are deleted afterwards; if the node dies in
// between, the caller sees a stored blob and deletes the leftovers.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { parseDigest } from './digest.js';
import { BlobNotFound, UploadNotFound, type BlobStore, type ByteRange, type UploadInfo } from './blob-store.js';

const MiB = 1024 * 1024;
/** S3's smallest part (but the last) of a multipart upload. */
export const MIN_PART_BYTES = 5 * MiB;
/** S3's largest number of parts. */
export const MAX_SEGMENTS = 10_000;
const BASE_SEGMENT_BYTES = 8 * MiB;
const SEGMENTS_PER_STEP = 2000;
/** Segments put concurrently while the next one is gathered from the client. */
const PUT_CONCURRENCY = 3;
const COPY_CONCURRENCY = 4;
/** A blob read that breaks mid-stream is resumed from where it stopped this many times. */
const READ_RESUMES = 3;
const UPLOAD_ID_RE = /^[A-Za-z0-9-]{1,64}$/;
const SEGMENT_NAME_RE = /^\d{16}$/;
const MARKER = 'created';

/** Size of segment `index` (0-based): 8 MiB, doubling every 2,000 segments up to 128 MiB. */
export function segmentSize(index: number): number {
  return BASE_SEGMENT_BYTES * 2 ** Math.min(4, Math.floor(index / SEGMENTS_PER_STEP));
}

export interface S3Options {
  bucket: string;
  /** Key prefix, e.g. `wharf/`; empty for the bucket's root. */
  prefix: string;
  region: string;
  /** A non-AWS server (Ceph RGW, MinIO, ...); unset means AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Else the SDK's default chain (environment, web identity, instance profile). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Server-side encryption asked of the object store for every object written. */
  serverSideEncryption?: ServerSideEncryption;
  sseKmsKeyId?: string;
  /** Attempts per request, retries backing off exponentially on SlowDown, 5xx and timeouts. */
  maxAttempts?: number;
}

interface Segment {
  key: string;
  start: number;
  size: number;
  modifiedAt: Date;
}

interface UploadObjects {
  exists: boolean;
  /** The contiguous run of segments from offset 0; anything after a gap is not part of it. */
  segments: Segment[];
  /** Every object of the upload, the marker included. */
  keys: string[];
  modifiedAt: Date;
}

function errorName(error: unknown): string | undefined {
  if (error instanceof S3ServiceException) return error.name;
  return (error as { name?: string; Code?: string })?.name;
}

function isMissing(error: unknown): boolean {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

function endOf(segments: Segment[]): number {
  const last = segments.at(-1);
  return last ? last.start + last.size : 0;
}

export class S3BlobStore implements BlobStore {
  readonly minChunkLength = 0;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly sse: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };

  constructor(options: S3Options) {
    this.bucket = options.bucket;
    this.prefix = options.prefix && !options.prefix.endsWith('/') ? options.prefix + '/' : options.prefix;
    const agentOptions = { keepAlive: true, maxSockets: 256 };
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 6,
      // Streamed bodies have no length the SDK could checksum up front, and S3-compatible servers
      // differ in which flexible checksums they accept: ask for them only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 120_000,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
      },
    });
    this.sse = {
      ...(options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {}),
      ...(options.sseKmsKeyId ? { SSEKMSKeyId: options.sseKmsKeyId } : {}),
    };
  }

  /** The only place a digest becomes a key; parseDigest admits nothing but `alg:hex`. */
  private blobKey(digest: string): string {
    const parsed = parseDigest(digest);
    if (!parsed) throw new Error(`refusing non-digest storage key ${JSON.stringify(digest)}`);
    return `${this.prefix}blobs/${parsed.algorithm}/${parsed.hex.slice(0, 2)}/${parsed.hex}`;
  }

  private uploadPrefix(id: string): string {
    if (!UPLOAD_ID_RE.test(id)) throw new Error(`refusing upload id ${JSON.stringify(id)}`);
    return `${this.prefix}uploads/${id}/`;
  }

  private segmentKey(id: string, start: number): string {
    return this.uploadPrefix(id) + String(start).padStart(16, '0');
  }

  /** Checks the bucket answers (readiness). */
  async ping(): Promise<void> {
    await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}blobs/`, MaxKeys: 1 }));
  }

  async stat(digest: string): Promise<{ size: number } | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest) }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    const key = this.blobKey(digest);
    // The first response is awaited here so a missing blob is an error now, not mid-response.
    const first = await this.getObject(key, range ? range.start : 0, range?.end).catch((error: unknown) => {
      throw isMissing(error) ? new BlobNotFound(digest) : error;
    });
    return Readable.from(this.resumingRead(key, first, range), { objectMode: false, highWaterMark: MiB });
  }

  private async getObject(key: string, start: number, end?: number): Promise<{ body: Readable; length: number }> {
    const Range = start > 0 || end !== undefined ? `bytes=${start}-${end ?? ''}` : undefined;
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range }));
    if (!response.Body) throw new Error(`object ${key} has no body`);
    return { body: response.Body as Readable, length: response.ContentLength ?? 0 };
  }

  /**
   * A long blob download that breaks (a reset connection, a stalled gateway) continues with a
   * ranged GET from the next byte, so a client pulling a large layer is not failed by one hiccup.
   */
  private async *resumingRead(key: string, first: { body: Readable; length: number }, range?: ByteRange): AsyncGenerator<Buffer> {
    let position = range ? range.start : 0;
    const expectedEnd = position + first.length; // exclusive
    let current: Readable = first.body;
    for (let resumes = 0; ; resumes++) {
      try {
        for await (const chunk of current as AsyncIterable<Buffer>) {
          position += chunk.length;
          yield chunk;
        }
        if (position >= expectedEnd) return;
        throw new Error(`object ${key} ended early at byte ${position} of ${expectedEnd}`);
      } catch (error) {
        current.destroy();
        if (resumes >= READ_RESUMES || isMissing(error)) throw error;
        await delay(100 * 2 ** resumes);
        current = (await this.getObject(key, position, expectedEnd - 1)).body;
      }
    }
  }

  async delete(digest: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest) }));
  }

  async *list(): AsyncIterable<string> {
    const root = `${this.prefix}blobs/`;
    for await (const object of this.listObjects(root)) {
      const [algorithm, , hex] = object.key.slice(root.length).split('/');
      const digest = `${algorithm}:${hex}`;
      if (parseDigest(digest)) yield digest;
    }
  }

  private async *listObjects(prefix: string): AsyncGenerator<{ key: string; size: number; modifiedAt: Date }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  private async uploadObjects(id: string): Promise<UploadObjects> {
    const prefix = this.uploadPrefix(id);
    const found: Segment[] = [];
    const keys: string[] = [];
    let exists = false;
    let modifiedAt = new Date(0);
    for await (const object of this.listObjects(prefix)) {
      keys.push(object.key);
      if (object.modifiedAt > modifiedAt) modifiedAt = object.modifiedAt;
      const name = object.key.slice(prefix.length);
      if (name === MARKER) exists = true;
      else if (SEGMENT_NAME_RE.test(name)) found.push({ key: object.key, start: Number(name), size: object.size, modifiedAt: object.modifiedAt });
    }
    found.sort((a, b) => a.start - b.start);
    const segments: Segment[] = [];
    for (const segment of found) {
      if (segment.start !== endOf(segments)) break;
      segments.push(segment);
    }
    return { exists: exists || keys.length > 0, segments, keys, modifiedAt };
  }

  private async existingUpload(id: string): Promise<UploadObjects> {
    const upload = await this.uploadObjects(id);
    if (!upload.exists) throw new UploadNotFound(id);
    return upload;
  }

  private async putObject(key: string, body: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: 'application/octet-stream', ...this.sse }),
    );
  }

  private async getBytes(key: string, start: number, end: number): Promise<Buffer> {
    if (end < start) return Buffer.alloc(0);
    const { body } = await this.getObject(key, start, end);
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async createUpload(id: string): Promise<void> {
    await this.putObject(this.uploadPrefix(id) + MARKER, Buffer.alloc(0));
  }

  async appendUpload(id: string, offset: number, body: Readable): Promise<number> {
    const upload = await this.existingUpload(id);
    const size = endOf(upload.segments);
    if (size !== offset) throw new Error(`append at ${offset} but upload ${id} holds ${size} bytes`);
    // A short last segment may not stay in the middle of the blob: it is rewritten with the new bytes.
    const last = upload.segments.at(-1);
    const reopen = last !== undefined && last.size < MIN_PART_BYTES;
    let index = reopen ? upload.segments.length - 1 : upload.segments.length;
    let start = reopen ? last.start : size;
    let pending: Buffer[] = reopen ? [await this.getBytes(last.key, 0, last.size - 1)] : [];
    let pendingBytes = reopen ? last.size : 0;
    let received = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;

    const putSegment = async (bytes: Buffer, at: number, segmentIndex: number) => {
      if (segmentIndex >= MAX_SEGMENTS) throw new Error(`upload ${id} would need more than ${MAX_SEGMENTS} segments`);
      while (inFlight.size >= PUT_CONCURRENCY) await Promise.race(inFlight);
      if (failure) throw failure;
      const put = this.putObject(this.segmentKey(id, at), bytes).catch((error: unknown) => {
        failure ??= error;
      });
      const tracked = put.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };

    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        received += chunk.length;
        while (pendingBytes >= segmentSize(index)) {
          const all = Buffer.concat(pending);
          const cut = segmentSize(index);
          await putSegment(all.subarray(0, cut), start, index);
          start += cut;
          index++;
          pending = [all.subarray(cut)];
          pendingBytes = all.length - cut;
        }
      }
      if (pendingBytes > 0 && (received > 0 || !reopen)) await putSegment(Buffer.concat(pending), start, index);
    } finally {
      await Promise.all(inFlight);
    }
    if (failure) throw failure;
    return size + received;
  }

  async uploadSize(id: string): Promise<number | null> {
    const upload = await this.uploadObjects(id);
    return upload.exists ? endOf(upload.segments) : null;
  }

  async truncateUpload(id: string, size: number): Promise<void> {
    const upload = await this.existingUpload(id);
    const contiguous = new Set(upload.segments.map((s) => s.key));
    const prefix = this.uploadPrefix(id);
    // Beyond a gap nothing belongs to the upload any more.
    for (const key of upload.keys) {
      if (!contiguous.has(key) && key !== prefix + MARKER) await this.deleteKey(key);
    }
    // From the end backwards, so a crash part-way leaves a shorter prefix and never a hole.
    for (const segment of [...upload.segments].reverse()) {
      if (segment.start >= size) await this.deleteKey(segment.key);
      else if (segment.start + segment.size > size) await this.putObject(segment.key, await this.getBytes(segment.key, 0, size - segment.start - 1));
    }
  }

  async readUpload(id: string, range?: ByteRange): Promise<Readable> {
    const upload = await this.existingUpload(id);
    const first = range ? range.start : 0;
    const last = range ? range.end : endOf(upload.segments) - 1;
    const self = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      for (const segment of upload.segments) {
        const from = Math.max(first, segment.start);
        const to = Math.min(last, segment.start + segment.size - 1);
        if (from > to) continue;
        const { body } = await self.getObject(segment.key, from - segment.start, to - segment.start);
        yield* body as AsyncIterable<Buffer>;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async commitUpload(id: string, digest: string): Promise<void> {
    const key = this.blobKey(digest);
    const upload = await this.existingUpload(id);
    const { segments } = upload;
    if (segments.length === 0) {
      await this.putObject(key, Buffer.alloc(0));
    } else if (segments.length === 1) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: this.copySource(segments[0]!.key), ContentType: 'application/octet-stream', MetadataDirective: 'REPLACE', ...this.sse }),
      );
    } else {
      await this.assemble(key, segments);
    }
    await this.deleteUploadObjects(upload);
  }

  private copySource(key: string): string {
    return `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Builds the blob from the segments server-side; nothing is visible until Complete. */
  private async assemble(key: string, segments: Segment[]): Promise<void> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: 'application/octet-stream', ...this.sse }),
    );
    const UploadId = created.UploadId;
    if (!UploadId) throw new Error('object store returned no multipart upload id');
    try {
      const etags: string[] = new Array(segments.length);
      let next = 0;
      const worker = async () => {
        while (next < segments.length) {
          const n = next++;
          const copied = await this.client.send(
            new UploadPartCopyCommand({ Bucket: this.bucket, Key: key, UploadId, PartNumber: n + 1, CopySource: this.copySource(segments[n]!.key) }),
          );
          const etag = copied.CopyPartResult?.ETag;
          if (!etag) throw new Error(`object store returned no ETag for part ${n + 1}`);
          etags[n] = etag;
        }
      };
      await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, segments.length) }, worker));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, n) => ({ ETag, PartNumber: n + 1 })) },
        }),
      );
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async deleteUpload(id: string): Promise<void> {
    await this.deleteUploadObjects(await this.uploadObjects(id));
  }

  /** Segments first and the marker last, so an interrupted delete still lists as an upload. */
  private async deleteUploadObjects(upload: UploadObjects): Promise<void> {
    const marker = upload.keys.filter((k) => k.endsWith('/' + MARKER));
    const rest = upload.keys.filter((k) => !k.endsWith('/' + MARKER));
    for (let i = 0; i < rest.length; i += 16) await Promise.all(rest.slice(i, i + 16).map((k) => this.deleteKey(k)));
    for (const key of marker) await this.deleteKey(key);
  }

  private async deleteKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *listUploads(): AsyncIterable<UploadInfo> {
    const root = `${this.prefix}uploads/`;
    let currentId: string | null = null;
    let size = 0;
    let modifiedAt = new Date(0);
    // Keys come sorted, so one upload's objects are consecutive.
    for await (const object of this.listObjects(root)) {
      const [id, name] = object.key.slice(root.length).split('/');
      if (!id || !UPLOAD_ID_RE.test(id) || name === undefined) continue;
      if (id !== currentId) {
        if (currentId !== null) yield { id: currentId, size, modifiedAt };
        currentId = id;
        size = 0;
        modifiedAt = new Date(0);
      }
      if (SEGMENT_NAME_RE.test(name)) size += object.size;
      if (object.modifiedAt > modifiedAt) modifiedAt = object.modifiedAt;
    }
    if (currentId !== null) yield { id: currentId, size, modifiedAt };
  }

  /** A short-lived URL a client can GET the blob from directly, bypassing the node. */
  async readUrl(digest: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest) }), { expiresIn: expiresInSeconds });
  }

  close(): void {
    this.client.destroy();
  }
}
