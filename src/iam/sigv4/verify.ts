// Verifying a SigV4-signed request, in the order AWS reports failures:
//   1. find the claim: Authorization header, or X-Amz-* query parameters (presigned), not both
//   2. the scope: credential day = request day, region = ours, service one of ours
//   3. the signature must cover host (and the date header it relies on)
//   4. the clock: request time within the skew window, presigned URLs not past X-Amz-Expires
//   5. the key: known access key; its session token, if any, presented, equal and signed
//   6. the payload: x-amz-content-sha256 equal to what was received, UNSIGNED-PAYLOAD only if allowed
//   7. the signature itself, compared in constant time
// Pure apart from crypto: the caller passes the clock (`now`) and the body hash.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ALGORITHM,
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  percentDecode,
  splitQuery,
  stringToSign,
  type HeaderValue,
} from './canonical.js';
import { sigV4Error, type SigV4Dialect, type SigV4Failure } from './errors.js';
import {
  formatAmzDate,
  parseAmzDate,
  parseAuthorizationHeader,
  parseCredential,
  parseSignedHeaders,
  quote,
  type CredentialScope,
} from './parse.js';
import { hmac, signingKey } from './signing-key.js';

export interface SignedRequest {
  method: string;
  /** Raw path as received, still percent-encoded, without the query. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** Header names lower-case, as Node gives them; pass `req.headersDistinct` to keep repeated headers apart. */
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body the server actually received, or UNSIGNED-PAYLOAD when it did not hash it. */
  payloadSha256Hex: string | 'UNSIGNED-PAYLOAD';
}

export interface SecretLookup {
  (accessKeyId: string): Promise<{ secretAccessKey: string; sessionToken?: string; expiration?: Date } | null>;
}

export interface VerifyOptions {
  region: string;
  services: string[];
  now: Date;
  /** Allowed clock difference either way; default 15 minutes. */
  maxSkewMs?: number;
  allowUnsignedPayload?: boolean;
  /** Which protocol's error codes to raise: ECR's JSON ('json', default) or IAM/STS query ('query'). */
  dialect?: SigV4Dialect;
}

