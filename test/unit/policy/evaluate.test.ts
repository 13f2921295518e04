// Tables for evaluate(): Action/NotAction, Resource/NotResource, Principal/NotPrincipal, and how
// identity and resource policies combine into Allow, ExplicitDeny or ImplicitDeny.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeDecision,
  evaluate,
  type Decision,
  type PolicyDocument,
  type RequestContext,
  type RequestPrincipal,
} from '../../../src/iam/policy/index.js';
import {
  ACCOUNT,
  OTHER_ACCOUNT,
  REPO,
  alice,
  anonymous,
  bob,
  decide,
  deployer,
  identityPolicy,
  outsider,
  repoArn,
  request,
  resourcePolicy,
} from './fixtures.js';

type Row = [name: string, statement: Record<string, unknown>, context: Partial<RequestContext>, expected: Decision];

function identityTable(title: string, rows: Row[]): void {
  describe(title, () => {
    for (const [name, statement, context, expected] of rows) {
      it(`${name} -> ${expected}`, () => {
        assert.equal(decide([identityPolicy(statement)], [], request(context)).decision, expected);
      });
    }
  });
}

function resourceTable(title: string, rows: Row[]): void {
  describe(title, () => {
    for (const [name, statement, context, expected] of rows) {
      it(`${name} -> ${expected}`, () => {
        assert.equal(decide([], [resourcePolicy(statement)], request(context)).decision, expected);
      });
    }
  });
}

const allowActions = (action: unknown): Record<string, unknown> => ({ Effect: 'Allow', Action: action, Resource: '*' });

identityTable('Action and NotAction', [
  ['service wildcard', allowActions('ecr:*'), { action: 'ecr:PutImage' }, 'Allow'],
  ['lone *', allowActions('*'), { action: 'iam:CreateUser' }, 'Allow'],
  ['action names ignore case', allowActions('ECR:batchgetimage'), { action: 'ecr:BatchGetImage' }, 'Allow'],
  ['prefix wildcard', allowActions('ecr:Get*'), { action: 'ecr:GetDownloadUrlForLayer' }, 'Allow'],
  ['prefix wildcard does not match mid-name', allowActions('ecr:Get*'), { action: 'ecr:BatchGetImage' }, 'ImplicitDeny'],
  ['? wildcard', allowActions('ecr:?utImage'), { action: 'ecr:PutImage' }, 'Allow'],
  ['other service', allowActions('ecr:*'), { action: 's3:GetObject' }, 'ImplicitDeny'],
  ['list: any entry', allowActions(['ecr:PutImage', 'ecr:BatchGetImage']), {}, 'Allow'],
  ['NotAction: action not listed', { Effect: 'Allow', NotAction: 'ecr:Delete*', Resource: '*' }, { action: 'ecr:PutImage' }, 'Allow'],
  ['NotAction: action listed', { Effect: 'Allow', NotAction: 'ecr:Delete*', Resource: '*' }, { action: 'ecr:DeleteRepository' }, 'ImplicitDeny'],
  ['NotAction: listed, other case', { Effect: 'Allow', NotAction: ['iam:*', 'ecr:deleterepository'], Resource: '*' }, { action: 'ecr:DeleteRepository' }, 'ImplicitDeny'],
]);

