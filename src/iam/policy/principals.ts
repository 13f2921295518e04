/**
 * Principal / NotPrincipal in resource policies. IAM takes no wildcards here except a lone "*",
 * so every entry is an exact identifier:
 *
 *   "*", {"AWS": "*"}                         everyone, anonymous callers included
 *   {"AWS": "123456789012"}, ...:root         every authenticated principal of that account
 *   {"AWS": "arn:aws:iam::<acct>:user/..."}   that user
 *   {"AWS": "arn:aws:iam::<acct>:role/..."}   every session of that role
 *   {"AWS": "arn:aws:sts::<acct>:assumed-role/<role>/<session>"}  that session
 *   {"Service": ...}, {"Federated": ...}      accepted, but Wharf has no service or federated
 *                                             callers, so they match nobody
 */
import type { PrincipalSpec, RequestPrincipal } from './types.js';

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):[^*?\s]+$/;
const ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

export function isValidAwsPrincipal(entry: string): boolean {
  return entry === '*' || ACCOUNT_ID.test(entry) || PRINCIPAL_ARN.test(entry);
}

/** Service principals are DNS names such as codebuild.amazonaws.com. */
export function isValidServicePrincipal(entry: string): boolean {
  return /^[a-z0-9][a-z0-9.-]*$/i.test(entry);
}

export function isValidFederatedPrincipal(entry: string): boolean {
  return entry.length > 0 && !/[*?\s]/.test(entry);
}

function awsEntryMatches(entry: string, principal: RequestPrincipal): boolean {
  if (entry === '*') return true;
  if (principal.type === 'anonymous') return false;
  const account = ACCOUNT_ID.test(entry) ? entry : ROOT_ARN.exec(entry)?.[1];
  if (account !== undefined) return principal.accountId === account;
  return entry === principal.arn || (principal.roleArn !== undefined && entry === principal.roleArn);
}

export function principalMatches(spec: PrincipalSpec, principal: RequestPrincipal): boolean {
  if (spec === '*') return true;
  return (spec.AWS ?? []).some((entry) => awsEntryMatches(entry, principal));
}