export interface VerifiedIdentity {
  accessKeyId: string;
  service: string;
  region: string;
  signedHeaders: string[];
  sessionToken?: string;
  /** True when the signature came in the query string (a presigned URL). */
  presigned: boolean;
  /**
   * The payload hash the signature covers. When the caller passed UNSIGNED-PAYLOAD this may still be
   * a client-declared hex hash, which the caller must check against the body once it has read it.
   */
  payloadHash: string;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;
const TOKEN_PARAM = 'X-Amz-Security-Token';
const TOKEN_HEADER = 'x-amz-security-token';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** What a request says about its own signature, from either place it can carry it. */
interface Claim extends CredentialScope {
  signedHeaders: string[];
  signature: string;
  /** The request time exactly as it enters the string to sign (ISO 8601 basic). */
  amzDate: string;
  time: Date;
  /** The header the time came from, which must then be signed; none for presigned URLs. */
  dateHeader?: 'x-amz-date' | 'date';
  /** Presigned URLs only. */
  expiresSeconds?: number;
  token?: { value: string; signed: boolean };
  canonicalQuery: string;
}

type Fail = (failure: SigV4Failure, message: string) => Error;

export async function verifySigV4(req: SignedRequest, lookup: SecretLookup, options: VerifyOptions): Promise<VerifiedIdentity> {
  const dialect = options.dialect ?? 'json';
  const fail: Fail = (failure, message) => sigV4Error(dialect, failure, message);
  if (req.payloadSha256Hex !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(req.payloadSha256Hex)) {
    throw new TypeError('payloadSha256Hex must be lower-case hex SHA-256 or UNSIGNED-PAYLOAD');
  }
  const headers = new Map<string, HeaderValue>();
  for (const [name, value] of Object.entries(req.headers)) headers.set(name.toLowerCase(), value);
  const params = decodedParams(req.query);

  const authorization = headers.get('authorization');
  const presigned = params.has('X-Amz-Algorithm');
  if (authorization !== undefined && presigned) {
    throw fail('incomplete', 'Only one auth mechanism allowed; send either the Authorization header or the X-Amz-Algorithm query parameter, not both.');
  }
  let claim: Claim;
  if (authorization !== undefined) claim = headerClaim(req, headers, authorization, dialect);
  else if (presigned) claim = queryClaim(req, headers, params, dialect);
  else throw fail('missing', dialect === 'json' ? 'Missing Authentication Token' : 'Request is missing Authentication Token');

  checkScope(claim, options, fail);
  checkSignedHeaders(claim, fail);
  checkClock(claim, options, fail);

  const secret = await lookup(claim.accessKeyId);
  if (!secret) throw fail('unknownKey', INVALID_TOKEN);
  if (secret.sessionToken !== undefined) {
    if (!claim.token || !constantTimeEqual(claim.token.value, secret.sessionToken)) throw fail('invalidToken', INVALID_TOKEN);
    if (!claim.token.signed) throw fail('incomplete', "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
    if (secret.expiration && options.now.getTime() >= secret.expiration.getTime()) {
      throw fail('tokenExpired', 'The security token included in the request is expired');
    }
  } else if (claim.token) {
    throw fail('invalidToken', INVALID_TOKEN);
  }

  const payloadHash = payloadHashOf(req, headers, options, fail);
  const scope = `${claim.date}/${claim.region}/${claim.service}/aws4_request`;
  const canonical = canonicalRequest({
    method: req.method,
    uri: canonicalUri(req.path),
    query: claim.canonicalQuery,
    headers: canonicalHeaders(headers, claim.signedHeaders),
    signedHeaders: claim.signedHeaders,
    payloadHash,
  });
  const key = signingKey(secret.secretAccessKey, claim.date, claim.region, claim.service);
  const expected = hmac(key, stringToSign(claim.amzDate, scope, canonical));
  if (!/^[0-9a-f]{64}$/.test(claim.signature) || !timingSafeEqual(expected, Buffer.from(claim.signature, 'hex'))) {
    throw fail('mismatch', 'The signature we calculated does not match the one provided; check the secret access key and the signing method.');
  }

  const identity: VerifiedIdentity = {
    accessKeyId: claim.accessKeyId,
    service: claim.service,
    region: claim.region,
    signedHeaders: claim.signedHeaders,
    presigned,
    payloadHash,
  };
  if (secret.sessionToken !== undefined) identity.sessionToken = secret.sessionToken;
  return identity;
}

/** Decoded query parameters by name; only the X-Amz-* ones are ever looked up. */
function decodedParams(rawQuery: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of splitQuery(rawQuery)) {
    const key = percentDecode(name).toString('utf8');
    const list = params.get(key);
    const decoded = percentDecode(value).toString('utf8');
    if (list) list.push(decoded);
    else params.set(key, [decoded]);
  }
  return params;
}

function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

function headerClaim(req: SignedRequest, headers: Map<string, HeaderValue>, authorization: HeaderValue, dialect: SigV4Dialect): Claim {
  const incomplete = (message: string) => sigV4Error(dialect, 'incomplete', message);
  const value = single(authorization);
  if (value === undefined) throw incomplete('The request carries more than one Authorization header.');
  const parsed = parseAuthorizationHeader(value, dialect);

  let time: Date | null;
  let amzDate: string;
  let dateHeader: Claim['dateHeader'];
  const amzDateValue = headers.get('x-amz-date');
  const dateValue = headers.get('date');
  if (amzDateValue !== undefined) {
    amzDate = single(amzDateValue) ?? '';
    time = parseAmzDate(amzDate);
    dateHeader = 'x-amz-date';
    if (!time) throw incomplete(`X-Amz-Date must be an ISO 8601 basic-format UTC time (YYYYMMDD'T'HHMMSS'Z'), not ${quote(amzDate)}.`);
  } else if (dateValue !== undefined) {
    const text = single(dateValue) ?? '';
    const millis = Date.parse(text);
    if (Number.isNaN(millis)) throw incomplete(`The Date header is not a valid HTTP date: ${quote(text)}.`);
    time = new Date(millis);
    amzDate = formatAmzDate(time);
    dateHeader = 'date';
  } else {
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }

  const tokenValue = headers.get(TOKEN_HEADER);
  const claim: Claim = { ...parsed, amzDate, time, dateHeader, canonicalQuery: canonicalQuery(req.query) };
  if (tokenValue !== undefined) {
    claim.token = { value: single(tokenValue) ?? '', signed: parsed.signedHeaders.includes(TOKEN_HEADER) };
  }
  return claim;
}

function queryClaim(req: SignedRequest, headers: Map<string, HeaderValue>, params: Map<string, string[]>, dialect: SigV4Dialect): Claim {
  const incomplete = (message: string) => sigV4Error(dialect, 'incomplete', message);
  const missing = PRESIGN_PARAMS.filter((name) => !params.get(name)?.[0]);
  if (missing.length > 0) {
    throw incomplete(`AWS query-string parameters must include ${missing.map((name) => `'${name}'`).join(', ')}. Re-examine the query-string parameters.`);
  }
  const repeated = [...PRESIGN_PARAMS, TOKEN_PARAM].find((name) => (params.get(name)?.length ?? 0) > 1);
  if (repeated) throw incomplete(`The query-string parameter '${repeated}' appears more than once.`);
  const get = (name: string) => params.get(name)![0]!;

  if (get('X-Amz-Algorithm') !== ALGORITHM) {
    throw incomplete(`Unsupported X-Amz-Algorithm ${quote(get('X-Amz-Algorithm'))}; this endpoint accepts only '${ALGORITHM}'.`);
  }
  const amzDate = get('X-Amz-Date');
  const time = parseAmzDate(amzDate);
  if (!time) throw incomplete(`X-Amz-Date must be an ISO 8601 basic-format UTC time (YYYYMMDD'T'HHMMSS'Z'), not ${quote(amzDate)}.`);
  const expires = get('X-Amz-Expires');
  const expiresSeconds = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_PRESIGNED_SECONDS)) {
    throw incomplete(`X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGNED_SECONDS}, not ${quote(expires)}.`);
  }
  const signedHeaders = parseSignedHeaders(get('X-Amz-SignedHeaders'), dialect);
  const claim: Claim = {
    ...parseCredential(get('X-Amz-Credential'), dialect),
    signedHeaders,
    signature: get('X-Amz-Signature'),
    amzDate,
    time,
    expiresSeconds,
    canonicalQuery: canonicalQuery(req.query, 'X-Amz-Signature'),
  };
  // Every query parameter but the signature is signed, so a token there is always covered.
  const tokenParam = params.get(TOKEN_PARAM)?.[0];
  const tokenHeader = headers.get(TOKEN_HEADER);
  if (tokenParam !== undefined) claim.token = { value: tokenParam, signed: true };
  else if (tokenHeader !== undefined) claim.token = { value: single(tokenHeader) ?? '', signed: signedHeaders.includes(TOKEN_HEADER) };
  return claim;
}

