// The metadata schema at a glance (one schema, two dialects: SQLite embedded, PostgreSQL scale-out).
//
//   repositories      name PK · created_at
//   blobs             digest PK · size · created_at                  (global, content-addressed)
//   repository_blobs  (repository, digest) PK → which repo may read which blob
//   manifests         (repository, digest) PK · media_type · artifact_type · subject_digest ·
//                     config_digest · annotations(JSON) · size · content(bytes as pushed) ·
//                     pushed_at · last_pulled_at
//   manifest_children (repository, manifest_digest, child_digest) PK · kind blob|manifest
//   tags              (repository, name) PK · digest · updated_at
//   uploads           id PK · repository · size (acknowledged bytes) · created_at · updated_at
//   settings          key PK · value                                 (registry id, region, ...)
//   access_keys       access_key_id PK · user_name · secret_sealed · status · created_at
//
// Times are epoch milliseconds (bigint). Text sorts byte-wise (SQLite BINARY; PostgreSQL columns
// that are paginated use COLLATE "C"), which is the order OCI pagination needs.
import type { Generated } from 'kysely';

export interface RepositoriesTable {
  name: string;
  created_at: number;
}

export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
}

export interface RepositoryBlobsTable {
  repository: string;
  digest: string;
  created_at: number;
}

export interface ManifestsTable {
  repository: string;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject_digest: string | null;
  config_digest: string | null;
  annotations: string | null;
  size: number;
  content: Uint8Array;
  pushed_at: number;
  last_pulled_at: number | null;
}

export interface ManifestChildrenTable {
  repository: string;
  manifest_digest: string;
  child_digest: string;
  kind: 'blob' | 'manifest';
}

export interface TagsTable {
  repository: string;
  name: string;
  digest: string;
  updated_at: number;
}

export interface UploadsTable {
  id: string;
  repository: string;
  size: number;
  created_at: number;
  updated_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface AccessKeysTable {
  access_key_id: string;
  user_name: string;
  secret_sealed: string;
  status: 'Active' | 'Inactive';
  created_at: number;
}

export interface Database {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_children: ManifestChildrenTable;
  tags: TagsTable;
  uploads: UploadsTable;
  settings: SettingsTable;
  access_keys: AccessKeysTable;
}

/** Kept for tables that gain generated ids in later migrations. */
export type { Generated };
