import type { Principal, RequestInfo } from '../access/index.js';
import type { Runtime } from '../server/runtime.js';
import type { RequestContext } from '../iam/policy/index.js';

export type EcrInput = Record<string, unknown>;

export interface EcrCall {
  input: EcrInput;
  principal: Exclude<Principal, { kind: 'anonymous' }>;
  info: RequestInfo;
  runtime: Runtime;
  /** Base URL clients reach this registry at, for `proxyEndpoint`. */
  endpoint: string;
}

/**
 * One ECR operation as data: the IAM action it needs, which repository (if any) the action is
 * checked against, and the handler. The dispatcher authorizes before the handler runs.
 */
export interface EcrOperation {
  action: string;
  /** Repository the permission applies to; null for registry-wide actions (resource `*`). */
  repository: (input: EcrInput) => string | null;
  handler: (call: EcrCall) => Promise<Record<string, unknown>>;
  /** Changes who may do what (policies): cached decisions are dropped after it succeeds. */
  changesAccess?: boolean;
  /** Request condition keys the action offers policies (aws:RequestTag/*, aws:TagKeys, ...). */
  conditionKeys?: (input: EcrInput) => RequestContext['conditionKeys'];
}
