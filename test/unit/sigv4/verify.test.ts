// Header-signed requests made by the official AWS signer pass; each tampered part fails with the
// exact error AWS would give for that protocol.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifySigV4, type SignedRequest, type SigV4ErrorType, type VerifyOptions } from '../../../src/iam/sigv4/index.js';
import { cachedSigningKeys } from '../../../src/iam/sigv4/signing-key.js';
import { sha256Hex, signRequest, type PlainRequest, type SignOptions } from './aws-signer.js';
import { authComponent, copy, KEY, lookup, MINUTE, rejectsWith, SIGNED_AT, TEMP_KEY, withAuthComponent } from './fixtures.js';

const ECR: VerifyOptions = { region: 'us-east-1', services: ['ecr'], now: SIGNED_AT, dialect: 'json' };
const ecrBody = JSON.stringify({ repositoryNames: ['team/app'], maxResults: 10 });
const ecrRequest: PlainRequest = {
  method: 'POST',
  path: '/',
  headers: {
    host: 'localhost:5000',
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
    'content-length': String(Buffer.byteLength(ecrBody)),
  },
  body: ecrBody,
};
const ecrSigning: SignOptions = { credentials: KEY, region: 'us-east-1', service: 'ecr', signingDate: SIGNED_AT };

function at(offsetMs: number, options: VerifyOptions = ECR): VerifyOptions {
  return { ...options, now: new Date(SIGNED_AT.getTime() + offsetMs) };
}

