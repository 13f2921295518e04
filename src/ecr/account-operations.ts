// Registry-wide operations: DescribeRegistry, account settings and the principals whose pulls do
// not update lastRecordedPullTime. All are checked against resource `*`.
import { AwsError } from '../aws/errors.js';
import { ACCOUNT_SETTING_PREFIX } from '../registry/index.js';
import type { EcrCall, EcrOperation } from './operation.js';
import { enumValue, invalidParameter, optionalInteger, pageToken, readPageToken, requiredString } from './validation.js';

/**
 * The settings PutAccountSetting accepts, their values, and what applies while unset. Wharf
 * enforces the registry policy on every request (scope V2) and mounts blobs across repositories
 * unless BLOB_MOUNTING is DISABLED (see oci/upload-routes.ts).
 */
const ACCOUNT_SETTINGS = {
  BASIC_SCAN_TYPE_VERSION: { values: ['AWS_NATIVE'], unset: 'AWS_NATIVE' },
  REGISTRY_POLICY_SCOPE: { values: ['V2'], unset: 'V2' },
  BLOB_MOUNTING: { values: ['ENABLED', 'DISABLED'], unset: 'ENABLED' },
} as const satisfies Record<string, { values: readonly string[]; unset: string }>;

type SettingName = keyof typeof ACCOUNT_SETTINGS;
const SETTING_NAMES = Object.keys(ACCOUNT_SETTINGS) as SettingName[];

const MAX_EXCLUSIONS = 100;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const PAGE_KIND = 'exclusions';
const PRINCIPAL_ARN_RE = /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)\/[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;

const registryWide = () => null;

function settingName(call: EcrCall): SettingName {
  return enumValue(requiredString(call.input, 'name', 1, 64), 'name', SETTING_NAMES);
}

function principalArn(call: EcrCall): string {
  const arn = requiredString(call.input, 'principalArn', 1, 200);
  if (!PRINCIPAL_ARN_RE.test(arn)) {
    throw invalidParameter('principalArn', "must satisfy regular expression '^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\\w+=,.@-]+(/[\\w+=,.@-]+)*$'");
  }
  return arn;
}

export const describeRegistry: EcrOperation = {
  action: 'ecr:DescribeRegistry',
  repository: registryWide,
  // Replication is not configured in Wharf yet: the configuration is always the empty one.
  handler: async (call) => ({ registryId: call.runtime.registryId, replicationConfiguration: { rules: [] } }),
};

export const getAccountSetting: EcrOperation = {
  action: 'ecr:GetAccountSetting',
  repository: registryWide,
  handler: async (call) => {
    const name = settingName(call);
    const stored = await call.runtime.registry.repositories.setting(ACCOUNT_SETTING_PREFIX + name);
    return { name, value: stored ?? ACCOUNT_SETTINGS[name].unset };
  },
};

export const putAccountSetting: EcrOperation = {
  action: 'ecr:PutAccountSetting',
  repository: registryWide,
  handler: async (call) => {
    const name = settingName(call);
    const value = enumValue(requiredString(call.input, 'value'), 'value', ACCOUNT_SETTINGS[name].values);
    await call.runtime.registry.repositories.setSetting(ACCOUNT_SETTING_PREFIX + name, value);
    return { name, value };
  },
};

export const registerPullTimeUpdateExclusion: EcrOperation = {
  action: 'ecr:RegisterPullTimeUpdateExclusion',
  repository: registryWide,
  handler: async (call) => {
    const arn = principalArn(call);
    const pulls = call.runtime.registry.pulls;
    if ((await pulls.countExclusions()) >= MAX_EXCLUSIONS) {
      throw new AwsError('LimitExceededException', `A registry can have at most ${MAX_EXCLUSIONS} pull time update exclusions`);
    }
    const createdAt = await pulls.addExclusion(arn);
    if (createdAt === null) throw new AwsError('ExclusionAlreadyExistsException', `The principal '${arn}' is already excluded from pull time updates`);
    return { principalArn: arn, createdAt: createdAt.getTime() / 1000 };
  },
};

export const deregisterPullTimeUpdateExclusion: EcrOperation = {
  action: 'ecr:DeregisterPullTimeUpdateExclusion',
  repository: registryWide,
  handler: async (call) => {
    const arn = principalArn(call);
    if (!(await call.runtime.registry.pulls.removeExclusion(arn))) {
      throw new AwsError('ExclusionNotFoundException', `The principal '${arn}' is not excluded from pull time updates`);
    }
    return { principalArn: arn };
  },
};

export const listPullTimeUpdateExclusions: EcrOperation = {
  action: 'ecr:ListPullTimeUpdateExclusions',
  repository: registryWide,
  handler: async (call) => {
    const limit = optionalInteger(call.input, 'maxResults', 1, MAX_PAGE) ?? DEFAULT_PAGE;
    const after = readPageToken(call.input, PAGE_KIND);
    const page = await call.runtime.registry.pulls.listExclusions(limit, after);
    const last = page.arns.at(-1);
    return { pullTimeUpdateExclusions: page.arns, ...(page.more && last ? { nextToken: pageToken(PAGE_KIND, last) } : {}) };
  },
};

export const ACCOUNT_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  DescribeRegistry: describeRegistry,
  GetAccountSetting: getAccountSetting,
  PutAccountSetting: putAccountSetting,
  RegisterPullTimeUpdateExclusion: registerPullTimeUpdateExclusion,
  DeregisterPullTimeUpdateExclusion: deregisterPullTimeUpdateExclusion,
  ListPullTimeUpdateExclusions: listPullTimeUpdateExclusions,
};
