/**
 * The decision, the IAM way for a single account: an explicit Deny in any policy wins; otherwise
 * an Allow in either an identity policy or a resource policy grants; otherwise the request is
 * implicitly denied. Policies are evaluated as given: the caller decides which apply (the
 * principal's identity policies; the repository's and the registry's policies).
 */
import { conditionsHold, type ContextKeys } from './conditions.js';
import { principalMatches } from './principals.js';
import type {
  ContextValue,
  EvaluationInput,
  EvaluationResult,
  MatchedStatement,
  PolicyDocument,
  PolicyKind,
  RequestContext,
  RequestPrincipal,
  Statement,
} from './types.js';
import { compilePolicyText, VARIABLES_VERSION, type VariableResolver } from './variables.js';
import { globMatches, matchesWildcard } from './wildcard.js';

const PRINCIPAL_TYPES: Record<RequestPrincipal['type'], string> = {
  user: 'User',
  role: 'AssumedRole',
  anonymous: 'Anonymous',
};

/**
 * Context keys by lower-cased name. The principal keys are derived from the principal so callers
 * cannot forget them (for a role session aws:PrincipalArn is the role's ARN, as in IAM); keys the
 * caller sets explicitly take precedence.
 */
function contextKeys(context: RequestContext): ContextKeys {
  const keys = new Map<string, ContextValue>();
  const { principal } = context;
  keys.set('aws:principaltype', PRINCIPAL_TYPES[principal.type]);
  if (principal.type !== 'anonymous') {
    keys.set('aws:principalarn', principal.type === 'role' ? principal.roleArn ?? principal.arn : principal.arn);
    keys.set('aws:principalaccount', principal.accountId);
    if (principal.type === 'user' && principal.userName !== undefined) keys.set('aws:username', principal.userName);
  }
  for (const [name, value] of Object.entries(context.conditionKeys)) keys.set(name.toLowerCase(), value);
  return keys;
}

function resolverFor(keys: ContextKeys): VariableResolver {
  return (key) => {
    const value = keys.get(key.toLowerCase());
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  };
}

/** true/false, or null when an entry holds a policy variable that cannot be resolved. */
function anyResourceMatches(patterns: readonly string[], resource: string, resolve: VariableResolver | null): boolean | null {
  const globs = patterns.map((p) => compilePolicyText(p, resolve));
  if (globs.includes(null)) return null;
  return globs.some((glob) => globMatches(glob!, resource));
}

interface Scope {
  kind: PolicyKind;
  context: RequestContext;
  keys: ContextKeys;
  /** Null when the document's Version predates policy variables. */
  resolve: VariableResolver | null;
}

function statementApplies(statement: Statement, scope: Scope): boolean {
  const { context } = scope;
  if (scope.kind === 'resource') {
    if (statement.Principal !== undefined) {
      if (!principalMatches(statement.Principal, context.principal)) return false;
    } else if (statement.NotPrincipal !== undefined) {
      if (principalMatches(statement.NotPrincipal, context.principal)) return false;
    } else {
      return false;
    }
  }

  const actionMatches = (pattern: string): boolean => matchesWildcard(pattern, context.action, true);
  if (statement.Action !== undefined) {
    if (!statement.Action.some(actionMatches)) return false;
  } else if (statement.NotAction !== undefined) {
    if (statement.NotAction.some(actionMatches)) return false;
  } else {
    return false;
  }

  if (statement.Resource !== undefined) {
    if (anyResourceMatches(statement.Resource, context.resource, scope.resolve) !== true) return false;
  } else if (statement.NotResource !== undefined) {
    if (anyResourceMatches(statement.NotResource, context.resource, scope.resolve) !== false) return false;
  } else if (scope.kind === 'identity') {
    return false;
  }

  return statement.Condition === undefined || conditionsHold(statement.Condition, scope.keys, scope.resolve);
}

export function evaluate(input: EvaluationInput): EvaluationResult {
  const keys = contextKeys(input.context);
  const resolve = resolverFor(keys);
  let allow: MatchedStatement | undefined;
  const sets: [PolicyKind, PolicyDocument[]][] = [
    ['identity', input.identityPolicies],
    ['resource', input.resourcePolicies],
  ];
  for (const [kind, documents] of sets) {
    for (const [policyIndex, document] of documents.entries()) {
      const scope: Scope = {
        kind,
        context: input.context,
        keys,
        resolve: document.Version === VARIABLES_VERSION ? resolve : null,
      };
      for (const [index, statement] of document.Statement.entries()) {
        // Once something allows, only a Deny can still change the outcome.
        if (allow !== undefined && statement.Effect === 'Allow') continue;
        if (!statementApplies(statement, scope)) continue;
        const matched: MatchedStatement = {
          policy: kind,
          policyIndex,
          index,
          ...(statement.Sid !== undefined && { sid: statement.Sid }),
        };
        if (statement.Effect === 'Deny') return { decision: 'ExplicitDeny', matchedStatement: matched };
        allow = matched;
      }
    }
  }
  return allow !== undefined ? { decision: 'Allow', matchedStatement: allow } : { decision: 'ImplicitDeny' };
}

/** One line for logs and audit records, e.g.
 * `Allow ecr:BatchGetImage on arn:aws:ecr:...:repository/app by anonymous: resource policy 0 statement 1 "PublicPull"`. */
export function describeDecision(result: EvaluationResult, context?: RequestContext): string {
  let line: string = result.decision;
  if (context !== undefined) {
    const who = context.principal.type === 'anonymous' ? 'anonymous' : context.principal.arn;
    line += ` ${context.action} on ${context.resource} by ${who}`;
  }
  const m = result.matchedStatement;
  if (m === undefined) return `${line}: no statement allows it`;
  const sid = m.sid !== undefined ? ` ${JSON.stringify(m.sid)}` : '';
  return `${line}: ${m.policy} policy ${m.policyIndex} statement ${m.index}${sid}`;
}
