// Repositories through the ECR API: create, describe and delete them, change their settings and
// their resource tags. The shape parsers for settings (tags, tag mutability, encryption) are shared
// with the creation templates, which carry the same settings.
import { AwsError } from '../aws/errors.js';
import {
  isValidName,
  RegistryError,
  repositoryUsage,
  TAG_MUTABILITIES,
  type MutabilityExclusion,
  type Repository,
  type RepositorySettings,
  type TagMutability,
} from '../registry/index.js';
import type { EcrCall, EcrInput, EcrOperation } from './operation.js';
import { byRepositoryName, inRepository } from './repository-scope.js';
import {
  checkRegistryId,
  enumValue,
  invalidParameter,
  listMember,
  optionalBoolean,
  optionalInteger,
  optionalString,
  pageToken,
  readPageToken,
  repositoryName,
  requiredString,
  structureMember,
} from './validation.js';

/** ECR's limits on resource tags (TooManyTagsException, InvalidTagParameterException). */
export const MAX_RESOURCE_TAGS = 50;
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 256;
const MAX_EXCLUSION_FILTERS = 5;
const EXCLUSION_FILTER_RE = /^[0-9a-zA-Z._*-]{1,128}$/;
const ENCRYPTION_TYPES = ['AES256', 'KMS', 'KMS_DSSE'] as const;
const WITH_EXCLUSION: readonly TagMutability[] = ['IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const MAX_NAMES = 100;
const PAGE_KIND = 'repositories';

// ---- shapes shared with the creation templates ----------------------------------------------

/**
 * Repository operations report bad tags with their own exceptions; the template operations have
 * none in their error lists and use InvalidParameterException.
 */
export type TagErrorStyle = 'repository' | 'template';

function tagError(style: TagErrorStyle, member: string, message: string): AwsError {
  return style === 'repository' ? new AwsError('InvalidTagParameterException', message) : invalidParameter(member, message);
}

function tooManyTags(style: TagErrorStyle, member: string): AwsError {
  const message = `A repository can have at most ${MAX_RESOURCE_TAGS} tags`;
  return style === 'repository' ? new AwsError('TooManyTagsException', message) : invalidParameter(member, message);
}

function checkTagKey(key: unknown, style: TagErrorStyle, member: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_TAG_KEY_LENGTH) {
    throw tagError(style, member, `Tag keys must be strings of 1 to ${MAX_TAG_KEY_LENGTH} characters`);
  }
  return key;
}

/** A `[{Key, Value}]` list (ECR's only capitalised members) as a key -> value record. */
export function parseTags(list: unknown[], style: TagErrorStyle, member: string): Record<string, string> {
  if (list.length > MAX_RESOURCE_TAGS) throw tooManyTags(style, member);
  const tags: Record<string, string> = {};
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw tagError(style, member, 'Each tag must be a structure with Key and Value');
    const { Key, Value } = item as { Key?: unknown; Value?: unknown };
    const key = checkTagKey(Key, style, member);
    if (typeof Value !== 'string' || Value.length > MAX_TAG_VALUE_LENGTH) {
      throw tagError(style, member, `Tag values must be strings of at most ${MAX_TAG_VALUE_LENGTH} characters`);
    }
    if (Object.hasOwn(tags, key)) throw tagError(style, member, `Duplicate tag key '${key}'`);
    tags[key] = Value;
  }
  return tags;
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export interface MutabilitySetting {
  imageTagMutability: TagMutability;
  mutabilityExclusions: MutabilityExclusion[];
}

function parseExclusionFilters(list: unknown[]): MutabilityExclusion[] {
  const member = 'imageTagMutabilityExclusionFilters';
  const filters = new Map<string, MutabilityExclusion>();
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParameter(member, 'each filter must be a structure with filterType and filter');
    const filter = item as EcrInput;
    enumValue(requiredString(filter, 'filterType'), 'filterType', ['WILDCARD'] as const);
    const value = requiredString(filter, 'filter', 1, 128);
    if (!EXCLUSION_FILTER_RE.test(value)) throw invalidParameter('filter', "must satisfy regular expression '^[0-9a-zA-Z._*-]{1,128}$'");
    filters.set(value, { filterType: 'WILDCARD', filter: value });
  }
  return [...filters.values()];
}

/**
 * `imageTagMutability` and `imageTagMutabilityExclusionFilters`, which go together: filters are
 * required with the *_WITH_EXCLUSION settings and refused with the others. Undefined when the
 * request has neither; `fallback` is the mutability that applies when only filters are given.
 */
