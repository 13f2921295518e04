// SigV4 failures, declared once as data: each way a request can fail maps, per wire dialect, to the
// error code and HTTP status that AWS's own endpoints use, so SDKs react as they would against AWS.
//
//   failure            json (ECR, X-Amz-Target)                   query (IAM/STS, Action=...)
//   missing            MissingAuthenticationTokenException  403   MissingAuthenticationToken  403
//   incomplete         IncompleteSignatureException         400   IncompleteSignature         400
//   unknownKey         UnrecognizedClientException          400   InvalidClientTokenId        403
//   invalidToken       UnrecognizedClientException          400   InvalidClientTokenId        403
//   tokenExpired       ExpiredTokenException                400   ExpiredToken                400
//   mismatch / scope   InvalidSignatureException            400   SignatureDoesNotMatch       403
//   expired            InvalidSignatureException            400   RequestExpired              400

export type SigV4Dialect = 'json' | 'query';

export type SigV4ErrorType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ExpiredTokenException'
  | 'SignatureDoesNotMatch'
  | 'InvalidClientTokenId'
  | 'RequestExpired'
  | 'AccessDeniedException'
  // The query protocol's spellings (IAM and STS drop the "Exception" suffix).
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'ExpiredToken';

export class SigV4Error extends Error {
  constructor(
    readonly type: SigV4ErrorType,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SigV4Error';
  }
}

export type SigV4Failure =
  | 'missing'
  | 'incomplete'
  | 'unknownKey'
  | 'invalidToken'
  | 'tokenExpired'
  | 'mismatch'
  | 'scope'
  | 'expired';

const ERRORS: Record<SigV4Dialect, Record<SigV4Failure, readonly [SigV4ErrorType, number]>> = {
  json: {
    missing: ['MissingAuthenticationTokenException', 403],
    incomplete: ['IncompleteSignatureException', 400],
    unknownKey: ['UnrecognizedClientException', 400],
    invalidToken: ['UnrecognizedClientException', 400],
    tokenExpired: ['ExpiredTokenException', 400],
    mismatch: ['InvalidSignatureException', 400],
    scope: ['InvalidSignatureException', 400],
    expired: ['InvalidSignatureException', 400],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403],
    incomplete: ['IncompleteSignature', 400],
    unknownKey: ['InvalidClientTokenId', 403],
    invalidToken: ['InvalidClientTokenId', 403],
    tokenExpired: ['ExpiredToken', 400],
    mismatch: ['SignatureDoesNotMatch', 403],
    scope: ['SignatureDoesNotMatch', 403],
    expired: ['RequestExpired', 400],
  },
};

export function sigV4Error(dialect: SigV4Dialect, failure: SigV4Failure, message: string): SigV4Error {
  const [type, status] = ERRORS[dialect][failure];
  return new SigV4Error(type, message, status);
}
