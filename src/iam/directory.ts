// Users, roles and their inline policies: the IAM entities Wharf keeps. Names follow IAM's rules;
// policy documents are validated before they are stored, and stored as given.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { IamError } from './errors.js';
import { IAM_NAME_RE, newId, roleArn, userArn } from './ids.js';
import { parsePolicy, PolicyValidationError, type PolicyKind } from './policy/index.js';

export interface User {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: Date;
}

export interface Role {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  trustPolicy: string;
  maxSessionDuration: number;
  createDate: Date;
}

const DEFAULT_MAX_SESSION_SECONDS = 3600;

function assertName(kind: string, name: string): void {
  if (!IAM_NAME_RE.test(name)) {
    throw new IamError('ValidationError', `1 validation error detected: Value '${name}' at '${kind}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  }
}

function validatePolicy(text: string, kind: PolicyKind): void {
  try {
    parsePolicy(text, kind);
  } catch (error) {
    if (error instanceof PolicyValidationError) throw new IamError('MalformedPolicyDocument', error.message);
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return /UNIQUE constraint|duplicate key|PRIMARY KEY/i.test(message);
}

export class Directory {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accountId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async userCount(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createUser(userName: string, path = '/'): Promise<User> {
    assertName('userName', userName);
    const row = { name: userName, user_id: newId('AIDA'), path, created_at: this.now() };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new IamError('EntityAlreadyExists', `User with name ${userName} already exists.`);
      throw error;
    }
    return this.toUser(row);
  }

  private toUser(row: { name: string; user_id: string; path: string; created_at: number }): User {
    return { userName: row.name, userId: row.user_id, arn: userArn(this.accountId, row.name, row.path), path: row.path, createDate: new Date(Number(row.created_at)) };
  }

  async findUser(userName: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', userName).executeTakeFirst();
    return row ? this.toUser(row) : null;
  }

  async getUser(userName: string): Promise<User> {
    const user = await this.findUser(userName);
    if (!user) throw new IamError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
    return user;
  }

  async listUsers(limit: number, marker: string | undefined): Promise<{ users: User[]; more: boolean }> {
    let query = this.db.selectFrom('users').selectAll().orderBy('name').limit(limit + 1);
    if (marker !== undefined) query = query.where('name', '>', marker);
    const rows = await query.execute();
    return { users: rows.slice(0, limit).map((r) => this.toUser(r)), more: rows.length > limit };
  }

  /** Like IAM, a user with access keys or policies must be emptied first. */
  async deleteUser(userName: string): Promise<void> {
    await this.getUser(userName);
    const keys = await this.db.selectFrom('access_keys').select('access_key_id').where('user_name', '=', userName).limit(1).execute();
    const policies = await this.db.selectFrom('user_policies').select('policy_name').where('user_name', '=', userName).limit(1).execute();
    if (keys.length > 0 || policies.length > 0) {
      throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies and access keys first.');
    }
    await this.db.deleteFrom('users').where('name', '=', userName).execute();
  }

  async putUserPolicy(userName: string, policyName: string, document: string): Promise<void> {
    await this.getUser(userName);
    assertName('policyName', policyName);
    validatePolicy(document, 'identity');
    await this.db
      .insertInto('user_policies')
      .values({ user_name: userName, policy_name: policyName, document })
      .onConflict((oc) => oc.columns(['user_name', 'policy_name']).doUpdateSet({ document }))
      .execute();
  }

  async getUserPolicy(userName: string, policyName: string): Promise<string> {
    await this.getUser(userName);
    const row = await this.db.selectFrom('user_policies').select('document').where('user_name', '=', userName).where('policy_name', '=', policyName).executeTakeFirst();
    if (!row) throw new IamError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
    return row.document;
  }

  async listUserPolicies(userName: string): Promise<string[]> {
    await this.getUser(userName);
    const rows = await this.db.selectFrom('user_policies').select('policy_name').where('user_name', '=', userName).orderBy('policy_name').execute();
    return rows.map((r) => r.policy_name);
  }

  async deleteUserPolicy(userName: string, policyName: string): Promise<void> {
    await this.getUser(userName);
    const result = await this.db.deleteFrom('user_policies').where('user_name', '=', userName).where('policy_name', '=', policyName).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new IamError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
  }

  /** Every inline policy of a user, as stored. */
  async userPolicyDocuments(userName: string): Promise<string[]> {
    const rows = await this.db.selectFrom('user_policies').select('document').where('user_name', '=', userName).execute();
    return rows.map((r) => r.document);
  }

  async createRole(roleName: string, trustPolicy: string, maxSessionDuration = DEFAULT_MAX_SESSION_SECONDS, path = '/'): Promise<Role> {
    assertName('roleName', roleName);
    validatePolicy(trustPolicy, 'resource');
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw new IamError('ValidationError', 'MaxSessionDuration must be between 3600 and 43200 seconds');
    }
    const row = { name: roleName, role_id: newId('AROA'), path, trust_policy: trustPolicy, max_session_seconds: maxSessionDuration, created_at: this.now() };
    try {
      await this.db.insertInto('roles').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new IamError('EntityAlreadyExists', `Role with name ${roleName} already exists.`);
      throw error;
    }
    return this.toRole(row);
  }

  private toRole(row: Database['roles']): Role {
    return {
      roleName: row.name,
      roleId: row.role_id,
      arn: roleArn(this.accountId, row.name, row.path),
      path: row.path,
      trustPolicy: row.trust_policy,
      maxSessionDuration: Number(row.max_session_seconds),
      createDate: new Date(Number(row.created_at)),
    };
  }

  async findRole(roleName: string): Promise<Role | null> {
    const row = await this.db.selectFrom('roles').selectAll().where('name', '=', roleName).executeTakeFirst();
    return row ? this.toRole(row) : null;
  }

  async getRole(roleName: string): Promise<Role> {
    const role = await this.findRole(roleName);
    if (!role) throw new IamError('NoSuchEntity', `The role with name ${roleName} cannot be found.`);
    return role;
  }

  async listRoles(limit: number, marker: string | undefined): Promise<{ roles: Role[]; more: boolean }> {
    let query = this.db.selectFrom('roles').selectAll().orderBy('name').limit(limit + 1);
    if (marker !== undefined) query = query.where('name', '>', marker);
    const rows = await query.execute();
    return { roles: rows.slice(0, limit).map((r) => this.toRole(r)), more: rows.length > limit };
  }

  async deleteRole(roleName: string): Promise<void> {
    await this.getRole(roleName);
    const policies = await this.db.selectFrom('role_policies').select('policy_name').where('role_name', '=', roleName).limit(1).execute();
    if (policies.length > 0) throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    await this.db.deleteFrom('role_sessions').where('role_name', '=', roleName).execute();
    await this.db.deleteFrom('roles').where('name', '=', roleName).execute();
  }

  async updateTrustPolicy(roleName: string, trustPolicy: string): Promise<void> {
    await this.getRole(roleName);
    validatePolicy(trustPolicy, 'resource');
    await this.db.updateTable('roles').set({ trust_policy: trustPolicy }).where('name', '=', roleName).execute();
  }

  async putRolePolicy(roleName: string, policyName: string, document: string): Promise<void> {
    await this.getRole(roleName);
    assertName('policyName', policyName);
    validatePolicy(document, 'identity');
    await this.db
      .insertInto('role_policies')
      .values({ role_name: roleName, policy_name: policyName, document })
      .onConflict((oc) => oc.columns(['role_name', 'policy_name']).doUpdateSet({ document }))
      .execute();
  }

  async getRolePolicy(roleName: string, policyName: string): Promise<string> {
    await this.getRole(roleName);
    const row = await this.db.selectFrom('role_policies').select('document').where('role_name', '=', roleName).where('policy_name', '=', policyName).executeTakeFirst();
    if (!row) throw new IamError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
    return row.document;
  }

  async listRolePolicies(roleName: string): Promise<string[]> {
    await this.getRole(roleName);
    const rows = await this.db.selectFrom('role_policies').select('policy_name').where('role_name', '=', roleName).orderBy('policy_name').execute();
    return rows.map((r) => r.policy_name);
  }

  async deleteRolePolicy(roleName: string, policyName: string): Promise<void> {
    await this.getRole(roleName);
    const result = await this.db.deleteFrom('role_policies').where('role_name', '=', roleName).where('policy_name', '=', policyName).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new IamError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
  }

  async rolePolicyDocuments(roleName: string): Promise<string[]> {
    const rows = await this.db.selectFrom('role_policies').select('document').where('role_name', '=', roleName).execute();
    return rows.map((r) => r.document);
  }
}
