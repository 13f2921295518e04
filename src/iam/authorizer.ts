// Who is asking and may they do it: resolves credentials (access keys, login tokens, role session
// keys) to principals, and decides with the policy engine from the principal's identity policies,
// the repository policy and the registry policy. Every decision on a write is audited.
import type { Kysely } from 'kysely';
import type { AccessControl, AuthenticationResult, Principal, RequestInfo } from '../access/index.js';
import { parseBasic } from '../access/index.js';
import type { Database } from '../meta/index.js';
import type { AccessKeyStore } from './access-keys.js';
import type { Directory } from './directory.js';
import { ACCESS_KEY_ID_RE, assumedRoleArn, repositoryArn } from './ids.js';
import type { LoginTokens } from './login-tokens.js';
import { evaluate, parsePolicy, type PolicyDocument, type PolicyKind, type RequestContext } from './policy/index.js';
import type { FailureLimiter } from './rate-limit.js';
import type { RoleSessions } from './role-sessions.js';
import { DecisionCache } from './decision-cache.js';

/** What SigV4 verification needs to know about a key, and who it stands for. */
export interface ResolvedKey {
  principal: Exclude<Principal, { kind: 'anonymous' }>;
  secretAccessKey: string;
  sessionToken?: string;
  /** Role session keys past their expiry are still resolved, so callers can say "expired". */
  expired: boolean;
  /** Expiry of a role session key (epoch ms). */
  expiresAt?: number;
}

export interface IamOptions {
  db: Kysely<Database>;
  directory: Directory;
  keys: AccessKeyStore;
  sessions: RoleSessions;
  tokens: LoginTokens;
  limiter: FailureLimiter;
  accountId: string;
  region: string;
  /** Changes when another process commits to the database (see meta/database.ts). */
  externalChangeCounter: () => number | null;
  now?: () => number;
}

/** How long a resolved credential or policy set may be reused without looking again. */
const CACHE_TTL_MS = 2_000;

/**
 * Same-account semantics of resource policies, as in IAM: a statement that trusts the account (its
 * root or id) delegates to the account's identity policies and grants nothing alone; one naming
 * the caller, or everyone ("*"), grants. Told apart by asking each Allow statement about two
 * strangers: one from this account, one from another.
 */
function grantsBeyondAccount(resourcePolicies: PolicyDocument[], context: RequestContext, accountId: string): boolean {
  const stranger = (account: string): RequestContext => ({
    ...context,
    principal: { arn: `arn:aws:iam::${account}:user/wharf-probe`, accountId: account, type: 'user', userName: 'wharf-probe' },
  });
  const sameAccount = stranger(accountId);
  const otherAccount = stranger(accountId === '000000000000' ? '000000000001' : '000000000000');
  const allows = (statement: PolicyDocument['Statement'][number], ctx: RequestContext) =>
    evaluate({ identityPolicies: [], resourcePolicies: [{ Statement: [statement] }], context: ctx }).decision === 'Allow';
  return resourcePolicies.some((policy) =>
    policy.Statement.some((statement) => statement.Effect === 'Allow' && allows(statement, context) && (allows(statement, otherAccount) || !allows(statement, sameAccount))),
  );
}

export interface PolicyOverride {
  repositoryPolicy?: string | null;
}

const READ_ONLY_ACTION = /^(ecr:(Get|List|Describe|BatchGet|BatchCheck)|iam:(Get|List)|sts:GetCallerIdentity)/;
const REGISTRY_POLICY_KEY = 'registry_policy';

export class IamAccessControl implements AccessControl {
  readonly realm = 'wharf';
  readonly admitsAnonymous = false;
  private readonly parsed = new Map<string, PolicyDocument>();
  private readonly now: () => number;
  private readonly basicCache: DecisionCache<AuthenticationResult>;
  private readonly identityCache: DecisionCache<PolicyDocument[]>;
  private readonly resourceCache: DecisionCache<{ policies: PolicyDocument[]; tags: Record<string, string> }>;