export function parseMutability(input: EcrInput, fallback: TagMutability = 'MUTABLE'): MutabilitySetting | undefined {
  const given = input.imageTagMutability === undefined || input.imageTagMutability === null
    ? undefined
    : enumValue(input.imageTagMutability, 'imageTagMutability', TAG_MUTABILITIES);
  const list = listMember(input, 'imageTagMutabilityExclusionFilters', 1, MAX_EXCLUSION_FILTERS);
  if (given === undefined && list === undefined) return undefined;
  const imageTagMutability = given ?? fallback;
  const mutabilityExclusions = list === undefined ? [] : parseExclusionFilters(list);
  const withExclusion = WITH_EXCLUSION.includes(imageTagMutability);
  if (withExclusion && mutabilityExclusions.length === 0) {
    throw invalidParameter('imageTagMutabilityExclusionFilters', `must be specified when imageTagMutability is ${imageTagMutability}`);
  }
  if (!withExclusion && mutabilityExclusions.length > 0) {
    throw invalidParameter('imageTagMutabilityExclusionFilters', `can only be specified when imageTagMutability is ${WITH_EXCLUSION.join(' or ')}`);
  }
  return { imageTagMutability, mutabilityExclusions };
}

export function mutabilityOutput(setting: MutabilitySetting): Record<string, unknown> {
  return {
    imageTagMutability: setting.imageTagMutability,
    ...(setting.mutabilityExclusions.length > 0 ? { imageTagMutabilityExclusionFilters: setting.mutabilityExclusions } : {}),
  };
}

export type EncryptionSetting = Pick<RepositorySettings, 'encryptionType' | 'kmsKey'>;

/**
 * `encryptionConfiguration`; undefined when absent. A key only goes with KMS or KMS_DSSE.
 * Templates restrict the key to a KMS key ARN (and allow an empty string for "none").
 */
export function parseEncryption(input: EcrInput, style: 'repository' | 'template'): EncryptionSetting | undefined {
  const configuration = structureMember(input, 'encryptionConfiguration');
  if (!configuration) return undefined;
  const encryptionType = enumValue(requiredString(configuration, 'encryptionType'), 'encryptionType', ENCRYPTION_TYPES);
  let kmsKey = optionalString(configuration, 'kmsKey', style === 'repository' ? 1 : 0, 2048) ?? null;
  if (style === 'template' && kmsKey === '') kmsKey = null;
  if (kmsKey !== null) {
    if (encryptionType === 'AES256') throw invalidParameter('kmsKey', 'may only be specified when encryptionType is KMS or KMS_DSSE');
    if (style === 'template' && !/^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+$/.test(kmsKey)) {
      throw invalidParameter('kmsKey', "must satisfy regular expression '^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\\/[a-z0-9-]+'");
    }
  }
  return { encryptionType, kmsKey };
}

export function encryptionOutput(setting: EncryptionSetting): Record<string, unknown> {
  return { encryptionType: setting.encryptionType, ...(setting.kmsKey !== null ? { kmsKey: setting.kmsKey } : {}) };
}

// ---- repositories -----------------------------------------------------------------------------

const epochSeconds = (date: Date) => date.getTime() / 1000;

/** ECR's `Repository` shape. The URI names the host the client reached us at. */
function repositoryOutput(call: EcrCall, repository: Repository): Record<string, unknown> {
  const host = call.endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return {
    repositoryArn: call.runtime.iam.control.repositoryArn(repository.name),
    registryId: call.runtime.registryId,
    repositoryName: repository.name,
    repositoryUri: `${host}/${repository.name}`,
    createdAt: epochSeconds(repository.createdAt),
    ...mutabilityOutput(repository),
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    encryptionConfiguration: encryptionOutput(repository),
  };
}


function parseScanning(input: EcrInput, required: boolean): boolean | undefined {
  const configuration = structureMember(input, 'imageScanningConfiguration', required);
  if (!configuration) return undefined;
  return optionalBoolean(configuration, 'scanOnPush') ?? false;
}


const REPOSITORY_ARN_RE = /^arn:aws:ecr:([^:]*):([^:]*):repository\/(.+)$/;

/** Which repository a `resourceArn` names, for authorization (checked properly by the handler). */
function byResourceArn(input: EcrInput): string | null {
  const match = typeof input.resourceArn === 'string' ? REPOSITORY_ARN_RE.exec(input.resourceArn) : null;
  return match && isValidName(match[3]!) ? match[3]! : null;
}

/** The repository an ARN of this registry names; anything else is an invalid parameter. */
function repositoryFromArn(call: EcrCall): string {
  const arn = requiredString(call.input, 'resourceArn', 1, 2048);
  const match = REPOSITORY_ARN_RE.exec(arn);
  const name = match?.[3];
  if (!match || name === undefined || name.length < 2 || name.length > 256 || !isValidName(name)) {
    throw invalidParameter('resourceArn', 'must be a repository ARN: arn:aws:ecr:<region>:<account>:repository/<name>');
  }
  if (match[1] !== call.runtime.config.region || match[2] !== call.runtime.registryId) {
    throw invalidParameter('resourceArn', `must name a repository in region ${call.runtime.config.region} of the registry with id '${call.runtime.registryId}'`);
  }
  return name;
}

