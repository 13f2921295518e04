// Shared principals, requests and policy builders for the policy-engine tables.
import {
  evaluate,
  parsePolicy,
  type EvaluationResult,
  type PolicyDocument,
  type RequestContext,
  type RequestPrincipal,
} from '../../../src/iam/policy/index.js';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const repoArn = (name: string): string => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;
export const REPO = repoArn('team/app');

export const alice: RequestPrincipal = {
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  accountId: ACCOUNT,
  type: 'user',
  userName: 'alice',
};
export const bob: RequestPrincipal = {
  arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  accountId: ACCOUNT,
  type: 'user',
  userName: 'bob',
};
export const outsider: RequestPrincipal = {
  arn: `arn:aws:iam::${OTHER_ACCOUNT}:user/alice`,
  accountId: OTHER_ACCOUNT,
  type: 'user',
  userName: 'alice',
};
export const deployer: RequestPrincipal = {
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-42`,
  accountId: ACCOUNT,
  type: 'role',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
};
export const anonymous: RequestPrincipal = { arn: '', accountId: '', type: 'anonymous' };

export function request(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    principal: alice,
    action: 'ecr:BatchGetImage',
    resource: REPO,
    conditionKeys: {},
    ...overrides,
  };
}

type RawStatement = Record<string, unknown>;

function document(statements: RawStatement | RawStatement[], version: string | null): string {
  return JSON.stringify({ ...(version !== null && { Version: version }), Statement: statements });
}

export function identityPolicy(statements: RawStatement | RawStatement[], version: string | null = '2012-10-17'): PolicyDocument {
  return parsePolicy(document(statements, version), 'identity');
}

export function resourcePolicy(statements: RawStatement | RawStatement[], version: string | null = '2012-10-17'): PolicyDocument {
  return parsePolicy(document(statements, version), 'resource');
}

export function decide(
  identity: PolicyDocument[],
  resource: PolicyDocument[],
  context: RequestContext = request(),
): EvaluationResult {
  return evaluate({ identityPolicies: identity, resourcePolicies: resource, context });
}