  constructor(private readonly options: IamOptions) {
    this.now = options.now ?? Date.now;
    const make = <V>() => new DecisionCache<V>(CACHE_TTL_MS, 10_000, options.externalChangeCounter, this.now);
    this.basicCache = make();
    this.identityCache = make();
    this.resourceCache = make();
  }

  /** Called after any change to principals, keys or policies made through this process. */
  invalidate(): void {
    this.basicCache.invalidate();
    this.identityCache.invalidate();
    this.resourceCache.invalidate();
  }

  get failureLimiter(): FailureLimiter {
    return this.options.limiter;
  }

  get accountId(): string {
    return this.options.accountId;
  }

  repositoryArn(repository: string): string {
    return repositoryArn(this.options.region, this.options.accountId, repository);
  }

  /** Resolves an access key id (AKIA or ASIA) to its principal and secret; null when unknown or inactive. */
  async resolveKey(accessKeyId: string): Promise<ResolvedKey | null> {
    if (!ACCESS_KEY_ID_RE.test(accessKeyId)) return null;
    if (accessKeyId.startsWith('AKIA')) {
      const active = await this.options.keys.activeSecret(accessKeyId);
      if (!active) return null;
      const user = await this.options.directory.findUser(active.userName);
      if (!user) return null;
      return {
        principal: { kind: 'user', arn: user.arn, userName: user.userName, userId: user.userId, accessKeyId },
        secretAccessKey: active.secretAccessKey,
        expired: false,
      };
    }
    const session = await this.options.sessions.find(accessKeyId);
    if (!session) return null;
    const role = await this.options.directory.findRole(session.roleName);
    if (!role) return null;
    return {
      principal: {
        kind: 'role',
        arn: assumedRoleArn(this.options.accountId, role.roleName, session.sessionName),
        roleArn: role.arn,
        roleName: role.roleName,
        roleId: role.roleId,
        sessionName: session.sessionName,
        accessKeyId,
      },
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expired: this.options.sessions.isExpired(session),
      expiresAt: session.expiresAt,
    };
  }

  async authenticateBasic(authorization: string | undefined, info: RequestInfo): Promise<AuthenticationResult> {
    // Clients without credentials (skopeo, podman) answer the challenge with empty Basic ones.
    const basic = parseBasic(authorization);
    if (authorization === undefined || (basic !== null && basic.user === '' && basic.password === '')) {
      return { ok: true, principal: { kind: 'anonymous', arn: '*' } };
    }
    if (this.options.limiter.isBlocked(info.sourceIp)) {
      return { ok: false, reason: 'throttled', message: 'too many failed authentication attempts; try again later' };
    }
    const cached = await this.basicCache.get(authorization, () => this.checkBasic(authorization), (r) => r.ok);
    // Failures are not cached (each one counts against the limiter), and nothing outlives a token.
    const result = cached.ok && cached.validUntil !== undefined && cached.validUntil <= this.now() ? await this.checkBasic(authorization) : cached;
    if (!result.ok) this.options.limiter.recordFailure(info.sourceIp);
    return result;
  }

  private async checkBasic(authorization: string): Promise<AuthenticationResult> {
    const invalid: AuthenticationResult = { ok: false, reason: 'invalid', message: 'invalid username or password' };
    const credentials = parseBasic(authorization);
    if (!credentials) return invalid;
    if (credentials.user === 'AWS') {
      const claim = this.options.tokens.read(credentials.password);
      if (!claim) return invalid;
      if (claim.expiresAt <= this.now()) return { ok: false, reason: 'expired', message: 'authorization token has expired; log in again' };
      const resolved = await this.resolveKey(claim.accessKeyId);
      if (!resolved) return invalid;
      if (resolved.expired) return { ok: false, reason: 'expired', message: 'the session behind this token has expired' };
      return { ok: true, principal: resolved.principal, validUntil: Math.min(claim.expiresAt, resolved.expiresAt ?? Infinity) };
    }
    // Documented option: a long-term access key id and secret as Basic credentials.
    if (!credentials.user.startsWith('AKIA')) return invalid;
    const resolved = await this.resolveKey(credentials.user);
    if (!resolved || !(await this.options.keys.verify(credentials.user, credentials.password))) return invalid;
    return { ok: true, principal: resolved.principal };
  }

