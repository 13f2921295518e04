// The canonical-request pieces on their own, published AWS examples, the Authorization parser, the
// Date-header variant and the signing-key cache.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getCanonicalQuery } from '@smithy/signature-v4';
import { parseAuthorizationHeader, verifySigV4, type SignedRequest } from '../../../src/iam/sigv4/index.js';
import { canonicalHeaders, canonicalQuery, canonicalRequest, canonicalUri, stringToSign } from '../../../src/iam/sigv4/canonical.js';
import { cachedSigningKeys, signingKey } from '../../../src/iam/sigv4/signing-key.js';
import { DateHeaderSigner, sha256Hex, wireQuery } from './aws-signer.js';
import { KEY, lookup, rejectsWith, SIGNED_AT } from './fixtures.js';
import { createHash } from 'node:crypto';

const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const EXAMPLE_TIME = new Date('2015-08-30T12:36:00Z');
const exampleLookup = async (id: string) => (id === 'AKIDEXAMPLE' ? { secretAccessKey: EXAMPLE_SECRET } : null);

describe('published AWS examples', () => {
  it('derives the documented signing key', () => {
    assert.equal(signingKey(EXAMPLE_SECRET, '20120215', 'us-east-1', 'iam').toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it('verifies the IAM ListUsers example (canonical request hash and signature)', async () => {
    const req: SignedRequest = {
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: {
        host: 'iam.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      },
      payloadSha256Hex: sha256Hex(''),
    };
    const signedHeaders = ['content-type', 'host', 'x-amz-date'];
    const canonical = canonicalRequest({
      method: 'GET',
      uri: canonicalUri(req.path),
      query: canonicalQuery(req.query),
      headers: canonicalHeaders(new Map(Object.entries(req.headers)), signedHeaders),
      signedHeaders,
      payloadHash: req.payloadSha256Hex,
    });
    assert.equal(createHash('sha256').update(canonical).digest('hex'), 'f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
    assert.match(stringToSign('20150830T123600Z', '20150830/us-east-1/iam/aws4_request', canonical), /\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59$/);
    const identity = await verifySigV4(req, exampleLookup, { region: 'us-east-1', services: ['iam'], now: EXAMPLE_TIME, dialect: 'query' });
    assert.equal(identity.accessKeyId, 'AKIDEXAMPLE');
  });

  it('verifies the test-suite "get-vanilla" request', async () => {
    const req: SignedRequest = {
      method: 'GET',
      path: '/',
      query: '',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      payloadSha256Hex: sha256Hex(''),
    };
    await verifySigV4(req, exampleLookup, { region: 'us-east-1', services: ['service'], now: EXAMPLE_TIME });
  });
});

describe('canonical URI (non-S3: normalised, then each segment encoded again)', () => {
  const cases: Array<[string, string]> = [
    ['/', '/'],
    ['', ''],
    ['/v2/team/app/manifests/latest', '/v2/team/app/manifests/latest'],
    ['/foo%20bar/', '/foo%2520bar/'],
    ['/a%2Fb', '/a%252Fb'],
    ['/a/./b/../c', '/a/c'],
    ['//a//b//', '/a/b/'],
    ['/..', '/'],
    ['/~user/x-y_z.1', '/~user/x-y_z.1'],
    ['/ü', '/%C3%BC'],
    ['/a:b@c!$', '/a%3Ab%40c%21%24'],
  ];
  for (const [raw, canonical] of cases) {
    it(`${JSON.stringify(raw)} -> ${canonical}`, () => assert.equal(canonicalUri(raw), canonical));
  }
});

describe('canonical query', () => {
  const fixed: Array<[string, string]> = [
    ['', ''],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=10&a=1', 'a=1&a=10&a=2'],
    ['a', 'a='],
    ['a=&&b', 'a=&b='],
    ['k=%2f%7e', 'k=%2F~'],
    ['k=x+y', 'k=x%2By'],
    ['k=日', 'k=%E6%97%A5'],
    ['k=100%', 'k=100%25'],
    ['k=%zz', 'k=%25zz'],
    ['B=1&a=1&_=1&~=1', 'B=1&_=1&a=1&~=1'],
    ['X-Amz-Signature=abc&z=1', 'X-Amz-Signature=abc&z=1'],
  ];
  for (const [raw, canonical] of fixed) {
    it(`${JSON.stringify(raw)} -> ${JSON.stringify(canonical)}`, () => assert.equal(canonicalQuery(raw), canonical));
  }

  it('drops only the excluded parameter', () => {
    assert.equal(canonicalQuery('X-Amz-Signature=abc&z=1&x-amz-signature=2', 'X-Amz-Signature'), 'x-amz-signature=2&z=1');
  });

  it('agrees with the AWS signer on what it would send', () => {
    const queries: Array<Record<string, string | string[]>> = [
      { Action: 'ListUsers', Version: '2010-05-08' },
      { 'a b': 'c d', 'é': 'ü', '~': '~', slash: 'a/b', rep: ['2', '10', '1', '1'] },
      { "!'()*": "!'()*", plus: 'a+b', eq: 'a=b&c', empty: '' },
      { emoji: '😀', Zed: 'z', zed: 'Z', _u: '_' },
    ];
    for (const query of queries) assert.equal(canonicalQuery(wireQuery(query)), getCanonicalQuery({ query } as never));
  });
});

describe('canonical headers', () => {
  it('trims, collapses runs of spaces and tabs, and joins repeated headers with ","', () => {
    const headers = new Map<string, string | string[] | undefined>([
      ['host', ' example.com '],
      ['x-amz-meta-a', '  a   b\t\tc  '],
      ['x-amz-meta-b', ['1', ' 2 ', 'x  y']],
    ]);
    assert.equal(
      canonicalHeaders(headers, ['host', 'x-amz-meta-a', 'x-amz-meta-b', 'x-absent']),
      'host:example.com\nx-amz-meta-a:a b c\nx-amz-meta-b:1,2,x y\nx-absent:\n',
    );
  });
});

describe('parseAuthorizationHeader', () => {
  const valid = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/20261125/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`;

  it('parses the header, however the components are spaced and ordered', () => {
    const expected = {
      accessKeyId: KEY.accessKeyId,
      date: '20261125',
      region: 'us-east-1',
      service: 'ecr',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'ab'.repeat(32),
    };
    assert.deepEqual(parseAuthorizationHeader(valid), expected);
    const respaced = `  AWS4-HMAC-SHA256   Signature=${'ab'.repeat(32)},SignedHeaders=host;x-amz-date ,  Credential=${KEY.accessKeyId}/20261125/us-east-1/ecr/aws4_request  `;
    assert.deepEqual(parseAuthorizationHeader(respaced), expected);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['another algorithm', valid.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'), /Unsupported Authorization algorithm 'AWS4-ECDSA-P256-SHA256'/],
    ['the algorithm alone', 'AWS4-HMAC-SHA256', /requires 'Credential' parameter\. .*requires 'SignedHeaders' parameter\. .*requires 'Signature' parameter\./],
    ['no Signature', valid.replace(/, Signature=.*/, ''), /^Authorization header requires 'Signature' parameter\.$/],
    ['an empty Signature', valid.replace(/Signature=.*/, 'Signature='), /requires 'Signature'/],
    ['a short Credential', valid.replace('/ecr/aws4_request', '/ecr'), /Credential should have the form/],
    ['a bad terminator', valid.replace('aws4_request', 'aws4_reqest'), /valid terminator: 'aws4_request', not 'aws4_reqest'/],
    ['a bad scope date', valid.replace('20261125', '2026-11-25'), /YYYYMMDD/],
    ['upper-case SignedHeaders', valid.replace('host;x-amz-date', 'Host;X-Amz-Date'), /lower-case header names/],
    ['repeated SignedHeaders entries', valid.replace('host;x-amz-date', 'host;host'), /more than once/],
    ['an unknown component', `${valid}, Extra=1`, /unknown component 'Extra'/],
    ['a repeated component', `${valid}, Signature=${'cd'.repeat(32)}`, /more than one 'Signature'/],
  ];
  for (const [what, header, message] of bad) {
    it(`rejects ${what} with IncompleteSignatureException`, () => {
      assert.throws(() => parseAuthorizationHeader(header), (error: Error & { type?: string; status?: number }) => {
        assert.equal(error.type, 'IncompleteSignatureException');
        assert.equal(error.status, 400);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('uses the query dialect when asked', () => {
    assert.throws(() => parseAuthorizationHeader('AWS4-HMAC-SHA256', 'query'), { type: 'IncompleteSignature', status: 400 });
  });
});

describe('requests dated by the Date header', () => {
  const body = '{}';
  const date = SIGNED_AT.toUTCString(); // "Wed, 25 Nov 2026 12:00:00 GMT"
  const headers = { host: 'localhost', date, 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' };
  const signer = new DateHeaderSigner({ credentials: KEY, region: 'us-east-1', service: 'ecr', signingDate: SIGNED_AT });
  const options = { region: 'us-east-1', services: ['ecr'], now: SIGNED_AT };

  it('verifies when Date is signed', async () => {
    const req = await signer.signWithDateHeader({ method: 'POST', path: '/', headers, body }, headers);
    await verifySigV4(req, lookup, options);
    const moved = { ...req, headers: { ...req.headers, date: new Date(SIGNED_AT.getTime() + 1000).toUTCString() } };
    await rejectsWith(verifySigV4(moved, lookup, options), 'InvalidSignatureException');
  });

  it('rejects it when Date is not among the signed headers', async () => {
    const { date: _date, ...unsigned } = headers;
    const req = await signer.signWithDateHeader({ method: 'POST', path: '/', headers, body }, unsigned);
    await rejectsWith(verifySigV4(req, lookup, options), 'IncompleteSignatureException', 400, /'Date' must be a 'SignedHeader'/);
  });
});

describe('signing-key cache', () => {
  it('returns the same key for the same scope and stays bounded', () => {
    const first = signingKey('secret-a', '20261125', 'us-east-1', 'ecr');
    assert.equal(signingKey('secret-a', '20261125', 'us-east-1', 'ecr'), first);
    assert.notDeepEqual(signingKey('secret-b', '20261125', 'us-east-1', 'ecr'), first);
    for (let i = 0; i < 600; i++) signingKey(`secret-${i}`, '20261125', 'us-east-1', 'ecr');
    assert.ok(cachedSigningKeys() <= 256, `cache holds ${cachedSigningKeys()} keys`);
    assert.deepEqual(signingKey('secret-a', '20261125', 'us-east-1', 'ecr'), first);
  });
});
