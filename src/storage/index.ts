export * from './blob-store.js';
export { FilesystemBlobStore, type FilesystemOptions } from './filesystem.js';
export { digestOf, newHasher, parseDigest, type DigestAlgorithm, type ParsedDigest } from './digest.js';
