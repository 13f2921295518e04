// Repository creation templates: the settings a repository gets when it is created on push (or,
// later, by a pull-through cache or replication). A prefix `prod` applies to `prod/...`; `ROOT` to
// every name no longer prefix covers. All four actions are registry-wide (resource `*`).
import { AwsError } from '../aws/errors.js';
import { MAX_POLICY_LENGTH, parsePolicy, PolicyValidationError } from '../iam/policy/index.js';
import { canonicalLifecyclePolicyText, LifecyclePolicyError } from '../lifecycle/index.js';
import { DEFAULT_SETTINGS, ROOT_PREFIX, type AppliedFor, type CreationTemplate, type TemplateInput } from '../registry/index.js';
import type { EcrCall, EcrInput, EcrOperation } from './operation.js';
import { encryptionOutput, MAX_RESOURCE_TAGS, mutabilityOutput, parseEncryption, parseMutability, parseTags, tagList } from './repository-operations.js';
import {
  enumValue,
  invalidParameter,
  listMember,
  optionalInteger,
  optionalString,
  pageToken,
  readPageToken,
  requiredString,
} from './validation.js';

const APPLIED_FOR: readonly AppliedFor[] = ['CREATE_ON_PUSH', 'PULL_THROUGH_CACHE', 'REPLICATION'];
const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const PREFIX_RE = new RegExp(`^(?:${NAME_COMPONENT}(?:/${NAME_COMPONENT})*/?|${ROOT_PREFIX})$`);
const MAX_DESCRIPTION = 256;
const MAX_LIFECYCLE_POLICY = 30_720;
const MAX_ROLE_ARN = 2048;
const ROLE_ARN_RE = /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role\/[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;
const MAX_PREFIXES = 1000;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const PAGE_KIND = 'templates';

/**
 * A template prefix: `ROOT` or a repository namespace. ECR assumes a `/` after the prefix, so a
 * trailing `/` is dropped (`prod/` and `prod` are the same template).
 */
function templatePrefix(value: unknown, member: string): string {
  const prefix = requiredString({ [member]: value }, member, 1, 256);
  if (!PREFIX_RE.test(prefix)) {
    throw invalidParameter(member, `must be ${ROOT_PREFIX} or a repository namespace matching '${NAME_COMPONENT}(/${NAME_COMPONENT})*/?'`);
  }
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

function parseAppliedFor(list: unknown[]): AppliedFor[] {
  if (list.length === 0) throw invalidParameter('appliedFor', 'must have length greater than or equal to 1');
  return [...new Set(list.map((value) => enumValue(value, 'appliedFor', APPLIED_FOR)))];
}

/** Text members where an empty string means "none". */
function optionalText(input: EcrInput, member: string, max: number): string | null | undefined {
  const value = optionalString(input, member, 0, max);
  return value === '' ? null : value;
}

function validRepositoryPolicy(text: string): string {
  try {
    parsePolicy(text, 'resource');
  } catch (error) {
    if (error instanceof PolicyValidationError) {
      throw new AwsError('InvalidParameterException', `Invalid parameter at 'repositoryPolicy' failed to satisfy constraint: 'Invalid repository policy provided': ${error.message}`);
    }
    throw error;
  }
  return text;
}

/** Validated and stored as PutLifecyclePolicy stores it (canonical text); a repository created from the template gets it. */
function validLifecyclePolicy(text: string): string {
  try {
    return canonicalLifecyclePolicyText(text);
  } catch (error) {
    if (error instanceof LifecyclePolicyError) throw new AwsError('InvalidParameterException', error.message);
    throw error;
  }
}

function validRoleArn(text: string): string {
  if (!ROLE_ARN_RE.test(text)) throw invalidParameter('customRoleArn', 'must be the ARN of an IAM role');
  return text;
}

/**
 * The template a request describes. Creating starts from the defaults; updating starts from the
 * current template and changes only the members the request has.
 */
function templateInput(input: EcrInput, current: CreationTemplate | null): TemplateInput {
  const base: TemplateInput = current
    ? { description: current.description, appliedFor: current.appliedFor, settings: current.settings, customRoleArn: current.customRoleArn }
    : { description: null, appliedFor: [], settings: DEFAULT_SETTINGS, customRoleArn: null };
  const appliedFor = listMember(input, 'appliedFor', 0, APPLIED_FOR.length * 2, current === null);
  const description = optionalText(input, 'description', MAX_DESCRIPTION);
  const tags = listMember(input, 'resourceTags', 0, MAX_RESOURCE_TAGS);
  const policy = optionalText(input, 'repositoryPolicy', MAX_POLICY_LENGTH);
  const lifecyclePolicy = optionalText(input, 'lifecyclePolicy', MAX_LIFECYCLE_POLICY);
  const customRoleArn = optionalText(input, 'customRoleArn', MAX_ROLE_ARN);
  return {
    description: description === undefined ? base.description : description,
    appliedFor: appliedFor === undefined ? base.appliedFor : parseAppliedFor(appliedFor),
    customRoleArn: customRoleArn === undefined ? base.customRoleArn : customRoleArn && validRoleArn(customRoleArn),
    settings: {
      ...base.settings,
      ...parseEncryption(input, 'template'),
      ...parseMutability(input, base.settings.imageTagMutability),
      ...(tags ? { tags: parseTags(tags, 'template', 'resourceTags') } : {}),
      ...(policy !== undefined ? { policy: policy && validRepositoryPolicy(policy) } : {}),
      ...(lifecyclePolicy !== undefined ? { lifecyclePolicy: lifecyclePolicy && validLifecyclePolicy(lifecyclePolicy) } : {}),
    },
  };
}

const epochSeconds = (date: Date) => date.getTime() / 1000;

/** ECR's `RepositoryCreationTemplate` shape. */
function templateOutput(template: CreationTemplate): Record<string, unknown> {
  const s = template.settings;
  return {
    prefix: template.prefix,
    ...(template.description !== null ? { description: template.description } : {}),
    encryptionConfiguration: encryptionOutput(s),
    resourceTags: tagList(s.tags),
    ...mutabilityOutput(s),
    ...(s.policy !== null ? { repositoryPolicy: s.policy } : {}),
    ...(s.lifecyclePolicy !== null ? { lifecyclePolicy: s.lifecyclePolicy } : {}),
    appliedFor: template.appliedFor,
    ...(template.customRoleArn !== null ? { customRoleArn: template.customRoleArn } : {}),
    createdAt: epochSeconds(template.createdAt),
    updatedAt: epochSeconds(template.updatedAt),
  };
}

function answer(call: EcrCall, template: CreationTemplate): Record<string, unknown> {
  return { registryId: call.runtime.registryId, repositoryCreationTemplate: templateOutput(template) };
}

const registryWide = () => null;

export const createRepositoryCreationTemplate: EcrOperation = {
  action: 'ecr:CreateRepositoryCreationTemplate',
  repository: registryWide,
  handler: async (call) => {
    const prefix = templatePrefix(call.input.prefix, 'prefix');
    const template = await call.runtime.registry.templates.create(prefix, templateInput(call.input, null));
    return answer(call, template);
  },
};

export const describeRepositoryCreationTemplates: EcrOperation = {
  action: 'ecr:DescribeRepositoryCreationTemplates',
  repository: registryWide,
  handler: async (call) => {
    const prefixes = listMember(call.input, 'prefixes', 0, MAX_PREFIXES)?.map((value) => templatePrefix(value, 'prefixes'));
    const limit = optionalInteger(call.input, 'maxResults', 1, MAX_PAGE) ?? DEFAULT_PAGE;
    const after = readPageToken(call.input, PAGE_KIND);
    const page = await call.runtime.registry.templates.page(limit, after, prefixes);
    const last = page.templates.at(-1);
    return {
      registryId: call.runtime.registryId,
      repositoryCreationTemplates: page.templates.map(templateOutput),
      ...(page.more && last ? { nextToken: pageToken(PAGE_KIND, last.prefix) } : {}),
    };
  },
};

export const updateRepositoryCreationTemplate: EcrOperation = {
  action: 'ecr:UpdateRepositoryCreationTemplate',
  repository: registryWide,
  handler: async (call) => {
    const prefix = templatePrefix(call.input.prefix, 'prefix');
    const templates = call.runtime.registry.templates;
    const current = await templates.get(prefix);
    return answer(call, await templates.update(prefix, templateInput(call.input, current)));
  },
};

export const deleteRepositoryCreationTemplate: EcrOperation = {
  action: 'ecr:DeleteRepositoryCreationTemplate',
  repository: registryWide,
  handler: async (call) => {
    const prefix = templatePrefix(call.input.prefix, 'prefix');
    return answer(call, await call.runtime.registry.templates.delete(prefix));
  },
};

export const TEMPLATE_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  CreateRepositoryCreationTemplate: createRepositoryCreationTemplate,
  DescribeRepositoryCreationTemplates: describeRepositoryCreationTemplates,
  UpdateRepositoryCreationTemplate: updateRepositoryCreationTemplate,
  DeleteRepositoryCreationTemplate: deleteRepositoryCreationTemplate,
};
