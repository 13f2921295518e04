// The IAM Query API subset that `aws iam ...` needs to manage users, keys, roles and inline policies.
import { IamError, type Role, type User } from '../iam/index.js';
import type { QueryCall, QueryOperation } from './operation.js';
import { optional, optionalInt, required } from './params.js';
import type { XmlNode } from './xml.js';

function userXml(user: User): XmlNode {
  return { Path: user.path, UserName: user.userName, UserId: user.userId, Arn: user.arn, CreateDate: user.createDate };
}

function roleXml(role: Role): XmlNode {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    // IAM returns policy documents URL-encoded; the AWS CLI and SDKs decode them.
    AssumeRolePolicyDocument: encodeURIComponent(role.trustPolicy),
    MaxSessionDuration: role.maxSessionDuration,
  };
}

/** `UserName` defaults to the calling user, as IAM does for key and user self-service calls. */
function targetUser(call: QueryCall): string {
  const given = optional(call.params, 'UserName');
  if (given !== undefined) return given;
  const principal = call.caller.principal;
  if (principal.kind !== 'user') throw new IamError('ValidationError', 'Must specify userName when calling with non-User credentials');
  return principal.userName;
}

function page(call: QueryCall): { limit: number; marker: string | undefined } {
  return { limit: optionalInt(call.params, 'MaxItems', 1, 1000) ?? 100, marker: optional(call.params, 'Marker') };
}

const userResource = (call: QueryCall) => `arn:aws:iam::${call.runtime.registryId}:user/${targetUser(call)}`;
const roleResource = (call: QueryCall) => `arn:aws:iam::${call.runtime.registryId}:role/${required(call.params, 'RoleName')}`;
const anyUser = (call: QueryCall) => `arn:aws:iam::${call.runtime.registryId}:user/*`;
const anyRole = (call: QueryCall) => `arn:aws:iam::${call.runtime.registryId}:role/*`;

