export * from './blob-store.js';
export { FilesystemBlobStore, type FilesystemOptions } from './filesystem.js';
export { S3BlobStore, segmentSize, MIN_PART_BYTES, MAX_SEGMENTS, type S3Options } from './s3.js';
export { openBlobStore, type OpenedStore, type StorageConfig } from './open.js';
export { digestOf, newHasher, parseDigest, type DigestAlgorithm, type ParsedDigest } from './digest.js';
export * from './encryption/index.js';
