// AWS Signature Version 4 verification for the ECR JSON front door and the IAM/STS query API.
export { verifySigV4, type SecretLookup, type SignedRequest, type VerifiedIdentity, type VerifyOptions } from './verify.js';
export { parseAuthorizationHeader, type AuthorizationHeader } from './parse.js';
export { SigV4Error, type SigV4Dialect, type SigV4ErrorType } from './errors.js';
