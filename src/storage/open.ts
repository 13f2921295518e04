// Picks the blob store a configuration asks for. Kept apart from the drivers so each driver stays
// ignorant of Wharf's configuration format.
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { BlobStore } from './blob-store.js';
import { FilesystemBlobStore } from './filesystem.js';
import { S3BlobStore } from './s3.js';

export type StorageConfig = Pick<
  Config,
  | 'storage' | 'dataDir' | 'fsync' | 'region' | 's3Bucket' | 's3Prefix' | 's3Endpoint' | 's3Region'
  | 's3ForcePathStyle' | 's3AccessKeyId' | 's3SecretAccessKey' | 's3Sse' | 's3SseKmsKeyId'
>;

export interface OpenedStore {
  store: BlobStore;
  close(): void;
}

/**
 * Opens the store for `config`, or the part of it under `subdirectory` (a relative key prefix such
 * as `encrypted/ab12/`), so one bucket or data directory can hold several stores side by side.
 */
export async function openBlobStore(config: StorageConfig, subdirectory = ''): Promise<OpenedStore> {
  if (subdirectory !== '' && !/^([a-z0-9-]+\/)+$/.test(subdirectory)) throw new Error(`refusing store subdirectory ${JSON.stringify(subdirectory)}`);
  if (config.storage === 's3') {
    const store = new S3BlobStore({
      bucket: config.s3Bucket!,
      prefix: (config.s3Prefix && !config.s3Prefix.endsWith('/') ? config.s3Prefix + '/' : config.s3Prefix) + subdirectory,
      region: config.s3Region ?? config.region,
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
      // Non-AWS servers rarely have wildcard DNS for virtual-hosted buckets.
      forcePathStyle: config.s3ForcePathStyle ?? config.s3Endpoint !== undefined,
      ...(config.s3AccessKeyId && config.s3SecretAccessKey
        ? { credentials: { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey } }
        : {}),
      ...(config.s3Sse !== 'none' ? { serverSideEncryption: config.s3Sse } : {}),
      ...(config.s3SseKmsKeyId ? { sseKmsKeyId: config.s3SseKmsKeyId } : {}),
    });
    return { store, close: () => store.close() };
  }
  const store = new FilesystemBlobStore({ root: join(config.dataDir, subdirectory), fsync: config.fsync });
  await store.init();
  return { store, close: () => undefined };
}