describe('ECR JSON POST / signed with the Authorization header', () => {
  let signed: SignedRequest;
  let unchecksummed: SignedRequest;
  before(async () => {
    signed = await signRequest(ecrRequest, ecrSigning);
    unchecksummed = await signRequest(ecrRequest, { ...ecrSigning, applyChecksum: false });
  });

  it('verifies and reports the identity', async () => {
    const identity = await verifySigV4(signed, lookup, ECR);
    assert.deepEqual(identity, {
      accessKeyId: KEY.accessKeyId,
      service: 'ecr',
      region: 'us-east-1',
      signedHeaders: ['content-length', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-target'],
      presigned: false,
      payloadHash: sha256Hex(ecrBody),
    });
  });

  it('verifies without x-amz-content-sha256 (as the AWS CLI signs), using the computed body hash', async () => {
    assert.equal(unchecksummed.headers['x-amz-content-sha256'], undefined);
    const identity = await verifySigV4(unchecksummed, lookup, ECR);
    assert.equal(identity.payloadHash, sha256Hex(ecrBody));
  });

  it('reuses the derived signing key on the hot path', async () => {
    await verifySigV4(signed, lookup, ECR);
    const held = cachedSigningKeys();
    for (let i = 0; i < 20; i++) await verifySigV4(signed, lookup, ECR);
    assert.equal(cachedSigningKeys(), held);
  });

  it('accepts any service named in options.services', async () => {
    await verifySigV4(signed, lookup, { ...ECR, services: ['api.ecr', 'ecr'] });
  });

  it('tolerates clock skew up to 15 minutes either way, and a custom window', async () => {
    await verifySigV4(signed, lookup, at(14 * MINUTE));
    await verifySigV4(signed, lookup, at(-14 * MINUTE));
    await rejectsWith(verifySigV4(signed, lookup, { ...at(2 * MINUTE), maxSkewMs: MINUTE }), 'InvalidSignatureException', 400, /\(20261125T120200Z - 1 min\.\)/);
  });

  it('ignores headers that were not signed and normalises whitespace in signed ones', async () => {
    const req = copy(signed);
    req.headers['user-agent'] = 'aws-cli/2.x';
    req.headers['x-forwarded-for'] = '10.1.2.3';
    req.headers['content-type'] = '  application/x-amz-json-1.1 \t';
    await verifySigV4(req, lookup, ECR);
  });

  const tampers: Array<[string, (req: SignedRequest) => void, SigV4ErrorType, RegExp?]> = [
    ['method', (req) => (req.method = 'PUT'), 'InvalidSignatureException', /does not match/],
    ['path', (req) => (req.path = '/v2/'), 'InvalidSignatureException'],
    ['query', (req) => (req.query = 'x=1'), 'InvalidSignatureException'],
    ['a signed header', (req) => (req.headers['x-amz-target'] = 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository'), 'InvalidSignatureException'],
    ['the host header', (req) => (req.headers.host = 'evil.example:5000'), 'InvalidSignatureException'],
    ['a signed header removed', (req) => delete req.headers['x-amz-target'], 'InvalidSignatureException'],
    ['the body', (req) => (req.payloadSha256Hex = sha256Hex('{"repositoryNames":["other"]}')), 'InvalidSignatureException', /x-amz-content-sha256/],
    ['x-amz-date by one second', (req) => (req.headers['x-amz-date'] = '20261125T120001Z'), 'InvalidSignatureException', /does not match/],
    ['x-amz-date malformed', (req) => (req.headers['x-amz-date'] = '2026-11-25T12:00:00Z'), 'IncompleteSignatureException', /ISO 8601/],
    ['x-amz-date removed', (req) => delete req.headers['x-amz-date'], 'IncompleteSignatureException', /'X-Amz-Date' or a 'Date'/],
    ['credential day', (req) => Object.assign(req, withAuthComponent(req, 'Credential', `${KEY.accessKeyId}/20261124/us-east-1/ecr/aws4_request`)), 'InvalidSignatureException', /'20261124' != '20261125'/],
    ['the key id', (req) => Object.assign(req, withAuthComponent(req, 'Credential', `AKIAUNKNOWNKEY000000/20261125/us-east-1/ecr/aws4_request`)), 'UnrecognizedClientException', /security token included in the request is invalid/],
    ['signature in upper case', (req) => Object.assign(req, withAuthComponent(req, 'Signature', authComponent(req, 'Signature').toUpperCase())), 'InvalidSignatureException'],
    ['signature one digit short', (req) => Object.assign(req, withAuthComponent(req, 'Signature', authComponent(req, 'Signature').slice(1))), 'InvalidSignatureException'],
    ['signature one digit long', (req) => Object.assign(req, withAuthComponent(req, 'Signature', `${authComponent(req, 'Signature')}0`)), 'InvalidSignatureException'],
    ['signature one bit', (req) => {
      const signature = authComponent(req, 'Signature');
      const flipped = (parseInt(signature[63]!, 16) ^ 1).toString(16);
      Object.assign(req, withAuthComponent(req, 'Signature', signature.slice(0, 63) + flipped));
    }, 'InvalidSignatureException'],
    ['x-amz-date dropped from SignedHeaders', (req) => Object.assign(req, withAuthComponent(req, 'SignedHeaders', 'content-length;content-type;host;x-amz-content-sha256;x-amz-target')), 'IncompleteSignatureException', /'X-Amz-Date' must be a 'SignedHeader'/],
    ['Authorization removed', (req) => delete req.headers.authorization, 'MissingAuthenticationTokenException', /Missing Authentication Token/],
    ['Authorization of another scheme', (req) => (req.headers.authorization = 'Basic QVdTOnNlY3JldA=='), 'IncompleteSignatureException', /Unsupported Authorization algorithm 'Basic'/],
    ['Authorization without Signature', (req) => (req.headers.authorization = String(req.headers.authorization).replace(/, Signature=.*$/, '')), 'IncompleteSignatureException', /requires 'Signature' parameter/],
  ];
  for (const [part, mutate, type, message] of tampers) {
    it(`rejects a tampered ${part} with ${type}`, async () => {
      const req = copy(signed);
      mutate(req);
      await rejectsWith(verifySigV4(req, lookup, ECR), type, undefined, message);
    });
  }

  it('rejects a changed body when the hash was not sent as a header', async () => {
    const req = copy(unchecksummed);
    req.payloadSha256Hex = sha256Hex(`${ecrBody} `);
    await rejectsWith(verifySigV4(req, lookup, ECR), 'InvalidSignatureException', 400, /does not match/);
  });

  it('rejects a request signed for another region, naming the expected one', async () => {
    const req = await signRequest(ecrRequest, { ...ecrSigning, region: 'eu-west-1' });
    await rejectsWith(verifySigV4(req, lookup, ECR), 'InvalidSignatureException', 400, /Credential should be scoped to a valid region, not 'eu-west-1'; this endpoint is 'us-east-1'/);
  });

  it('rejects a request signed for another service, naming the expected one', async () => {
    const req = await signRequest(ecrRequest, { ...ecrSigning, service: 's3' });
    await rejectsWith(verifySigV4(req, lookup, ECR), 'InvalidSignatureException', 400, /Credential should be scoped to correct service: 'ecr', not 's3'/);
  });

  it('rejects an unknown access key with UnrecognizedClientException (400)', async () => {
    const req = await signRequest(ecrRequest, { ...ecrSigning, credentials: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: KEY.secretAccessKey } });
    await rejectsWith(verifySigV4(req, lookup, ECR), 'UnrecognizedClientException', 400);
  });

  it('rejects the right key id with the wrong secret', async () => {
    const req = await signRequest(ecrRequest, { ...ecrSigning, credentials: { ...KEY, secretAccessKey: `${KEY.secretAccessKey}x` } });
    await rejectsWith(verifySigV4(req, lookup, ECR), 'InvalidSignatureException', 400);
  });

  it('rejects a signature without host in SignedHeaders', async () => {
    const { host: _host, ...withoutHost } = ecrRequest.headers;
    const req = await signRequest({ ...ecrRequest, headers: withoutHost }, ecrSigning);
    assert.doesNotMatch(authComponent(req, 'SignedHeaders'), /host/);
    req.headers.host = 'localhost:5000'; // Node always has it
    await rejectsWith(verifySigV4(req, lookup, ECR), 'IncompleteSignatureException', 400, /'Host' must be a 'SignedHeader'/);
  });

  it('rejects a request 16 minutes old: "Signature expired"', async () => {
    await rejectsWith(
      verifySigV4(signed, lookup, at(16 * MINUTE)),
      'InvalidSignatureException',
      400,
      /^Signature expired: 20261125T120000Z is now earlier than 20261125T120100Z \(20261125T121600Z - 15 min\.\)$/,
    );
  });

  it('rejects a request 16 minutes in the future: "Signature not yet current"', async () => {
    await rejectsWith(
      verifySigV4(signed, lookup, at(-16 * MINUTE)),
      'InvalidSignatureException',
      400,
      /^Signature not yet current: 20261125T120000Z is still later than 20261125T115900Z \(20261125T114400Z \+ 15 min\.\)$/,
    );
  });
});

describe('session tokens', () => {
  const tempSigning: SignOptions = { ...ecrSigning, credentials: TEMP_KEY };
  let signed: SignedRequest;
  before(async () => {
    signed = await signRequest(ecrRequest, tempSigning);
  });

  it('verifies a request carrying the signed token and reports it', async () => {
    assert.equal(signed.headers['x-amz-security-token'], TEMP_KEY.sessionToken);
    const identity = await verifySigV4(signed, lookup, ECR);
    assert.equal(identity.sessionToken, TEMP_KEY.sessionToken);
    assert.ok(identity.signedHeaders.includes('x-amz-security-token'));
  });

  it('rejects a missing token', async () => {
    const req = copy(signed);
    delete req.headers['x-amz-security-token'];
    await rejectsWith(verifySigV4(req, lookup, ECR), 'UnrecognizedClientException', 400);
  });

  it('rejects a different token (same length and not)', async () => {
    for (const token of [TEMP_KEY.sessionToken.replace('TOKEN', 'TOKEM'), `${TEMP_KEY.sessionToken}x`, '']) {
      const req = copy(signed);
      req.headers['x-amz-security-token'] = token;
      await rejectsWith(verifySigV4(req, lookup, ECR), 'UnrecognizedClientException', 400);
    }
  });

  it('rejects a correct token that was not signed', async () => {
    const req = await signRequest(ecrRequest, { ...tempSigning, unsignableHeaders: new Set(['x-amz-security-token']) });
    assert.equal(req.headers['x-amz-security-token'], TEMP_KEY.sessionToken);
    await rejectsWith(verifySigV4(req, lookup, ECR), 'IncompleteSignatureException', 400, /X-Amz-Security-Token/);
  });

  it('rejects a token sent with a long-term key', async () => {
    const req = await signRequest({ ...ecrRequest, headers: { ...ecrRequest.headers, 'x-amz-security-token': 'stray' } }, ecrSigning);
    await rejectsWith(verifySigV4(req, lookup, ECR), 'UnrecognizedClientException', 400);
  });

  it('rejects a token the caller reports expired: ExpiredTokenException / ExpiredToken', async () => {
    const expiring = async () => ({ ...TEMP_KEY, expiration: new Date(SIGNED_AT.getTime() - 1) });
    await rejectsWith(verifySigV4(signed, expiring, ECR), 'ExpiredTokenException', 400, /expired/);
    await rejectsWith(verifySigV4(signed, expiring, { ...ECR, dialect: 'query' }), 'ExpiredToken', 400);
    await verifySigV4(signed, async () => ({ ...TEMP_KEY, expiration: new Date(SIGNED_AT.getTime() + 1) }), ECR);
  });
});

describe('payload hash', () => {
  const unsignedRequest: PlainRequest = { ...ecrRequest, headers: { ...ecrRequest.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } };

  it('accepts UNSIGNED-PAYLOAD only when allowed', async () => {
    const req = await signRequest(unsignedRequest, ecrSigning);
    await rejectsWith(verifySigV4(req, lookup, ECR), 'InvalidSignatureException', 400, /UNSIGNED-PAYLOAD/);
    const identity = await verifySigV4(req, lookup, { ...ECR, allowUnsignedPayload: true });
    assert.equal(identity.payloadHash, 'UNSIGNED-PAYLOAD');
  });

  it('when the caller did not hash the body, hands back the declared hash to check later (if allowed)', async () => {
    const req = copy(await signRequest(ecrRequest, ecrSigning));
    req.payloadSha256Hex = 'UNSIGNED-PAYLOAD';
    await rejectsWith(verifySigV4(req, lookup, ECR), 'InvalidSignatureException');
    const identity = await verifySigV4(req, lookup, { ...ECR, allowUnsignedPayload: true });
    assert.equal(identity.payloadHash, sha256Hex(ecrBody));
  });

  it('rejects a malformed x-amz-content-sha256', async () => {
    const req = await signRequest({ ...ecrRequest, headers: { ...ecrRequest.headers, 'x-amz-content-sha256': 'abc' } }, ecrSigning);
    await rejectsWith(verifySigV4(req, lookup, ECR), 'IncompleteSignatureException');
  });

  it('refuses a malformed payloadSha256Hex from the caller as a programming error', async () => {
    const req = copy(await signRequest(ecrRequest, ecrSigning));
    req.payloadSha256Hex = 'XYZ';
    await assert.rejects(verifySigV4(req, lookup, ECR), TypeError);
  });
});

describe('IAM query-style POST (form body), query dialect', () => {
  const IAM: VerifyOptions = { region: 'us-east-1', services: ['iam', 'sts'], now: SIGNED_AT, dialect: 'query' };
  const form = 'Action=CreateAccessKey&UserName=ci%20bot&Version=2010-05-08';
  const iamRequest: PlainRequest = {
    method: 'POST',
    path: '/',
    headers: { host: '127.0.0.1:5000', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: form,
  };
  const iamSigning: SignOptions = { credentials: KEY, region: 'us-east-1', service: 'iam', signingDate: SIGNED_AT, applyChecksum: false };
  let signed: SignedRequest;
  before(async () => {
    signed = await signRequest(iamRequest, iamSigning);
  });

  it('verifies', async () => {
    const identity = await verifySigV4(signed, lookup, IAM);
    assert.equal(identity.service, 'iam');
    assert.deepEqual(identity.signedHeaders, ['content-type', 'host', 'x-amz-date']);
  });

  const cases: Array<[string, (req: SignedRequest) => void, SigV4ErrorType, number]> = [
    ['a changed body', (req) => (req.payloadSha256Hex = sha256Hex(form.replace('ci%20bot', 'admin'))), 'SignatureDoesNotMatch', 403],
    ['a changed method', (req) => (req.method = 'GET'), 'SignatureDoesNotMatch', 403],
    ['an unknown key', (req) => Object.assign(req, withAuthComponent(req, 'Credential', 'AKIAUNKNOWNKEY000000/20261125/us-east-1/iam/aws4_request')), 'InvalidClientTokenId', 403],
    ['a wrong region', (req) => Object.assign(req, withAuthComponent(req, 'Credential', `${KEY.accessKeyId}/20261125/us-west-2/iam/aws4_request`)), 'SignatureDoesNotMatch', 403],
    ['a wrong service', (req) => Object.assign(req, withAuthComponent(req, 'Credential', `${KEY.accessKeyId}/20261125/us-east-1/ecr/aws4_request`)), 'SignatureDoesNotMatch', 403],
    ['no Authorization', (req) => delete req.headers.authorization, 'MissingAuthenticationToken', 403],
    ['a malformed Credential', (req) => Object.assign(req, withAuthComponent(req, 'Credential', `${KEY.accessKeyId}/20261125/us-east-1/iam`)), 'IncompleteSignature', 400],
    ['a session token sent with a long-term key', (req) => (req.headers['x-amz-security-token'] = 'x'), 'InvalidClientTokenId', 403],
  ];
  for (const [what, mutate, type, status] of cases) {
    it(`rejects ${what} with ${type} (${status})`, async () => {
      const req = copy(signed);
      mutate(req);
      await rejectsWith(verifySigV4(req, lookup, IAM), type, status);
    });
  }

  it('rejects a request 16 minutes old or early with RequestExpired (400)', async () => {
    await rejectsWith(verifySigV4(signed, lookup, at(16 * MINUTE, IAM)), 'RequestExpired', 400, /^Signature expired/);
    await rejectsWith(verifySigV4(signed, lookup, at(-16 * MINUTE, IAM)), 'RequestExpired', 400, /^Signature not yet current/);
  });
});

describe('GET with awkward query strings and paths', () => {
  const query = {
    'a b': 'c d',
    'ünïcödé': '日本語 ✓ 😀',
    'tilde~': '~x~',
    path: '/a/b c/',
    rep: ['z', 'a', 'm', 'a'],
    'reserved!*()': "it's;a=b&c+d,e:f@g",
    empty: '',
  };
  const getRequest: PlainRequest = { method: 'GET', path: '/v2/team%20x/app~1/tags/list', query, headers: { host: 'localhost' } };
  const OPTIONS: VerifyOptions = { ...ECR, services: ['ecr'] };
  let signed: SignedRequest;
  before(async () => {
    signed = await signRequest(getRequest, ecrSigning);
  });

  it('verifies the query exactly as the SDK put it on the wire', async () => {
    await verifySigV4(signed, lookup, OPTIONS);
  });

  it('verifies the same query however the client ordered and spelled the encoding', async () => {
    const req = copy(signed);
    const pairs = req.query.split('&').reverse();
    // lower-case hex escapes and needlessly escaped unreserved characters mean the same bytes
    req.query = pairs.join('&').replace(/%2F/g, '%2f').replace(/tilde~/, 'tilde%7E').replace(/%20/, '%20');
    assert.notEqual(req.query, signed.query);
    await verifySigV4(req, lookup, OPTIONS);
  });

  it('verifies a path with empty and dot segments, normalised as the SDK does', async () => {
    const req = await signRequest({ ...getRequest, path: '/v2//team%2Fx/./app/../tags/' }, ecrSigning);
    assert.equal(req.path, '/v2//team%2Fx/./app/../tags/');
    await verifySigV4(req, lookup, OPTIONS);
  });

  const tampers: Array<[string, (q: string) => string]> = [
    ['a value', (q) => q.replace('c%20d', 'c%20e')],
    ['a repeated value dropped', (q) => q.replace('rep=m&', '')],
    ['a parameter added', (q) => `${q}&extra=1`],
    ['a unicode value', (q) => q.replace('%E2%9C%93', '%E2%9C%94')],
    ['a space turned into +', (q) => q.replace('c%20d', 'c+d')],
  ];
  for (const [what, change] of tampers) {
    it(`rejects ${what}`, async () => {
      const req = copy(signed);
      req.query = change(req.query);
      assert.notEqual(req.query, signed.query);
      await rejectsWith(verifySigV4(req, lookup, OPTIONS), 'InvalidSignatureException');
    });
  }

  it('rejects a path decoded on the way in (the canonical URI is the raw path, encoded again)', async () => {
    const req = copy(signed);
    req.path = '/v2/team x/app~1/tags/list';
    await rejectsWith(verifySigV4(req, lookup, OPTIONS), 'InvalidSignatureException');
  });
});
