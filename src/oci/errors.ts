// The one place domain errors become OCI error responses: `{"errors":[{code,message,detail}]}`.
import type { ErrorCode } from '../registry/index.js';

export const OCI_STATUS: Record<ErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 413,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOO_MANY_REQUESTS: 429,
  RANGE_INVALID: 416,
  PAGINATION_NUMBER_INVALID: 400,
  TAG_IMMUTABLE: 400,
  REPOSITORY_EXISTS: 400,
  REPOSITORY_NOT_EMPTY: 400,
  TEMPLATE_EXISTS: 400,
  TEMPLATE_UNKNOWN: 404,
  // A creation template naming a key the key ring lacks: the push cannot create the repository.
  KMS_KEY_UNKNOWN: 403,
  QUOTA_EXCEEDED: 403,
};

/** Domain codes that have no OCI spelling go out as the closest spec code. */
const OCI_CODE: Partial<Record<ErrorCode, string>> = {
  TAG_IMMUTABLE: 'TAG_INVALID',
  REPOSITORY_EXISTS: 'NAME_INVALID',
  REPOSITORY_NOT_EMPTY: 'DENIED',
  TEMPLATE_EXISTS: 'UNSUPPORTED',
  TEMPLATE_UNKNOWN: 'NAME_UNKNOWN',
  KMS_KEY_UNKNOWN: 'DENIED',
  QUOTA_EXCEEDED: 'DENIED',
};

export interface OciErrorBody {
  errors: { code: string; message: string; detail?: unknown }[];
}

export function ociErrorBody(code: ErrorCode, message: string, detail?: unknown): OciErrorBody {
  const wire = OCI_CODE[code] ?? code;
  return { errors: [detail === undefined ? { code: wire, message } : { code: wire, message, detail }] };
}