identityTable('Resource and NotResource', [
  ['exact ARN', { Effect: 'Allow', Action: '*', Resource: REPO }, {}, 'Allow'],
  ['prefix wildcard', { Effect: 'Allow', Action: '*', Resource: repoArn('team/*') }, {}, 'Allow'],
  ['* crosses / in repository names', { Effect: 'Allow', Action: '*', Resource: repoArn('team/*') }, { resource: repoArn('team/a/b') }, 'Allow'],
  ['other repository', { Effect: 'Allow', Action: '*', Resource: repoArn('team/*') }, { resource: repoArn('other/app') }, 'ImplicitDeny'],
  ['resource ARNs are case-sensitive', { Effect: 'Allow', Action: '*', Resource: repoArn('Team/*') }, {}, 'ImplicitDeny'],
  ['? in the resource', { Effect: 'Allow', Action: '*', Resource: repoArn('team/ap?') }, {}, 'Allow'],
  ['wildcards in region and account', { Effect: 'Allow', Action: '*', Resource: 'arn:aws:ecr:*:*:repository/*' }, {}, 'Allow'],
  ['Resource * for an action without resource-level permissions', { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }, { action: 'ecr:GetAuthorizationToken', resource: '*' }, 'Allow'],
  ['repository ARN pattern does not cover resource *', { Effect: 'Allow', Action: '*', Resource: 'arn:aws:ecr:*:*:repository/*' }, { action: 'ecr:GetAuthorizationToken', resource: '*' }, 'ImplicitDeny'],
  ['NotResource: other repository', { Effect: 'Allow', Action: '*', NotResource: repoArn('secret*') }, {}, 'Allow'],
  ['NotResource: listed repository', { Effect: 'Allow', Action: '*', NotResource: repoArn('secret*') }, { resource: repoArn('secret/keys') }, 'ImplicitDeny'],
  ['${aws:username} in Resource, own repository', { Effect: 'Allow', Action: '*', Resource: repoArn('${aws:username}/*') }, { resource: repoArn('alice/app') }, 'Allow'],
  ['${aws:username} in Resource, someone else\'s', { Effect: 'Allow', Action: '*', Resource: repoArn('${aws:username}/*') }, { resource: repoArn('bob/app') }, 'ImplicitDeny'],
  ['${aws:username} in Resource, role session has none', { Effect: 'Allow', Action: '*', Resource: repoArn('${aws:username}/*') }, { principal: deployer, resource: repoArn('deployer/app') }, 'ImplicitDeny'],
  ['default value in Resource', { Effect: 'Allow', Action: '*', Resource: repoArn("${aws:username, 'shared'}/*") }, { principal: deployer, resource: repoArn('shared/app') }, 'Allow'],
  ['tag variable in Resource', { Effect: 'Allow', Action: '*', Resource: repoArn('${aws:PrincipalTag/team}/*') }, { conditionKeys: { 'aws:PrincipalTag/team': 'team' } }, 'Allow'],
  ['${*} in Resource is literal', { Effect: 'Allow', Action: '*', Resource: repoArn('${*}') }, {}, 'ImplicitDeny'],
  ['one unresolvable Resource entry invalidates the statement', { Effect: 'Allow', Action: '*', Resource: [REPO, repoArn('${aws:username}/*')] }, { principal: deployer }, 'ImplicitDeny'],
  ['unresolvable NotResource entry invalidates the statement', { Effect: 'Allow', Action: '*', NotResource: repoArn('${aws:username}/*') }, { principal: deployer }, 'ImplicitDeny'],
]);

describe('policy variables need Version 2012-10-17', () => {
  const statement = { Effect: 'Allow', Action: '*', Resource: repoArn('${aws:username}/*') };
  const context = request({ resource: repoArn('alice/app') });
  it('2012-10-17 substitutes -> Allow', () => assert.equal(decide([identityPolicy(statement)], [], context).decision, 'Allow'));
  it('2008-10-17 is literal -> ImplicitDeny', () => assert.equal(decide([identityPolicy(statement, '2008-10-17')], [], context).decision, 'ImplicitDeny'));
  it('no Version is literal -> ImplicitDeny', () => assert.equal(decide([identityPolicy(statement, null)], [], context).decision, 'ImplicitDeny'));
});

const pull = (principal: unknown): Record<string, unknown> => ({ Effect: 'Allow', Principal: principal, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] });
const as = (principal: RequestPrincipal): Partial<RequestContext> => ({ principal });

