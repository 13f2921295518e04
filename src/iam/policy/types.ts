/**
 * The shapes of the IAM policy engine. A `PolicyDocument` is what `parsePolicy` returns: plain
 * JSON-compatible data (so it can be stored and re-serialised), with every "string or array"
 * element already widened to an array, so the evaluator never has to ask which form it got.
 */

export type PolicyKind = 'identity' | 'resource';

export type ConditionValue = string | number | boolean;

/** operator (e.g. "ForAnyValue:StringLikeIfExists") -> condition key -> values (ORed). */
export type ConditionBlock = Record<string, Record<string, ConditionValue[]>>;

export interface PrincipalMap {
  AWS?: string[];
  Service?: string[];
  Federated?: string[];
}

/** `"*"` (everyone, anonymous included) or a map of principal kinds to identifiers. */
export type PrincipalSpec = '*' | PrincipalMap;

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PrincipalSpec;
  NotPrincipal?: PrincipalSpec;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Statement[];
}

export type ContextValue = string | string[] | number | boolean | undefined;

export interface RequestPrincipal {
  /** User ARN, or for role sessions `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn: string;
  accountId: string;
  type: 'user' | 'role' | 'anonymous';
  userName?: string;
  /** For role sessions: `arn:aws:iam::<acct>:role/<path/name>`, so Principal entries naming the role match. */
  roleArn?: string;
}

export interface RequestContext {
  principal: RequestPrincipal;
  /** e.g. `ecr:BatchGetImage`. */
  action: string;
  /** A repository ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /**
   * Request condition keys (names are case-insensitive), e.g. aws:SourceIp, aws:CurrentTime (ISO),
   * aws:EpochTime, aws:SecureTransport, ecr:ResourceTag/<k>, aws:TagKeys (array). The principal
   * keys (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:username) are derived
   * from `principal` when absent here; a key given here, even as undefined, wins.
   */
  conditionKeys: Record<string, ContextValue>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface EvaluationInput {
  identityPolicies: PolicyDocument[];
  resourcePolicies: PolicyDocument[];
  context: RequestContext;
}

export interface MatchedStatement {
  policy: PolicyKind;
  /** Position of the document in `identityPolicies` / `resourcePolicies`. */
  policyIndex: number;
  /** Position of the statement inside that document. */
  index: number;
  sid?: string;
}

export interface EvaluationResult {
  decision: Decision;
  /** The deny that decided, or the first allow; absent for ImplicitDeny. */
  matchedStatement?: MatchedStatement;
}