  private policy(text: string, kind: PolicyKind): PolicyDocument {
    const key = `${kind}\u0000${text}`;
    let document = this.parsed.get(key);
    if (!document) {
      document = parsePolicy(text, kind);
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(key, document);
    }
    return document;
  }

  private async identityPolicies(principal: Principal): Promise<PolicyDocument[]> {
    if (principal.kind === 'anonymous') return [];
    return this.identityCache.get(principal.arn, async () => {
      const texts = principal.kind === 'user'
        ? await this.options.directory.userPolicyDocuments(principal.userName)
        : await this.options.directory.rolePolicyDocuments(principal.roleName);
      return texts.map((t) => this.policy(t, 'identity'));
    });
  }

  private async resourcePolicies(repository: string | null, override?: PolicyOverride): Promise<{ policies: PolicyDocument[]; tags: Record<string, string> }> {
    if (override) return this.loadResourcePolicies(repository, override);
    return this.resourceCache.get(repository ?? '\u0000registry', () => this.loadResourcePolicies(repository));
  }

  private async loadResourcePolicies(repository: string | null, override?: PolicyOverride): Promise<{ policies: PolicyDocument[]; tags: Record<string, string> }> {
    const policies: PolicyDocument[] = [];
    let tags: Record<string, string> = {};
    if (repository !== null) {
      const row = await this.options.db.selectFrom('repositories').select(['policy', 'resource_tags']).where('name', '=', repository).executeTakeFirst();
      const repositoryPolicy = override && 'repositoryPolicy' in override ? override.repositoryPolicy : row?.policy;
      if (repositoryPolicy) policies.push(this.policy(repositoryPolicy, 'resource'));
      if (row?.resource_tags) tags = JSON.parse(row.resource_tags) as Record<string, string>;
    }
    const registry = await this.options.db.selectFrom('settings').select('value').where('key', '=', REGISTRY_POLICY_KEY).executeTakeFirst();
    if (registry) policies.push(this.policy(registry.value, 'resource'));
    return { policies, tags };
  }

  /** The full evaluation context, shared by every front door. */
  context(principal: Principal, action: string, resource: string, info: RequestInfo, extra: RequestContext['conditionKeys'] = {}): RequestContext {
    const now = new Date(this.now());
    return {
      principal: {
        arn: principal.arn,
        accountId: this.options.accountId,
        type: principal.kind,
        ...(principal.kind === 'user' ? { userName: principal.userName } : {}),
        ...(principal.kind === 'role' ? { roleArn: principal.roleArn } : {}),
      },
      action,
      resource,
      conditionKeys: {
        'aws:SourceIp': info.sourceIp,
        'aws:SecureTransport': info.secureTransport,
        'aws:CurrentTime': now.toISOString(),
        'aws:EpochTime': Math.floor(now.getTime() / 1000),
        'aws:userid': principal.kind === 'user' ? principal.userId : principal.kind === 'role' ? `${principal.roleId}:${principal.sessionName}` : undefined,
        ...extra,
      },
    };
  }

  async authorize(principal: Principal, action: string, repository: string | null, info: RequestInfo, extraKeys: RequestContext['conditionKeys'] = {}): Promise<boolean> {
    const decision = await this.decide(principal, action, repository, info, extraKeys);
    if (!READ_ONLY_ACTION.test(action)) await this.audit(principal, action, repository === null ? '*' : this.repositoryArn(repository), info, decision);
    return decision === 'Allow';
  }

