// STS: who am I, and temporary credentials for a role (the self-hosted counterpart of instance
// profiles and task roles).
import { IamError, IAM_NAME_RE } from '../iam/index.js';
import type { QueryOperation } from './operation.js';
import { optionalInt, required } from './params.js';

const ROLE_ARN_RE = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export const STS_OPERATIONS: Readonly<Record<string, QueryOperation>> = {
  GetCallerIdentity: {
    action: null,
    resource: () => '*',
    handler: async ({ caller, runtime }) => {
      const p = caller.principal;
      return { Arn: p.arn, UserId: p.kind === 'user' ? p.userId : `${p.roleId}:${p.sessionName}`, Account: runtime.registryId };
    },
  },
  AssumeRole: {
    action: null,
    resource: () => '*',
    handler: async (call) => {
      const { params, runtime, caller, info } = call;
      const arn = required(params, 'RoleArn');
      const sessionName = required(params, 'RoleSessionName');
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw new IamError('ValidationError', "Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
      const match = ROLE_ARN_RE.exec(arn);
      const role = match && match[1] === runtime.registryId && IAM_NAME_RE.test(match[2]!) ? await runtime.iam.directory.findRole(match[2]!) : null;
      const denied = new IamError('AccessDenied', `User: ${caller.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
      if (!role || role.arn !== arn) throw denied;
      if (!(await runtime.iam.control.mayAssumeRole(caller.principal, role.arn, role.trustPolicy, info))) throw denied;
      const duration = optionalInt(params, 'DurationSeconds', runtime.config.stsMinSessionSeconds, role.maxSessionDuration) ?? Math.min(3600, role.maxSessionDuration);
      const credentials = await runtime.iam.sessions.create(role.roleName, sessionName, duration);
      return {
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: credentials.expiration,
        },
        AssumedRoleUser: {
          AssumedRoleId: `${role.roleId}:${sessionName}`,
          Arn: `arn:aws:sts::${runtime.registryId}:assumed-role/${role.roleName}/${sessionName}`,
        },
      };
    },
  },
};