function checkScope(claim: Claim, options: VerifyOptions, fail: Fail): void {
  const day = claim.amzDate.slice(0, 8);
  if (claim.date !== day) {
    throw fail(
      'scope',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.date}' != '${day}', from '${claim.amzDate}'.`,
    );
  }
  if (claim.region !== options.region) {
    throw fail('scope', `Credential should be scoped to a valid region, not ${quote(claim.region)}; this endpoint is '${options.region}'.`);
  }
  if (!options.services.includes(claim.service)) {
    const expected = options.services.map((service) => `'${service}'`).join(' or ');
    throw fail('scope', `Credential should be scoped to correct service: ${expected}, not ${quote(claim.service)}.`);
  }
}

function checkSignedHeaders(claim: Claim, fail: Fail): void {
  if (!claim.signedHeaders.includes('host')) {
    throw fail('incomplete', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (claim.dateHeader && !claim.signedHeaders.includes(claim.dateHeader)) {
    const name = claim.dateHeader === 'date' ? 'Date' : 'X-Amz-Date';
    throw fail('incomplete', `'${name}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
}

function checkClock(claim: Claim, options: VerifyOptions, fail: Fail): void {
  const skew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const now = options.now.getTime();
  const signedAt = claim.time.getTime();
  const window = skew % 60_000 === 0 ? `${skew / 60_000} min.` : `${skew / 1000} s`;
  const nowText = formatAmzDate(options.now);
  if (signedAt > now + skew) {
    throw fail(
      'expired',
      `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(new Date(now + skew))} (${nowText} + ${window})`,
    );
  }
  if (claim.expiresSeconds !== undefined) {
    const expiresAt = signedAt + claim.expiresSeconds * 1000;
    if (now > expiresAt) {
      throw fail('expired', `Signature expired: ${formatAmzDate(new Date(expiresAt))} is now earlier than ${nowText} (${claim.amzDate} + ${claim.expiresSeconds} s)`);
    }
  } else if (signedAt < now - skew) {
    throw fail(
      'expired',
      `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(new Date(now - skew))} (${nowText} - ${window})`,
    );
  }
}

function payloadHashOf(req: SignedRequest, headers: Map<string, HeaderValue>, options: VerifyOptions, fail: Fail): string {
  const declared = headers.get('x-amz-content-sha256');
  const unsignedAllowed = options.allowUnsignedPayload === true;
  const refuseUnsigned = () =>
    fail('mismatch', 'This endpoint requires a signed payload; UNSIGNED-PAYLOAD is not accepted.');
  if (declared === undefined) {
    if (req.payloadSha256Hex === UNSIGNED_PAYLOAD && !unsignedAllowed) throw refuseUnsigned();
    return req.payloadSha256Hex;
  }
  const value = single(declared);
  if (value === UNSIGNED_PAYLOAD) {
    if (!unsignedAllowed) throw refuseUnsigned();
    return value;
  }
  if (value === undefined || !HEX_SHA256.test(value)) {
    throw fail('incomplete', `x-amz-content-sha256 must be a hex SHA-256 or UNSIGNED-PAYLOAD, not ${quote(value ?? '(repeated)')}.`);
  }
  if (req.payloadSha256Hex === UNSIGNED_PAYLOAD) {
    if (!unsignedAllowed) throw refuseUnsigned();
  } else if (value.toLowerCase() !== req.payloadSha256Hex) {
    throw fail('mismatch', "The provided 'x-amz-content-sha256' header does not match the hash of the payload received.");
  }
  return value;
}

/** Equal-length digests first, so neither the length nor the content of a token leaks through timing. */
function constantTimeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