  /** For IAM actions, whose resources are users and roles: identity policies only (as in IAM). */
  async authorizeArn(principal: Principal, action: string, resourceArn: string, info: RequestInfo): Promise<boolean> {
    const identityPolicies = await this.identityPolicies(principal);
    const { decision } = evaluate({ identityPolicies, resourcePolicies: [], context: this.context(principal, action, resourceArn, info) });
    if (!READ_ONLY_ACTION.test(action)) await this.audit(principal, action, resourceArn, info, decision);
    return decision === 'Allow';
  }

  /**
   * sts:AssumeRole the IAM way: the role's trust policy must allow the caller. A trust policy that
   * names the caller itself is enough; one that trusts the whole account (its root, or its id)
   * delegates to the account, so the caller's own policies must also allow sts:AssumeRole.
   */
  async mayAssumeRole(principal: Principal, roleArn: string, trustPolicy: string, info: RequestInfo): Promise<boolean> {
    const trust = [this.policy(trustPolicy, 'resource')];
    const trusted = (p: Principal) => evaluate({ identityPolicies: [], resourcePolicies: trust, context: this.context(p, 'sts:AssumeRole', roleArn, info) }).decision;
    const identity = await this.identityPolicies(principal);
    const own = evaluate({ identityPolicies: identity, resourcePolicies: [], context: this.context(principal, 'sts:AssumeRole', roleArn, info) }).decision;
    let allowed = false;
    if (own !== 'ExplicitDeny' && trusted(principal) === 'Allow') {
      // A stranger from the same account passing the trust policy means it trusts the account.
      const accountWide = trusted({ kind: 'user', arn: `arn:aws:iam::${this.options.accountId}:user/\u0000probe`, userName: '\u0000probe', userId: 'AIDAPROBE', accessKeyId: 'AKIAPROBE' }) === 'Allow';
      allowed = !accountWide || own === 'Allow';
    }
    await this.audit(principal, 'sts:AssumeRole', roleArn, info, allowed ? 'Allow' : 'Deny');
    return allowed;
  }

  /** Would the action be allowed if the repository policy were `override`? (Lock-out protection.) */
  async wouldAllow(principal: Principal, action: string, repository: string, info: RequestInfo, override: PolicyOverride): Promise<boolean> {
    return (await this.decide(principal, action, repository, info, {}, override)) === 'Allow';
  }

  private async decide(principal: Principal, action: string, repository: string | null, info: RequestInfo, extraKeys: RequestContext['conditionKeys'], override?: PolicyOverride): Promise<string> {
    const resource = repository === null ? '*' : this.repositoryArn(repository);
    const [identityPolicies, { policies: resourcePolicies, tags }] = await Promise.all([this.identityPolicies(principal), this.resourcePolicies(repository, override)]);
    const tagKeys: RequestContext['conditionKeys'] = {};
    for (const [key, value] of Object.entries(tags)) {
      tagKeys[`ecr:ResourceTag/${key}`] = value;
      tagKeys[`aws:ResourceTag/${key}`] = value;
    }
    const context = this.context(principal, action, resource, info, { ...tagKeys, ...extraKeys });
    const result = evaluate({ identityPolicies, resourcePolicies, context });
    if (result.decision !== 'Allow' || principal.kind === 'anonymous' || result.matchedStatement?.policy !== 'resource') return result.decision;
    if (evaluate({ identityPolicies, resourcePolicies: [], context }).decision === 'Allow') return 'Allow';
    return grantsBeyondAccount(resourcePolicies, context, this.options.accountId) ? 'Allow' : 'ImplicitDeny';
  }

  private async audit(principal: Principal, action: string, resource: string, info: RequestInfo, decision: string): Promise<void> {
    await this.options.db
      .insertInto('audit_log')
      .values({ at: this.now(), request_id: info.requestId, principal_arn: principal.arn, action, resource, source_ip: info.sourceIp, decision })
      .execute();
  }
}

export { REGISTRY_POLICY_KEY };
