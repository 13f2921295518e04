// The byte store behind the registry. It knows digests and upload ids, never repositories.
//
// Layout every driver keeps (the filesystem driver literally, object stores as key prefixes):
//
//   <root>/
//     blobs/<algorithm>/<first 2 hex>/<hex>   committed, content-addressed, immutable
//     uploads/<upload id>                     bytes of an upload in progress
//
// An upload becomes a blob only through commitUpload(), which is atomic: a reader sees either no
// blob or the whole blob, never a prefix.
import type { Readable } from 'node:stream';

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface UploadInfo {
  id: string;
  size: number;
  modifiedAt: Date;
}

export interface BlobStore {
  /** Size of a committed blob, or null when absent. */
  stat(digest: string): Promise<{ size: number } | null>;
  /** Streams a committed blob, or the given inclusive range of it. Throws BlobNotFound. */
  read(digest: string, range?: ByteRange): Promise<Readable>;
  /** Removes a committed blob; absent blobs are not an error. */
  delete(digest: string): Promise<void>;
  /** Every committed blob digest, in no particular order. */
  list(): AsyncIterable<string>;

  /** Creates an empty upload. */
  createUpload(id: string): Promise<void>;
  /**
   * Writes `body` into the upload starting at `offset`, which must be the upload's current size
   * (callers serialise writes). Resolves with the new size once the bytes are durable enough to
   * acknowledge. Throws UploadNotFound.
   */
  appendUpload(id: string, offset: number, body: Readable): Promise<number>;
  /** Current size of an upload, or null when absent. */
  uploadSize(id: string): Promise<number | null>;
  /** Cuts an upload back to `size` bytes, dropping bytes of a write that was never acknowledged. */
  truncateUpload(id: string, size: number): Promise<void>;
  /**
   * Streams an upload's bytes (used to rebuild a hash after a restart), or the given inclusive range
   * of them (the encryption wrapper reopens an upload's last chunk without reading the rest).
   */
  readUpload(id: string, range?: ByteRange): Promise<Readable>;
  /** Atomically turns an upload into the blob `digest`; the upload is gone afterwards. */
  commitUpload(id: string, digest: string): Promise<void>;
  /** Removes an upload; absent uploads are not an error. */
  deleteUpload(id: string): Promise<void>;
  listUploads(): AsyncIterable<UploadInfo>;
  /** Smallest chunk the driver accepts in PATCH, advertised as OCI-Chunk-Min-Length. */
  readonly minChunkLength: number;
  /**
   * A short-lived URL from which a client may GET the committed blob itself, for drivers whose
   * bytes can be served without the node (object stores). Absent where they cannot.
   */
  readUrl?(digest: string, expiresInSeconds: number): Promise<string>;
}

export class BlobNotFound extends Error {
  constructor(readonly digest: string) {
    super(`blob ${digest} not found`);
    this.name = 'BlobNotFound';
  }
}

export class UploadNotFound extends Error {
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} not found`);
    this.name = 'UploadNotFound';
  }
}
