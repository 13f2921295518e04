// Presigned URLs (signature in the query string), as the AWS signer's presign() makes them, e.g. the
// STS GetCallerIdentity URL that Kubernetes authenticators pass around.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifySigV4, type SignedRequest, type VerifyOptions } from '../../../src/iam/sigv4/index.js';
import { presignRequest, signRequest, type PlainRequest, type SignOptions } from './aws-signer.js';
import { copy, KEY, lookup, rejectsWith, SIGNED_AT, TEMP_KEY } from './fixtures.js';

const STS: VerifyOptions = { region: 'us-east-1', services: ['sts'], now: SIGNED_AT, dialect: 'query' };
const request: PlainRequest = {
  method: 'GET',
  path: '/',
  query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  headers: { host: 'localhost:5000' },
};
const signing: SignOptions & { expiresIn: number } = { credentials: KEY, region: 'us-east-1', service: 'sts', signingDate: SIGNED_AT, expiresIn: 60 };

function after(seconds: number, options: VerifyOptions = STS): VerifyOptions {
  return { ...options, now: new Date(SIGNED_AT.getTime() + seconds * 1000) };
}

function withParam(req: SignedRequest, name: string, value: string): SignedRequest {
  const out = copy(req);
  out.query = req.query.replace(new RegExp(`${name}=[^&]*`), `${name}=${value}`);
  return out;
}

describe('presigned query authentication', () => {
  let presigned: SignedRequest;
  before(async () => {
    presigned = await presignRequest(request, signing);
  });

  it('verifies during its validity and reports it as presigned', async () => {
    assert.match(presigned.query, /X-Amz-Signature=[0-9a-f]{64}/);
    assert.equal(presigned.headers.authorization, undefined);
    const identity = await verifySigV4(presigned, lookup, after(59));
    assert.equal(identity.presigned, true);
    assert.deepEqual(identity.signedHeaders, ['host']);
  });

  it('rejects it once X-Amz-Expires has passed: RequestExpired / InvalidSignatureException', async () => {
    await rejectsWith(verifySigV4(presigned, lookup, after(61)), 'RequestExpired', 400, /^Signature expired: 20261125T120100Z is now earlier than 20261125T120101Z/);
    await rejectsWith(verifySigV4(presigned, lookup, after(61, { ...STS, dialect: 'json' })), 'InvalidSignatureException', 400);
  });

  it('rejects one dated more than 15 minutes ahead', async () => {
    await rejectsWith(verifySigV4(presigned, lookup, after(-16 * 60)), 'RequestExpired', 400, /not yet current/);
  });

  it('rejects a tampered parameter, signature or key', async () => {
    await rejectsWith(verifySigV4(withParam(presigned, 'Action', 'GetSessionToken'), lookup, STS), 'SignatureDoesNotMatch', 403);
    await rejectsWith(verifySigV4(withParam(presigned, 'X-Amz-Expires', '3600'), lookup, STS), 'SignatureDoesNotMatch', 403);
    await rejectsWith(verifySigV4(withParam(presigned, 'X-Amz-Signature', '0'.repeat(64)), lookup, STS), 'SignatureDoesNotMatch', 403);
    await rejectsWith(
      verifySigV4(withParam(presigned, 'X-Amz-Credential', 'AKIAUNKNOWNKEY000000%2F20261125%2Fus-east-1%2Fsts%2Faws4_request'), lookup, STS),
      'InvalidClientTokenId',
      403,
    );
  });

  it('rejects an extra parameter added after signing', async () => {
    const req = copy(presigned);
    req.query += '&Extra=1';
    await rejectsWith(verifySigV4(req, lookup, STS), 'SignatureDoesNotMatch', 403);
  });

  it('carries a session token in the query, which is always covered', async () => {
    const req = await presignRequest(request, { ...signing, credentials: TEMP_KEY });
    assert.match(req.query, /X-Amz-Security-Token=/);
    const identity = await verifySigV4(req, lookup, STS);
    assert.equal(identity.sessionToken, TEMP_KEY.sessionToken);
    await rejectsWith(verifySigV4(withParam(req, 'X-Amz-Security-Token', 'other'), lookup, STS), 'InvalidClientTokenId', 403);
  });

  it('rejects missing, repeated or out-of-range parameters as IncompleteSignature', async () => {
    const noCredential = copy(presigned);
    noCredential.query = presigned.query.replace(/X-Amz-Credential=[^&]*&?/, '');
    await rejectsWith(verifySigV4(noCredential, lookup, STS), 'IncompleteSignature', 400, /must include 'X-Amz-Credential'/);
    const twice = copy(presigned);
    twice.query += '&X-Amz-Signature=00';
    await rejectsWith(verifySigV4(twice, lookup, STS), 'IncompleteSignature', 400, /more than once/);
    await rejectsWith(verifySigV4(withParam(presigned, 'X-Amz-Expires', '604801'), lookup, STS), 'IncompleteSignature', 400, /X-Amz-Expires/);
    await rejectsWith(verifySigV4(withParam(presigned, 'X-Amz-Algorithm', 'AWS4-HMAC-SHA1'), lookup, STS), 'IncompleteSignature', 400);
    await rejectsWith(verifySigV4(withParam(presigned, 'X-Amz-Date', '20261125T1200Z'), lookup, STS), 'IncompleteSignature', 400);
  });

  it('refuses a request that carries both an Authorization header and a presigned query', async () => {
    const headerSigned = await signRequest(request, signing);
    const both = copy(presigned);
    both.headers.authorization = headerSigned.headers.authorization;
    await rejectsWith(verifySigV4(both, lookup, STS), 'IncompleteSignature', 400, /Only one auth mechanism/);
  });
});
