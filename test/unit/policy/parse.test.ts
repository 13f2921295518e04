// Tables for parsePolicy: what it accepts and how it normalises, and the exact message for each
// way a policy can be wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_POLICY_LENGTH,
  PolicyValidationError,
  parsePolicy,
  type PolicyDocument,
  type PolicyKind,
} from '../../../src/iam/policy/index.js';

const ALLOW_ALL = { Effect: 'Allow', Action: '*', Resource: '*' };
const PUBLIC = { Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' };

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function withStatement(statement: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ Version: '2012-10-17', ...extra, Statement: [statement] });
}

function withCondition(condition: unknown, kind: PolicyKind = 'identity'): [string, PolicyKind] {
  return [withStatement({ ...(kind === 'identity' ? ALLOW_ALL : PUBLIC), Condition: condition }), kind];
}

describe('parsePolicy accepts and normalises', () => {
  const CASES: [string, string, PolicyKind, PolicyDocument][] = [
    [
      'strings widened to arrays, single Statement object to an array',
      text({ Version: '2012-10-17', Statement: ALLOW_ALL }),
      'identity',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] },
    ],
    [
      'no Version, Id kept',
      text({ Id: 'p1', Statement: [ALLOW_ALL] }),
      'identity',
      { Id: 'p1', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] },
    ],
    [
      'AWS sample repository policy (2008-10-17, Sid with spaces, no Resource)',
      text({
        Version: '2008-10-17',
        Statement: [
          {
            Sid: 'ECR Repository Policy',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::123456789012:root` },
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          },
        ],
      }),
      'resource',
      {
        Version: '2008-10-17',
        Statement: [
          {
            Sid: 'ECR Repository Policy',
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam::123456789012:root'] },
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          },
        ],
      },
    ],
    [
      'Principal "*" stays a string',
      withStatement(PUBLIC),
      'resource',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }] },
    ],
    [
      'every principal form',
      withStatement({
        Effect: 'Deny',
        NotPrincipal: {
          AWS: [
            '*',
            '123456789012',
            'arn:aws:iam::123456789012:user/path/alice',
            'arn:aws:iam::123456789012:role/deployer',
            'arn:aws:sts::123456789012:assumed-role/deployer/ci-42',
          ],
          Service: 'codebuild.amazonaws.com',
          Federated: 'cognito-identity.amazonaws.com',
        },
        NotAction: 'ecr:Describe*',
        NotResource: 'arn:aws:ecr:*:*:repository/public/*',
      }),
      'resource',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            NotPrincipal: {
              AWS: [
                '*',
                '123456789012',
                'arn:aws:iam::123456789012:user/path/alice',
                'arn:aws:iam::123456789012:role/deployer',
                'arn:aws:sts::123456789012:assumed-role/deployer/ci-42',
              ],
              Service: ['codebuild.amazonaws.com'],
              Federated: ['cognito-identity.amazonaws.com'],
            },
            NotAction: ['ecr:Describe*'],
            NotResource: ['arn:aws:ecr:*:*:repository/public/*'],
          },
        ],
      },
    ],
    [
      'condition values widened to arrays, types kept, qualified operators accepted',
      withStatement({
        ...ALLOW_ALL,
        Condition: {
          'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'team*' },
          NumericLessThan: { 'aws:EpochTime': 1700000000 },
          Bool: { 'aws:SecureTransport': true },
          IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] },
        },
      }),
      'identity',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['*'],
            Resource: ['*'],
            Condition: {
              'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['team*'] },
              NumericLessThan: { 'aws:EpochTime': [1700000000] },
              Bool: { 'aws:SecureTransport': [true] },
              IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] },
            },
          },
        ],
      },
    ],
    [
      'resource policy may name its Resource',
      withStatement({ ...PUBLIC, Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/*' }),
      'resource',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: ['ecr:BatchGetImage'],
            Resource: ['arn:aws:ecr:us-east-1:123456789012:repository/*'],
          },
        ],
      },
    ],
    [
      'S3-style ARN with empty region and account',
      withStatement({ ...ALLOW_ALL, Resource: 'arn:aws:s3:::bucket/*' }),
      'identity',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['arn:aws:s3:::bucket/*'] }] },
    ],
  ];
  for (const [name, input, kind, expected] of CASES) {
    it(name, () => assert.deepEqual(parsePolicy(input, kind), expected));
  }

  it(`accepts exactly ${MAX_POLICY_LENGTH} characters`, () => {
    const base = text({ Statement: ALLOW_ALL });
    const padded = base.slice(0, -1) + ' '.repeat(MAX_POLICY_LENGTH - base.length) + '}';
    assert.equal(padded.length, MAX_POLICY_LENGTH);
    assert.equal(parsePolicy(padded, 'identity').Statement.length, 1);
  });

  it('returns plain JSON that parses back to itself', () => {
    const doc = parsePolicy(withStatement({ Sid: 'A', ...ALLOW_ALL, Condition: { Null: { 'aws:TagKeys': 'true' } } }), 'identity');
    assert.deepEqual(parsePolicy(JSON.stringify(doc), 'identity'), doc);
  });
});

describe('parsePolicy rejects', () => {
  const OPERATOR_LIST =
    'StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, ' +
    'NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals, ' +
    'DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals, DateGreaterThan, DateGreaterThanEquals, ' +
    'Bool, BinaryEquals, IpAddress, NotIpAddress, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Null ' +
    '(each but Null may end in IfExists and start with ForAnyValue: or ForAllValues:)';
  const STATEMENT_KEYS = 'Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition';
  const AWS_PRINCIPAL = 'must be "*", a 12-digit account id or an IAM/STS ARN without wildcards';

  const CASES: [string, string, PolicyKind, string | RegExp][] = [
    ['invalid JSON', '{"Statement": [', 'identity', /^policy is not valid JSON: /],
    ['empty text', '', 'identity', /^policy is not valid JSON: /],
    ['a JSON array', '[]', 'identity', 'policy must be a JSON object'],
    ['JSON null', 'null', 'identity', 'policy must be a JSON object'],
    [
      'text over the limit',
      text({ Statement: ALLOW_ALL }) + ' '.repeat(MAX_POLICY_LENGTH),
      'identity',
      `policy is ${text({ Statement: ALLOW_ALL }).length + MAX_POLICY_LENGTH} characters long; the limit is 10240`,
    ],
    ['unknown top-level key', text({ Statement: ALLOW_ALL, Statements: [] }), 'identity', 'policy has unknown key "Statements" (allowed: Version, Id, Statement)'],
    ['unknown Version', text({ Version: '2012-10-18', Statement: ALLOW_ALL }), 'identity', 'Version must be "2012-10-17" or "2008-10-17"'],
    ['numeric Version', text({ Version: 2012, Statement: ALLOW_ALL }), 'identity', 'Version must be "2012-10-17" or "2008-10-17"'],
    ['non-string Id', text({ Id: 5, Statement: ALLOW_ALL }), 'identity', 'Id must be a string'],
    ['missing Statement', text({ Version: '2012-10-17' }), 'identity', 'Statement is required'],
    ['empty Statement array', text({ Statement: [] }), 'identity', 'Statement must not be empty'],
    ['Statement a string', text({ Statement: 'allow' }), 'identity', 'Statement must be an object or an array of objects'],
    ['statement not an object', text({ Statement: [ALLOW_ALL, 1] }), 'identity', 'Statement[1] must be an object'],
    ['unknown statement key', withStatement({ ...ALLOW_ALL, Actions: 'ecr:*' }), 'identity', `Statement[0] has unknown key "Actions" (allowed: ${STATEMENT_KEYS})`],
    ['non-string Sid', withStatement({ ...ALLOW_ALL, Sid: 1 }), 'identity', 'Statement[0].Sid must be a string'],
    ['missing Effect in the second statement', text({ Statement: [ALLOW_ALL, { Action: '*', Resource: '*' }] }), 'identity', 'Statement[1].Effect must be Allow or Deny'],
    ['lower-case Effect', withStatement({ ...ALLOW_ALL, Effect: 'allow' }), 'identity', 'Statement[0].Effect must be Allow or Deny'],
    ['bad Effect in a lone Statement object', text({ Statement: { ...ALLOW_ALL, Effect: 'Permit' } }), 'identity', 'Statement.Effect must be Allow or Deny'],
    ['both Action and NotAction', withStatement({ ...ALLOW_ALL, NotAction: 'ecr:PutImage' }), 'identity', 'Statement[0] must have exactly one of Action or NotAction'],
    ['neither Action nor NotAction', withStatement({ Effect: 'Allow', Resource: '*' }), 'identity', 'Statement[0] must have exactly one of Action or NotAction'],
    ['empty Action array', withStatement({ ...ALLOW_ALL, Action: [] }), 'identity', 'Statement[0].Action must not be empty'],
    ['Action a number', withStatement({ ...ALLOW_ALL, Action: 5 }), 'identity', 'Statement[0].Action must be a string or an array of strings'],
    ['non-string Action entry', withStatement({ ...ALLOW_ALL, Action: ['ecr:Get*', 7] }), 'identity', 'Statement[0].Action[1] must be a string'],
    ['Action without a service prefix', withStatement({ ...ALLOW_ALL, Action: 'BatchGetImage' }), 'identity', 'Statement[0].Action "BatchGetImage" is not an action (expected "*" or "service:Action", e.g. "ecr:BatchGetImage")'],
    ['NotAction entry with a space', withStatement({ Effect: 'Allow', NotAction: ['ecr:*', 'ecr:Put Image'], Resource: '*' }), 'identity', 'Statement[0].NotAction[1] "ecr:Put Image" is not an action (expected "*" or "service:Action", e.g. "ecr:BatchGetImage")'],
    ['identity statement without Resource', withStatement({ Effect: 'Allow', Action: '*' }), 'identity', 'Statement[0] must have exactly one of Resource or NotResource'],
    ['identity statement with Resource and NotResource', withStatement({ ...ALLOW_ALL, NotResource: '*' }), 'identity', 'Statement[0] must have exactly one of Resource or NotResource'],
    ['resource statement with Resource and NotResource', withStatement({ ...PUBLIC, Resource: '*', NotResource: '*' }), 'resource', 'Statement[0] must have at most one of Resource or NotResource'],
    ['Resource not an ARN', withStatement({ ...ALLOW_ALL, Resource: 'repository/app' }), 'identity', 'Statement[0].Resource "repository/app" must be "*" or an ARN (arn:partition:service:region:account:resource)'],
    ['Resource ARN with too few parts', withStatement({ ...ALLOW_ALL, Resource: ['*', 'arn:aws:ecr:*'] }), 'identity', 'Statement[0].Resource[1] "arn:aws:ecr:*" must be "*" or an ARN (arn:partition:service:region:account:resource)'],
    ['Principal in an identity policy', withStatement({ ...ALLOW_ALL, Principal: '*' }), 'identity', 'Statement[0].Principal is not allowed in an identity policy'],
    ['NotPrincipal in an identity policy', withStatement({ ...ALLOW_ALL, NotPrincipal: { AWS: '*' } }), 'identity', 'Statement[0].NotPrincipal is not allowed in an identity policy'],
    ['resource statement without a principal', withStatement({ Effect: 'Allow', Action: '*' }), 'resource', 'Statement[0] must have exactly one of Principal or NotPrincipal'],
    ['resource statement with both principals', withStatement({ ...PUBLIC, NotPrincipal: '*' }), 'resource', 'Statement[0] must have exactly one of Principal or NotPrincipal'],
    ['Principal a bare account id', withStatement({ ...PUBLIC, Principal: '123456789012' }), 'resource', 'Statement[0].Principal must be "*" or an object with AWS, Service or Federated'],
    ['Principal an array', withStatement({ ...PUBLIC, Principal: ['*'] }), 'resource', 'Statement[0].Principal must be "*" or an object with AWS, Service or Federated'],
    ['unknown principal kind', withStatement({ ...PUBLIC, Principal: { CanonicalUser: 'abc' } }), 'resource', 'Statement[0].Principal has unknown key "CanonicalUser" (allowed: AWS, Service, Federated)'],
    ['empty principal object', withStatement({ ...PUBLIC, Principal: {} }), 'resource', 'Statement[0].Principal must name at least one of AWS, Service or Federated'],
    ['wildcard account in a principal ARN', withStatement({ ...PUBLIC, Principal: { AWS: 'arn:aws:iam::*:root' } }), 'resource', `Statement[0].Principal.AWS "arn:aws:iam::*:root" ${AWS_PRINCIPAL}`],
    ['short account id', withStatement({ ...PUBLIC, Principal: { AWS: '12345' } }), 'resource', `Statement[0].Principal.AWS "12345" ${AWS_PRINCIPAL}`],
    ['wildcard user in the second entry', withStatement({ ...PUBLIC, Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:user/*'] } }), 'resource', `Statement[0].Principal.AWS[1] "arn:aws:iam::123456789012:user/*" ${AWS_PRINCIPAL}`],
    ['non-IAM ARN as principal', withStatement({ ...PUBLIC, Principal: { AWS: 'arn:aws:ecr:us-east-1:123456789012:repository/x' } }), 'resource', `Statement[0].Principal.AWS "arn:aws:ecr:us-east-1:123456789012:repository/x" ${AWS_PRINCIPAL}`],
    ['service name with a space', withStatement({ Effect: 'Deny', NotPrincipal: { Service: 'code build' }, Action: '*' }), 'resource', 'Statement[0].NotPrincipal.Service "code build" must be a service name such as "codebuild.amazonaws.com"'],
    ['empty AWS principal list', withStatement({ ...PUBLIC, Principal: { AWS: [] } }), 'resource', 'Statement[0].Principal.AWS must not be empty'],
    ['Condition not an object', ...withCondition('aws:SecureTransport'), 'Statement[0].Condition must be an object'],
    ['unknown condition operator (all operators listed)', ...withCondition({ StringEqual: { 'aws:username': 'a' } }), `Statement[0].Condition has unknown condition operator "StringEqual"; supported: ${OPERATOR_LIST}`],
    ['operator in the wrong case', ...withCondition({ stringequals: { 'aws:username': 'a' } }), /^Statement\[0\]\.Condition has unknown condition operator "stringequals"; supported: /],
    ['unknown set qualifier', ...withCondition({ 'ForSomeValues:StringEquals': { 'aws:TagKeys': 'a' } }), /^Statement\[0\]\.Condition has unknown condition operator "ForSomeValues:StringEquals"/],
    ['IfExists alone', ...withCondition({ IfExists: { 'aws:username': 'a' } }), /^Statement\[0\]\.Condition has unknown condition operator "IfExists"/],
    ['NullIfExists', ...withCondition({ NullIfExists: { 'aws:TagKeys': 'true' } }), 'Statement[0].Condition has condition operator "NullIfExists": Null takes neither IfExists nor ForAnyValue:/ForAllValues:'],
    ['ForAllValues:Null', ...withCondition({ 'ForAllValues:Null': { 'aws:TagKeys': 'true' } }), 'Statement[0].Condition has condition operator "ForAllValues:Null": Null takes neither IfExists nor ForAnyValue:/ForAllValues:'],
    ['operator mapped to an array', ...withCondition({ StringEquals: ['aws:username'] }), 'Statement[0].Condition.StringEquals must be a non-empty object of condition keys and values'],
    ['operator mapped to an empty object', ...withCondition({ StringEquals: {} }), 'Statement[0].Condition.StringEquals must be a non-empty object of condition keys and values'],
    ['condition key without a prefix', ...withCondition({ IpAddress: { SourceIp: '10.0.0.0/8' } }), 'Statement[0].Condition.IpAddress has condition key "SourceIp"; expected "prefix:name", e.g. "aws:SourceIp"'],
    ['null condition value', ...withCondition({ StringEquals: { 'aws:username': null } }), 'Statement[0].Condition.StringEquals["aws:username"] values must be strings, numbers or booleans'],
    ['object condition value', ...withCondition({ StringEquals: { 'aws:username': ['a', { b: 1 }] } }), 'Statement[0].Condition.StringEquals["aws:username"] values must be strings, numbers or booleans'],
    ['empty value array', ...withCondition({ StringEquals: { 'aws:username': [] } }), 'Statement[0].Condition.StringEquals["aws:username"] must not be an empty array'],
    ['non-numeric Numeric value', ...withCondition({ NumericLessThan: { 'aws:EpochTime': 'abc' } }), 'Statement[0].Condition.NumericLessThan["aws:EpochTime"] value "abc" is not a number'],
    ['Numeric value with a policy variable', ...withCondition({ NumericEquals: { 'ecr:ResourceTag/n': '${aws:username}' } }), 'Statement[0].Condition.NumericEquals["ecr:ResourceTag/n"] value "${aws:username}" is not a number'],
    ['free-text date', ...withCondition({ DateGreaterThan: { 'aws:CurrentTime': 'yesterday' } }), 'Statement[0].Condition.DateGreaterThan["aws:CurrentTime"] value "yesterday" is not an ISO 8601 date or epoch seconds'],
    ['impossible calendar date', ...withCondition({ DateLessThan: { 'aws:CurrentTime': '2023-02-30T00:00:00Z' } }), 'Statement[0].Condition.DateLessThan["aws:CurrentTime"] value "2023-02-30T00:00:00Z" is not an ISO 8601 date or epoch seconds'],
    ['hour 24', ...withCondition({ DateLessThan: { 'aws:CurrentTime': '2023-01-01T24:00:00Z' } }), 'Statement[0].Condition.DateLessThan["aws:CurrentTime"] value "2023-01-01T24:00:00Z" is not an ISO 8601 date or epoch seconds'],
    ['Bool "yes"', ...withCondition({ Bool: { 'aws:SecureTransport': 'yes' } }), 'Statement[0].Condition.Bool["aws:SecureTransport"] value "yes" must be true or false'],
    ['Null "maybe"', ...withCondition({ Null: { 'aws:TagKeys': 'maybe' } }), 'Statement[0].Condition.Null["aws:TagKeys"] value "maybe" must be true or false'],
    ['CIDR prefix too long', ...withCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }), 'Statement[0].Condition.IpAddress["aws:SourceIp"] value "10.0.0.0/33" is not an IPv4/IPv6 address or CIDR block'],
    ['IPv4 octet out of range', ...withCondition({ NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '300.1.1.1'] } }), 'Statement[0].Condition.NotIpAddress["aws:SourceIp"] value "300.1.1.1" is not an IPv4/IPv6 address or CIDR block'],
    ['IPv6 prefix too long', ...withCondition({ IpAddress: { 'aws:SourceIp': '2001:db8::/129' } }), 'Statement[0].Condition.IpAddress["aws:SourceIp"] value "2001:db8::/129" is not an IPv4/IPv6 address or CIDR block'],
    ['BinaryEquals not base64', ...withCondition({ BinaryEquals: { 'ecr:ResourceTag/k': 'not base64!' } }), 'Statement[0].Condition.BinaryEquals["ecr:ResourceTag/k"] value "not base64!" is not base64'],
    ['bad condition in a resource policy', ...withCondition({ Bool: { 'aws:SecureTransport': 1 } }, 'resource'), 'Statement[0].Condition.Bool["aws:SecureTransport"] value 1 must be true or false'],
  ];
  for (const [name, input, kind, expected] of CASES) {
    it(name, () => {
      assert.throws(
        () => parsePolicy(input, kind),
        (error: unknown) => {
          assert.ok(error instanceof PolicyValidationError, `expected PolicyValidationError, got ${String(error)}`);
          if (typeof expected === 'string') assert.equal(error.message, expected);
          else assert.match(error.message, expected);
          return true;
        },
      );
    });
  }
});