resourceTable('Principal forms', [
  ['"*" lets anonymous pull (public repository)', pull('*'), as(anonymous), 'Allow'],
  ['"*" lets another account pull', pull('*'), as(outsider), 'Allow'],
  ['{"AWS": "*"} is everyone, anonymous included', pull({ AWS: '*' }), as(anonymous), 'Allow'],
  ['account id: a user of that account', pull({ AWS: ACCOUNT }), as(alice), 'Allow'],
  ['account id: a role session of that account', pull({ AWS: ACCOUNT }), as(deployer), 'Allow'],
  ['account id: anonymous', pull({ AWS: ACCOUNT }), as(anonymous), 'ImplicitDeny'],
  ['account id: another account', pull({ AWS: ACCOUNT }), as(outsider), 'ImplicitDeny'],
  ['root ARN: a user of that account', pull({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), as(bob), 'Allow'],
  ['root ARN: another account', pull({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }), as(alice), 'ImplicitDeny'],
  ['user ARN: that user', pull({ AWS: alice.arn }), as(alice), 'Allow'],
  ['user ARN: another user', pull({ AWS: alice.arn }), as(bob), 'ImplicitDeny'],
  ['user ARN: same name in another account', pull({ AWS: alice.arn }), as(outsider), 'ImplicitDeny'],
  ['role ARN: a session of that role', pull({ AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` }), as(deployer), 'Allow'],
  ['role ARN: a session of another role', pull({ AWS: `arn:aws:iam::${ACCOUNT}:role/builder` }), as(deployer), 'ImplicitDeny'],
  ['session ARN: that session', pull({ AWS: deployer.arn }), as(deployer), 'Allow'],
  ['list of principals', pull({ AWS: [bob.arn, alice.arn] }), as(alice), 'Allow'],
  ['Service principal matches no Wharf caller', pull({ Service: 'codebuild.amazonaws.com' }), as(alice), 'ImplicitDeny'],
  ['NotPrincipal: someone else', { ...pull(undefined), Principal: undefined, NotPrincipal: { AWS: bob.arn } }, as(alice), 'Allow'],
  ['NotPrincipal: the excluded principal', { ...pull(undefined), Principal: undefined, NotPrincipal: { AWS: alice.arn } }, as(alice), 'ImplicitDeny'],
  ['NotPrincipal: anonymous is not the excluded user', { ...pull(undefined), Principal: undefined, NotPrincipal: { AWS: alice.arn } }, as(anonymous), 'Allow'],
  ['NotPrincipal account: its role sessions are excluded', { ...pull(undefined), Principal: undefined, NotPrincipal: { AWS: ACCOUNT } }, as(deployer), 'ImplicitDeny'],
  ['Resource in a repository policy must match', { ...pull('*'), Resource: repoArn('public/*') }, as(anonymous), 'ImplicitDeny'],
  ['no Resource: the policy covers its own repository', pull('*'), { principal: anonymous, resource: repoArn('any/name') }, 'Allow'],
  ['action not granted', pull('*'), { principal: anonymous, action: 'ecr:PutImage' }, 'ImplicitDeny'],
]);

describe('combining identity and resource policies', () => {
  const allowAll = identityPolicy({ Sid: 'AdminAll', Effect: 'Allow', Action: 'ecr:*', Resource: '*' });
  const denyPush = resourcePolicy([
    { Sid: 'Pull', Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' },
    { Sid: 'NoPush', Effect: 'Deny', Principal: { AWS: ACCOUNT }, Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'] },
  ]);
  const denyDelete = identityPolicy({ Sid: 'NoDelete', Effect: 'Deny', Action: 'ecr:Delete*', Resource: '*' });
  const publicPull = resourcePolicy({ Sid: 'PublicPull', Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' });
  const deniedOutsideOffice = resourcePolicy(
    {
      Sid: 'OfficeOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'ecr:*',
      Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] } },
    },
    '2008-10-17',
  );

  const CASES: [string, PolicyDocument[], PolicyDocument[], Partial<RequestContext>, Decision, object | undefined][] = [
    ['no policies at all', [], [], {}, 'ImplicitDeny', undefined],
    ['identity allow only', [allowAll], [], {}, 'Allow', { policy: 'identity', policyIndex: 0, index: 0, sid: 'AdminAll' }],
    ['resource allow only (anonymous pull)', [], [publicPull], as(anonymous), 'Allow', { policy: 'resource', policyIndex: 0, index: 0, sid: 'PublicPull' }],
    ['resource deny beats identity allow', [allowAll], [denyPush], { action: 'ecr:PutImage' }, 'ExplicitDeny', { policy: 'resource', policyIndex: 0, index: 1, sid: 'NoPush' }],
    ['resource deny does not touch other actions', [allowAll], [denyPush], { action: 'ecr:ListImages' }, 'Allow', { policy: 'identity', policyIndex: 0, index: 0, sid: 'AdminAll' }],
    ['identity deny beats resource allow', [denyDelete], [resourcePolicy({ Effect: 'Allow', Principal: '*', Action: '*' })], { action: 'ecr:DeleteRepository' }, 'ExplicitDeny', { policy: 'identity', policyIndex: 0, index: 0, sid: 'NoDelete' }],
    ['deny in a later identity policy beats an earlier allow', [allowAll, denyDelete], [], { action: 'ecr:DeleteRepository' }, 'ExplicitDeny', { policy: 'identity', policyIndex: 1, index: 0, sid: 'NoDelete' }],
    ['both allow: the identity statement is reported', [allowAll], [publicPull], {}, 'Allow', { policy: 'identity', policyIndex: 0, index: 0, sid: 'AdminAll' }],
    ['deny with its condition unmet does not apply', [allowAll], [deniedOutsideOffice], { conditionKeys: { 'aws:SourceIp': '192.0.2.10' } }, 'Allow', { policy: 'identity', policyIndex: 0, index: 0, sid: 'AdminAll' }],
    ['deny with its condition met', [allowAll], [deniedOutsideOffice], { conditionKeys: { 'aws:SourceIp': '2001:db9::1' } }, 'ExplicitDeny', { policy: 'resource', policyIndex: 0, index: 0, sid: 'OfficeOnly' }],
    ['negated-operator deny applies when the key is missing', [allowAll], [deniedOutsideOffice], {}, 'ExplicitDeny', { policy: 'resource', policyIndex: 0, index: 0, sid: 'OfficeOnly' }],
    ['anonymous push: nothing allows it', [], [publicPull], { principal: anonymous, action: 'ecr:PutImage' }, 'ImplicitDeny', undefined],
    ['identity allow for another repository only', [identityPolicy({ Effect: 'Allow', Action: '*', Resource: repoArn('other') })], [], {}, 'ImplicitDeny', undefined],
    ['statement without Sid is reported by index', [identityPolicy([{ Effect: 'Deny', Action: 's3:*', Resource: '*' }, { Effect: 'Allow', Action: '*', Resource: '*' }])], [], {}, 'Allow', { policy: 'identity', policyIndex: 0, index: 1 }],
    ['Deny everything but pulls (NotAction)', [allowAll], [resourcePolicy({ Effect: 'Deny', Principal: '*', NotAction: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] })], { action: 'ecr:PutImage' }, 'ExplicitDeny', { policy: 'resource', policyIndex: 0, index: 0 }],
    ['Deny everything but pulls lets a pull through', [allowAll], [resourcePolicy({ Effect: 'Deny', Principal: '*', NotAction: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] })], {}, 'Allow', { policy: 'identity', policyIndex: 0, index: 0, sid: 'AdminAll' }],
    ['Deny to everyone but the owner (NotPrincipal)', [allowAll], [resourcePolicy({ Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, Action: 'ecr:*' })], as(bob), 'ExplicitDeny', { policy: 'resource', policyIndex: 0, index: 0 }],
    ['Deny to everyone but the owner spares the owner', [allowAll], [resourcePolicy({ Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, Action: 'ecr:*' })], as(alice), 'Allow', { policy: 'identity', policyIndex: 0, index: 0, sid: 'AdminAll' }],
  ];
  for (const [name, identity, resource, context, decision, matched] of CASES) {
    it(`${name} -> ${decision}`, () => {
      const result = decide(identity, resource, request(context));
      assert.deepEqual(result, matched === undefined ? { decision } : { decision, matchedStatement: matched });
    });
  }
});

describe('describeDecision', () => {
  const CASES: [string, Parameters<typeof describeDecision>, string][] = [
    [
      'allow with sid and context',
      [{ decision: 'Allow', matchedStatement: { policy: 'resource', policyIndex: 0, index: 1, sid: 'PublicPull' } }, request({ principal: anonymous })],
      `Allow ecr:BatchGetImage on ${REPO} by anonymous: resource policy 0 statement 1 "PublicPull"`,
    ],
    [
      'explicit deny without sid',
      [{ decision: 'ExplicitDeny', matchedStatement: { policy: 'identity', policyIndex: 2, index: 0 } }, request({ action: 'ecr:PutImage' })],
      `ExplicitDeny ecr:PutImage on ${REPO} by ${alice.arn}: identity policy 2 statement 0`,
    ],
    ['implicit deny without context', [{ decision: 'ImplicitDeny' }], 'ImplicitDeny: no statement allows it'],
  ];
  for (const [name, args, expected] of CASES) {
    it(name, () => assert.equal(describeDecision(...args), expected));
  }
});

describe('purity', () => {
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(deepFreeze);
      Object.freeze(value);
    }
    return value;
  }

  it('does not modify its input, and the same input gives the same answer', () => {
    const input = deepFreeze({
      identityPolicies: [identityPolicy({ Effect: 'Allow', Action: 'ecr:*', Resource: repoArn('${aws:username}/*'), Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': 'team*' } } })],
      resourcePolicies: [resourcePolicy({ Effect: 'Deny', Principal: '*', Action: 'ecr:Delete*' })],
      context: request({ resource: repoArn('alice/app'), conditionKeys: { 'aws:TagKeys': ['team'] } }),
    });
    const first = evaluate(input);
    assert.deepEqual(first.decision, 'Allow');
    assert.deepEqual(evaluate(input), first);
  });

  it('evaluates 2,000 requests in well under a second', () => {
    const identity = [identityPolicy([{ Effect: 'Allow', Action: ['ecr:Get*', 'ecr:Batch*'], Resource: repoArn('team/*'), Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }])];
    const resource = [resourcePolicy({ Effect: 'Deny', Principal: '*', Action: 'ecr:Delete*' })];
    const context = request({ conditionKeys: { 'aws:SourceIp': '10.1.2.3' } });
    const started = performance.now();
    for (let i = 0; i < 2_000; i++) assert.equal(decide(identity, resource, context).decision, 'Allow');
    assert.ok(performance.now() - started < 500);
  });
});
