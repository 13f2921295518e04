// An error in the shape every AWS protocol reports: a code (ECR's `__type`, IAM's `Code`), a
// message and an HTTP status. Each front door serialises it its own way.
import { SigV4Error } from '../iam/sigv4/index.js';
import { IamError } from '../iam/index.js';

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members some exceptions carry (e.g. InvalidLayerPartException's byte counts). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

/** Errors from the layers below that already carry an AWS code. */
export function asAwsError(error: unknown): AwsError | null {
  if (error instanceof AwsError) return error;
  if (error instanceof SigV4Error) return new AwsError(error.type, error.message, error.status);
  if (error instanceof IamError) return new AwsError(error.code, error.message, error.status);
  return null;
}
