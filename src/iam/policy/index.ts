/**
 * The IAM policy engine: parse and validate policy documents (identity policies attached to
 * principals; repository and registry policies attached to resources), and decide whether a
 * request is allowed. Pure: no I/O and no clock (the time arrives as aws:CurrentTime /
 * aws:EpochTime in the request context).
 */
export type {
  ConditionBlock,
  ConditionValue,
  ContextValue,
  Decision,
  EvaluationInput,
  EvaluationResult,
  MatchedStatement,
  PolicyDocument,
  PolicyKind,
  PrincipalMap,
  PrincipalSpec,
  RequestContext,
  RequestPrincipal,
  Statement,
} from './types.js';
export { MAX_POLICY_LENGTH, PolicyValidationError, parsePolicy } from './parse.js';
export { describeDecision, evaluate } from './evaluate.js';
export { matchesWildcard } from './wildcard.js';
