import type { RequestInfo } from '../access/index.js';
import type { Runtime } from '../server/runtime.js';
import type { SignedCaller } from '../aws/signed-request.js';
import type { XmlNode } from './xml.js';

export interface QueryCall {
  params: URLSearchParams;
  caller: SignedCaller;
  info: RequestInfo;
  runtime: Runtime;
}

/**
 * One IAM or STS action as data. `resource` names the ARN the permission is checked against; null
 * means the handler decides itself (sts:AssumeRole checks the trust policy, GetCallerIdentity
 * needs no permission).
 */
export interface QueryOperation {
  action: string | null;
  resource: (call: QueryCall) => string;
  handler: (call: QueryCall) => Promise<XmlNode | null>;
}
