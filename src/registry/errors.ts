// Domain errors carry a protocol-neutral code; each front door maps codes to its own wire format
// (oci/errors.ts for /v2/, the ECR dispatcher for the JSON API) in one place.

export type ErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOO_MANY_REQUESTS'
  | 'RANGE_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  // Domain outcomes the ECR API reports by name; /v2/ maps them onto the nearest OCI code.
  | 'TAG_IMMUTABLE'
  | 'REPOSITORY_EXISTS'
  | 'REPOSITORY_NOT_EMPTY'
  | 'TEMPLATE_EXISTS'
  | 'TEMPLATE_UNKNOWN'
  | 'KMS_KEY_UNKNOWN'
  | 'QUOTA_EXCEEDED';

export class RegistryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