export const IAM_OPERATIONS: Readonly<Record<string, QueryOperation>> = {
  CreateUser: {
    action: 'iam:CreateUser',
    resource: userResource,
    handler: async (call) => ({ User: userXml(await call.runtime.iam.directory.createUser(required(call.params, 'UserName'), optional(call.params, 'Path') ?? '/')) }),
  },
  GetUser: {
    action: 'iam:GetUser',
    resource: userResource,
    handler: async (call) => ({ User: userXml(await call.runtime.iam.directory.getUser(targetUser(call))) }),
  },
  ListUsers: {
    action: 'iam:ListUsers',
    resource: anyUser,
    handler: async (call) => {
      const { limit, marker } = page(call);
      const result = await call.runtime.iam.directory.listUsers(limit, marker);
      return { Users: result.users.map(userXml), IsTruncated: result.more, Marker: result.more ? result.users.at(-1)?.userName : undefined };
    },
  },
  DeleteUser: {
    action: 'iam:DeleteUser',
    resource: userResource,
    handler: async (call) => {
      await call.runtime.iam.directory.deleteUser(required(call.params, 'UserName'));
      return null;
    },
  },
  CreateAccessKey: {
    action: 'iam:CreateAccessKey',
    resource: userResource,
    handler: async (call) => {
      const userName = targetUser(call);
      await call.runtime.iam.directory.getUser(userName);
      const key = await call.runtime.iam.keys.create(userName);
      return { AccessKey: { UserName: userName, AccessKeyId: key.accessKeyId, Status: 'Active', SecretAccessKey: key.secretAccessKey, CreateDate: new Date() } };
    },
  },
  ListAccessKeys: {
    action: 'iam:ListAccessKeys',
    resource: userResource,
    handler: async (call) => {
      const userName = targetUser(call);
      await call.runtime.iam.directory.getUser(userName);
      const keys = await call.runtime.iam.keys.list(userName);
      return { AccessKeyMetadata: keys.map((k) => ({ UserName: k.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate })), IsTruncated: false };
    },
  },
  UpdateAccessKey: {
    action: 'iam:UpdateAccessKey',
    resource: userResource,
    handler: async (call) => {
      const status = required(call.params, 'Status');
      if (status !== 'Active' && status !== 'Inactive') throw new IamError('ValidationError', `Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
      await call.runtime.iam.keys.setStatus(targetUser(call), required(call.params, 'AccessKeyId'), status);
      return null;
    },
  },
  DeleteAccessKey: {
    action: 'iam:DeleteAccessKey',
    resource: userResource,
    handler: async (call) => {
      await call.runtime.iam.keys.delete(targetUser(call), required(call.params, 'AccessKeyId'));
      return null;
    },
  },
  PutUserPolicy: {
    action: 'iam:PutUserPolicy',
    resource: userResource,
    handler: async (call) => {
      await call.runtime.iam.directory.putUserPolicy(required(call.params, 'UserName'), required(call.params, 'PolicyName'), required(call.params, 'PolicyDocument'));
      return null;
    },
  },
  GetUserPolicy: {
    action: 'iam:GetUserPolicy',
    resource: userResource,
    handler: async (call) => {
      const userName = required(call.params, 'UserName');
      const policyName = required(call.params, 'PolicyName');
      const document = await call.runtime.iam.directory.getUserPolicy(userName, policyName);
      return { UserName: userName, PolicyName: policyName, PolicyDocument: encodeURIComponent(document) };
    },
  },
  ListUserPolicies: {
    action: 'iam:ListUserPolicies',
    resource: userResource,
    handler: async (call) => ({ PolicyNames: await call.runtime.iam.directory.listUserPolicies(required(call.params, 'UserName')), IsTruncated: false }),
  },
  DeleteUserPolicy: {
    action: 'iam:DeleteUserPolicy',
    resource: userResource,
    handler: async (call) => {
      await call.runtime.iam.directory.deleteUserPolicy(required(call.params, 'UserName'), required(call.params, 'PolicyName'));
      return null;
    },
  },
  CreateRole: {
    action: 'iam:CreateRole',
    resource: roleResource,
    handler: async (call) => {
      const role = await call.runtime.iam.directory.createRole(
        required(call.params, 'RoleName'),
        required(call.params, 'AssumeRolePolicyDocument'),
        optionalInt(call.params, 'MaxSessionDuration', 3600, 43200),
        optional(call.params, 'Path') ?? '/',
      );
      return { Role: roleXml(role) };
    },
  },
  GetRole: {
    action: 'iam:GetRole',
    resource: roleResource,
    handler: async (call) => ({ Role: roleXml(await call.runtime.iam.directory.getRole(required(call.params, 'RoleName'))) }),
  },
  ListRoles: {
    action: 'iam:ListRoles',
    resource: anyRole,
    handler: async (call) => {
      const { limit, marker } = page(call);
      const result = await call.runtime.iam.directory.listRoles(limit, marker);
      return { Roles: result.roles.map(roleXml), IsTruncated: result.more, Marker: result.more ? result.roles.at(-1)?.roleName : undefined };
    },
  },
  DeleteRole: {
    action: 'iam:DeleteRole',
    resource: roleResource,
    handler: async (call) => {
      await call.runtime.iam.directory.deleteRole(required(call.params, 'RoleName'));
      return null;
    },
  },
  UpdateAssumeRolePolicy: {
    action: 'iam:UpdateAssumeRolePolicy',
    resource: roleResource,
    handler: async (call) => {
      await call.runtime.iam.directory.updateTrustPolicy(required(call.params, 'RoleName'), required(call.params, 'PolicyDocument'));
      return null;
    },
  },
  PutRolePolicy: {
    action: 'iam:PutRolePolicy',
    resource: roleResource,
    handler: async (call) => {
      await call.runtime.iam.directory.putRolePolicy(required(call.params, 'RoleName'), required(call.params, 'PolicyName'), required(call.params, 'PolicyDocument'));
      return null;
    },
  },
  GetRolePolicy: {
    action: 'iam:GetRolePolicy',
    resource: roleResource,
    handler: async (call) => {
      const roleName = required(call.params, 'RoleName');
      const policyName = required(call.params, 'PolicyName');
      const document = await call.runtime.iam.directory.getRolePolicy(roleName, policyName);
      return { RoleName: roleName, PolicyName: policyName, PolicyDocument: encodeURIComponent(document) };
    },
  },
  ListRolePolicies: {
    action: 'iam:ListRolePolicies',
    resource: roleResource,
    handler: async (call) => ({ PolicyNames: await call.runtime.iam.directory.listRolePolicies(required(call.params, 'RoleName')), IsTruncated: false }),
  },
  DeleteRolePolicy: {
    action: 'iam:DeleteRolePolicy',
    resource: roleResource,
    handler: async (call) => {
      await call.runtime.iam.directory.deleteRolePolicy(required(call.params, 'RoleName'), required(call.params, 'PolicyName'));
      return null;
    },
  },
};