/**
 * aws:RequestTag/<key> and aws:TagKeys from a request's `tags` (or `tagKeys`), read leniently:
 * malformed members are the handler's to reject, after authorization.
 */
function requestTagKeys(input: Record<string, unknown>): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  const tags = Array.isArray(input.tags) ? input.tags : [];
  const tagKeys: string[] = [];
  for (const tag of tags) {
    if (typeof tag !== 'object' || tag === null) continue;
    const { Key, Value } = tag as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string') continue;
    tagKeys.push(Key);
    if (typeof Value === 'string') keys[`aws:RequestTag/${Key}`] = Value;
  }
  if (Array.isArray(input.tagKeys)) tagKeys.push(...input.tagKeys.filter((k): k is string => typeof k === 'string'));
  if (tagKeys.length > 0) keys['aws:TagKeys'] = tagKeys;
  return keys;
}

export const createRepository: EcrOperation = {
  conditionKeys: requestTagKeys,
  // The new repository's tags take part in aws:ResourceTag conditions from the first request on.
  changesAccess: true,
  action: 'ecr:CreateRepository',
  repository: byRepositoryName,
  handler: async (call) => {
    const { input, runtime } = call;
    checkRegistryId(input, runtime.registryId);
    const name = repositoryName(input);
    const tags = listMember(input, 'tags', 0, Number.MAX_SAFE_INTEGER);
    const settings: Partial<RepositorySettings> = {
      ...(tags ? { tags: parseTags(tags, 'repository', 'tags') } : {}),
      ...parseMutability(input),
      ...parseEncryption(input, 'repository'),
    };
    const scanOnPush = parseScanning(input, false);
    if (scanOnPush !== undefined) settings.scanOnPush = scanOnPush;
    try {
      const repository = await runtime.registry.repositories.create(name, settings);
      return { repository: repositoryOutput(call, repository) };
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'REPOSITORY_EXISTS') {
        throw new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${runtime.registryId}'`);
      }
      throw error;
    }
  },
};

/**
 * Beyond ECR: each described repository carries `storageUsage` (bytes of blobs only it links,
 * bytes of blobs it shares with other repositories, their sum, and its image count). SDKs and the
 * CLI ignore members their model lacks, so ECR clients are unaffected.
 */
async function withStorageUsage(call: EcrCall, repositories: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const usage = await repositoryUsage(call.runtime.meta.db, repositories.map((r) => r.repositoryName as string));
  const byName = new Map(usage.map((u) => [u.repository, u]));
  return repositories.map((r) => {
    const u = byName.get(r.repositoryName as string);
    return u ? { ...r, storageUsage: { uniqueBytes: u.uniqueBytes, sharedBytes: u.sharedBytes, totalBytes: u.uniqueBytes + u.sharedBytes, imageCount: u.imageCount } } : r;
  });
}

/**
 * With `repositoryNames` the dispatcher checks the first name and the handler the others. Listing
 * needs ecr:DescribeRepositories on `*` (as on ECR), and the page is then narrowed to the
 * repositories the caller may describe, so an explicit Deny on a repository hides it.
 */
export const describeRepositories: EcrOperation = {
  action: 'ecr:DescribeRepositories',
  repository: (input) => (Array.isArray(input.repositoryNames) && typeof input.repositoryNames[0] === 'string' ? input.repositoryNames[0] : null),
  handler: async (call) => {
    const { input, runtime } = call;
    checkRegistryId(input, runtime.registryId);
    const control = runtime.iam.control;
    const list = listMember(input, 'repositoryNames', 1, MAX_NAMES);
    if (list) {
      if (input.nextToken !== undefined && input.nextToken !== null) throw invalidParameter('nextToken', 'cannot be used when you specify repositories with repositoryNames');
      if (input.maxResults !== undefined && input.maxResults !== null) throw invalidParameter('maxResults', 'cannot be used when you specify repositories with repositoryNames');
      const names = [...new Set(list.map((value) => repositoryName({ repositoryName: value })))];
      const checked = describeRepositories.repository(input);
      const repositories: Record<string, unknown>[] = [];
      for (const name of names) {
        if (name !== checked && !(await control.authorize(call.principal, 'ecr:DescribeRepositories', name, call.info))) {
          throw new AwsError(
            'AccessDeniedException',
            `User: ${call.principal.arn} is not authorized to perform: ecr:DescribeRepositories on resource: ${control.repositoryArn(name)}`,
          );
        }
        const repository = await inRepository(call, name, () => runtime.registry.repositories.get(name));
        repositories.push(repositoryOutput(call, repository));
      }
      return { repositories: await withStorageUsage(call, repositories) };
    }
    const limit = optionalInteger(input, 'maxResults', 1, MAX_PAGE) ?? DEFAULT_PAGE;
    const after = readPageToken(input, PAGE_KIND);
    const page = await runtime.registry.repositories.page(limit, after);
    const repositories: Record<string, unknown>[] = [];
    for (const repository of page.repositories) {
      if (await control.authorize(call.principal, 'ecr:DescribeRepositories', repository.name, call.info)) repositories.push(repositoryOutput(call, repository));
    }
    const last = page.repositories.at(-1);
    return { repositories: await withStorageUsage(call, repositories), ...(page.more && last ? { nextToken: pageToken(PAGE_KIND, last.name) } : {}) };
  },
};

