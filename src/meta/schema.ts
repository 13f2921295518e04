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
//   uploads           id PK · repository · size (acknowledged bytes) · digest (once verified) ·
//                     created_at · updated_at
//   settings          key PK · value                                 (registry id, region, ...)
//   access_keys       access_key_id PK · user_name · secret_sealed · status · created_at
//   users             name PK · user_id · path · created_at
//   user_policies     (user_name, policy_name) PK · document          (inline identity policies)
//   roles             name PK · role_id · path · trust_policy · max_session_seconds · created_at
//   role_policies     (role_name, policy_name) PK · document
//   role_sessions     access_key_id PK · role_name · session_name · secret_sealed ·
//                     session_token · expires_at                     (sts:AssumeRole credentials)
//   repositories      + policy (repository policy JSON) · resource_tags (JSON map)
//   repositories      + image_tag_mutability · mutability_exclusions(JSON) · scan_on_push ·
//                     encryption_type · kms_key · lifecycle_policy
//   repositories      + storage_scope ('' plain, else the master key its blobs are encrypted under)
//   uploads           + storage_scope (the scope of the repository when the upload started)
//   creation_templates prefix PK (or ROOT) · applied_for(JSON) · the settings a new repository gets
//   events_outbox     id PK · at · detail_type · detail(JSON) · delivered_at
//   pull_time_exclusions principal_arn PK                            (pulls not recorded)
//   jobs              id PK · kind · key (unique, for recurring/deduplicated jobs) · payload(JSON) ·
//                     status pending|done|failed · run_at · every_ms · attempts · max_attempts ·
//                     lease_owner · lease_until · last_error            (durable background work)
//   data_keys         ref PK (scope + upload/<id> or blob/<digest>/<fingerprint>) · key_name ·
//                     key_version · wrapped (base64) · created_at     (encrypted blob stores' DEKs)
//   audit_log         id PK · at · request_id · principal_arn · action · resource · source_ip ·
//                     decision                                       (every decision on a write)
//   audit_log         + detail (JSON: what the action did, e.g. the image a lifecycle rule expired)
//   lifecycle_previews repository PK → repositories · id · policy_text · status IN_PROGRESS|
//                     COMPLETE|FAILED · results(JSON) · error · started_at · finished_at
//                                                                    (latest lifecycle preview)
//   lifecycle_runs    repository PK → repositories · policy_digest (sha256 of the policy text) ·
//                     run_id · evaluated_at · expired_count          (lastEvaluatedAt)
//   blobs             + link_count (repositories linking it) · gc_state ''|deleting · gc_marked_at
//   repositories      + unique_bytes · shared_bytes                  (storage usage, kept incrementally)
//   quotas            scope PK (repository:<name> | prefix:<p>) · max_bytes · max_images · updated_at
//   gc_runs           id PK · started_at · finished_at · dry_run · status · report(JSON) · error
//   (vulnerability database tables: src/scan/vulndb/schema.ts)
//   image_scans       (repository, digest) PK → manifests · status · description · scan_type ·
//                     requested_at · completed_at · inventory(JSON) · findings(JSON) ·
//                     severity_counts(JSON) · db_generation · source_updated_at (latest scan)
//   repositories      + scan_pull_block (severity at or above which pulls are refused)
//
// Times are epoch milliseconds (bigint). Text sorts byte-wise (SQLite BINARY; PostgreSQL columns
// that are paginated use COLLATE "C"), which is the order OCI pagination needs.
import type { Generated } from 'kysely';

export interface RepositoriesTable {
  name: string;
  created_at: number;
  policy: string | null;
  resource_tags: string | null;
  image_tag_mutability: string;
  mutability_exclusions: string | null;
  scan_on_push: number;
  encryption_type: string;
  kms_key: string | null;
  lifecycle_policy: string | null;
  storage_scope: string;
  unique_bytes: Generated<number>;
  shared_bytes: Generated<number>;
  scan_pull_block: string | null;
}

export interface CreationTemplatesTable {
  prefix: string;
  description: string | null;
  applied_for: string;
  image_tag_mutability: string;
  mutability_exclusions: string | null;
  encryption_type: string;
  kms_key: string | null;
  resource_tags: string | null;
  repository_policy: string | null;
  lifecycle_policy: string | null;
  custom_role_arn: string | null;
  created_at: number;
  updated_at: number;
}

export interface EventsOutboxTable {
  id: Generated<number>;
  at: number;
  detail_type: string;
  detail: string;
  delivered_at: number | null;
}

export interface PullTimeExclusionsTable {
  principal_arn: string;
  created_at: number;
}

export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
  link_count: Generated<number>;
  gc_state: Generated<string>;
  gc_marked_at: number | null;
}

export interface ImageScansTable {
  repository: string;
  digest: string;
  status: string;
  description: string;
  scan_type: string;
  requested_at: number;
  completed_at: number | null;
  inventory: string | null;
  findings: string | null;
  severity_counts: string | null;
  db_generation: number | null;
  source_updated_at: number | null;
}

export interface QuotasTable {
  scope: string;
  max_bytes: number | null;
  max_images: number | null;
  updated_at: number;
}

export interface GcRunsTable {
  id: string;
  started_at: number;
  finished_at: number | null;
  dry_run: number;
  status: string;
  report: string | null;
  error: string | null;
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
  storage_scope: Generated<string>;
  size: number;
  digest: string | null;
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

export interface UsersTable {
  name: string;
  user_id: string;
  path: string;
  created_at: number;
}

export interface UserPoliciesTable {
  user_name: string;
  policy_name: string;
  document: string;
}

export interface RolesTable {
  name: string;
  role_id: string;
  path: string;
  trust_policy: string;
  max_session_seconds: number;
  created_at: number;
}

export interface RolePoliciesTable {
  role_name: string;
  policy_name: string;
  document: string;
}

export interface RoleSessionsTable {
  access_key_id: string;
  role_name: string;
  session_name: string;
  secret_sealed: string;
  session_token: string;
  expires_at: number;
  created_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  request_id: string | null;
  principal_arn: string;
  action: string;
  resource: string;
  source_ip: string | null;
  decision: string;
  detail: string | null;
}

export interface LifecyclePreviewsTable {
  repository: string;
  id: string;
  policy_text: string;
  status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  results: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface LifecycleRunsTable {
  repository: string;
  policy_digest: string;
  run_id: string;
  evaluated_at: number;
  expired_count: number;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  key: string | null;
  payload: string;
  status: 'pending' | 'done' | 'failed';
  run_at: number;
  every_ms: number | null;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface DataKeysTable {
  ref: string;
  key_name: string;
  key_version: number;
  wrapped: string;
  created_at: number;
}

export interface Database {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  quotas: QuotasTable;
  image_scans: ImageScansTable;
  gc_runs: GcRunsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_children: ManifestChildrenTable;
  tags: TagsTable;
  uploads: UploadsTable;
  settings: SettingsTable;
  access_keys: AccessKeysTable;
  users: UsersTable;
  user_policies: UserPoliciesTable;
  roles: RolesTable;
  role_policies: RolePoliciesTable;
  role_sessions: RoleSessionsTable;
  audit_log: AuditLogTable;
  creation_templates: CreationTemplatesTable;
  events_outbox: EventsOutboxTable;
  pull_time_exclusions: PullTimeExclusionsTable;
  jobs: JobsTable;
  data_keys: DataKeysTable;
  lifecycle_previews: LifecyclePreviewsTable;
  lifecycle_runs: LifecycleRunsTable;
}