export const deleteRepository: EcrOperation = {
  // A repository created again under the same name must not inherit cached policy decisions.
  changesAccess: true,
  action: 'ecr:DeleteRepository',
  repository: byRepositoryName,
  handler: async (call) => {
    checkRegistryId(call.input, call.runtime.registryId);
    const name = repositoryName(call.input);
    const force = optionalBoolean(call.input, 'force') ?? false;
    const repository = await inRepository(call, name, () => call.runtime.registry.repositories.delete(name, force));
    return { repository: repositoryOutput(call, repository) };
  },
};

export const putImageTagMutability: EcrOperation = {
  action: 'ecr:PutImageTagMutability',
  repository: byRepositoryName,
  handler: async (call) => {
    checkRegistryId(call.input, call.runtime.registryId);
    const name = repositoryName(call.input);
    requiredString(call.input, 'imageTagMutability');
    const setting = parseMutability(call.input)!;
    const repository = await inRepository(call, name, () => call.runtime.registry.repositories.update(name, setting));
    return { registryId: call.runtime.registryId, repositoryName: name, ...mutabilityOutput(repository) };
  },
};

export const putImageScanningConfiguration: EcrOperation = {
  action: 'ecr:PutImageScanningConfiguration',
  repository: byRepositoryName,
  handler: async (call) => {
    checkRegistryId(call.input, call.runtime.registryId);
    const name = repositoryName(call.input);
    const scanOnPush = parseScanning(call.input, true)!;
    const repository = await inRepository(call, name, () => call.runtime.registry.repositories.update(name, { scanOnPush }));
    return { registryId: call.runtime.registryId, repositoryName: name, imageScanningConfiguration: { scanOnPush: repository.scanOnPush } };
  },
};

export const tagResource: EcrOperation = {
  conditionKeys: requestTagKeys,
  // Tags take part in aws:ResourceTag / ecr:ResourceTag conditions.
  changesAccess: true,
  action: 'ecr:TagResource',
  repository: byResourceArn,
  handler: async (call) => {
    const name = repositoryFromArn(call);
    const added = parseTags(listMember(call.input, 'tags', 0, Number.MAX_SAFE_INTEGER, true), 'repository', 'tags');
    const repositories = call.runtime.registry.repositories;
    const current = await inRepository(call, name, () => repositories.get(name));
    const tags = { ...current.tags, ...added };
    if (Object.keys(tags).length > MAX_RESOURCE_TAGS) throw tooManyTags('repository', 'tags');
    await repositories.update(name, { tags });
    return {};
  },
};

export const untagResource: EcrOperation = {
  conditionKeys: requestTagKeys,
  changesAccess: true,
  action: 'ecr:UntagResource',
  repository: byResourceArn,
  handler: async (call) => {
    const name = repositoryFromArn(call);
    const keys = listMember(call.input, 'tagKeys', 0, Number.MAX_SAFE_INTEGER, true).map((key) => checkTagKey(key, 'repository', 'tagKeys'));
    const repositories = call.runtime.registry.repositories;
    const current = await inRepository(call, name, () => repositories.get(name));
    const tags = { ...current.tags };
    for (const key of keys) delete tags[key];
    await repositories.update(name, { tags });
    return {};
  },
};

export const listTagsForResource: EcrOperation = {
  action: 'ecr:ListTagsForResource',
  repository: byResourceArn,
  handler: async (call) => {
    const name = repositoryFromArn(call);
    const repository = await inRepository(call, name, () => call.runtime.registry.repositories.get(name));
    return { tags: tagList(repository.tags) };
  },
};

export const REPOSITORY_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  CreateRepository: createRepository,
  DescribeRepositories: describeRepositories,
  DeleteRepository: deleteRepository,
  PutImageTagMutability: putImageTagMutability,
  PutImageScanningConfiguration: putImageScanningConfiguration,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
