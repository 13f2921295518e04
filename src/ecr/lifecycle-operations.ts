// Lifecycle policies: Put/Get/DeleteLifecyclePolicy, Start/GetLifecyclePolicyPreview. Grammar,
// evaluation, previews and runs live in lifecycle/; this file speaks ECR: shapes, limits, paging
// and exceptions.
import { AwsError } from '../aws/errors.js';
import {
  LifecycleError,
  LifecyclePolicyError,
  LifecycleService,
  type LifecyclePolicyState,
  type LifecyclePreviewResult,
  type StoredLifecyclePreview,
} from '../lifecycle/index.js';
import { isValidTag, parseDigest } from '../registry/index.js';
import type { Runtime } from '../server/runtime.js';
import type { EcrCall, EcrInput, EcrOperation } from './operation.js';
import { byRepositoryName, inRepository } from './repository-scope.js';
import {
  checkRegistryId,
  enumValue,
  invalidParameter,
  listMember,
  optionalInteger,
  optionalString,
  pageToken,
  readPageToken,
  repositoryName,
  requiredString,
  structureMember,
} from './validation.js';

const services = new WeakMap<Runtime, LifecycleService>();

/** The runtime's lifecycle service (stateless; one per runtime so it is built once). */
function lifecycleOf(runtime: Runtime): LifecycleService {
  let service = services.get(runtime);
  if (!service) {
    service = new LifecycleService({ db: runtime.meta.db, registry: runtime.registry, repositoryArn: (name) => runtime.iam.control.repositoryArn(name) });
    services.set(runtime, service);
  }
  return service;
}

const seconds = (ms: number): number => ms / 1000;

/** Runs lifecycle work, reporting the domain's refusals as ECR names them. */
async function lifecycleWork<T>(call: EcrCall, name: string, work: (service: LifecycleService) => Promise<T>): Promise<T> {
  const where = `the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`;
  try {
    return await inRepository(call, name, () => work(lifecycleOf(call.runtime)));
  } catch (error) {
    if (error instanceof LifecyclePolicyError) throw new AwsError('InvalidParameterException', error.message);
    if (error instanceof LifecycleError && error.code === 'POLICY_NOT_FOUND') throw policyNotFound(call, name);
    if (error instanceof LifecycleError && error.code === 'PREVIEW_IN_PROGRESS') {
      throw new AwsError('LifecyclePolicyPreviewInProgressException', `The previous lifecycle policy preview request has not completed for ${where}`);
    }
    throw error;
  }
}

function policyNotFound(call: EcrCall, name: string): AwsError {
  return new AwsError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`);
}

function target(call: EcrCall): string {
  checkRegistryId(call.input, call.runtime.registryId);
  return repositoryName(call.input);
}

/** The policy with its lastEvaluatedAt (0 before the first run, as ECR answers). */
function policyOutput(call: EcrCall, name: string, state: LifecyclePolicyState): Record<string, unknown> {
  return {
    registryId: call.runtime.registryId,
    repositoryName: name,
    lifecyclePolicyText: state.text,
    lastEvaluatedAt: seconds(state.lastEvaluatedAt ?? 0),
  };
}

export const putLifecyclePolicy: EcrOperation = {
  action: 'ecr:PutLifecyclePolicy',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = target(call);
    // Length limits (100..30,720) are the grammar's, with ECR's wording.
    const text = requiredString(call.input, 'lifecyclePolicyText', 0);
    const stored = await lifecycleWork(call, name, (lifecycle) => lifecycle.putPolicy(name, text));
    return { registryId: call.runtime.registryId, repositoryName: name, lifecyclePolicyText: stored };
  },
};

export const getLifecyclePolicy: EcrOperation = {
  action: 'ecr:GetLifecyclePolicy',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = target(call);
    const state = await lifecycleWork(call, name, (lifecycle) => lifecycle.getPolicy(name));
    if (state === null) throw policyNotFound(call, name);
    return policyOutput(call, name, state);
  },
};

export const deleteLifecyclePolicy: EcrOperation = {
  action: 'ecr:DeleteLifecyclePolicy',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = target(call);
    const state = await lifecycleWork(call, name, (lifecycle) => lifecycle.deletePolicy(name));
    if (state === null) throw policyNotFound(call, name);
    return policyOutput(call, name, state);
  },
};

export const startLifecyclePolicyPreview: EcrOperation = {
  action: 'ecr:StartLifecyclePolicyPreview',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = target(call);
    const text = optionalString(call.input, 'lifecyclePolicyText');
    const preview = await lifecycleWork(call, name, (lifecycle) => lifecycle.startPreview(name, text));
    // ECR's preview is asynchronous and Start always answers IN_PROGRESS; clients poll
    // GetLifecyclePolicyPreview (or its waiter), which here finds the preview already complete.
    return { registryId: call.runtime.registryId, repositoryName: name, lifecyclePolicyText: preview.policyText, status: 'IN_PROGRESS' };
  },
};

// ---- GetLifecyclePolicyPreview ----------------------------------------------------------------

const TAG_STATUSES = ['TAGGED', 'UNTAGGED', 'ANY'] as const;
type TagStatus = (typeof TAG_STATUSES)[number];
const PAGE_KIND = 'GetLifecyclePolicyPreview';
const DEFAULT_PAGE = 100;
const MAX_PAGE = 100;

interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

function readImageIds(input: EcrInput): ImageId[] | undefined {
  const list = listMember(input, 'imageIds', 1, 100);
  if (list === undefined) return undefined;
  return list.map((item) => {
    const id = structureMember({ imageIds: item }, 'imageIds', true)!;
    const imageDigest = optionalString(id, 'imageDigest', 1, 1000);
    const imageTag = optionalString(id, 'imageTag', 1, 300);
    if (imageDigest === undefined && imageTag === undefined) throw invalidParameter('imageIds', 'Invalid request parameters: both tag and digest cannot be null');
    if (imageDigest !== undefined && !parseDigest(imageDigest)) {
      throw invalidParameter('imageIds.imageDigest', "must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
    }
    if (imageTag !== undefined && !isValidTag(imageTag)) throw invalidParameter('imageIds.imageTag', "must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'");
    return { ...(imageDigest !== undefined ? { imageDigest } : {}), ...(imageTag !== undefined ? { imageTag } : {}) };
  });
}

const matchesId = (result: LifecyclePreviewResult, id: ImageId): boolean =>
  (id.imageDigest === undefined || id.imageDigest === result.imageDigest) && (id.imageTag === undefined || result.imageTags.includes(id.imageTag));

function matchesTagStatus(result: LifecyclePreviewResult, status: TagStatus): boolean {
  if (status === 'ANY') return true;
  return (result.imageTags.length > 0) === (status === 'TAGGED');
}

/** ECR's LifecyclePolicyPreviewResult, members in the model's order. */
function previewResult(result: LifecyclePreviewResult): Record<string, unknown> {
  return {
    imageTags: [...result.imageTags],
    imageDigest: result.imageDigest,
    imagePushedAt: seconds(result.imagePushedAt),
    action: { type: result.action.type },
    appliedRulePriority: result.appliedRulePriority,
    storageClass: 'STANDARD',
  };
}

function badToken(): AwsError {
  return new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
}

/** Where the previous page ended: [preview id, tagStatus, offset], valid only for the same preview and filter. */
function readOffset(input: EcrInput, preview: StoredLifecyclePreview, tagStatus: TagStatus): number {
  const token = readPageToken(input, PAGE_KIND);
  if (token === undefined) return 0;
  let position: unknown;
  try {
    position = JSON.parse(token);
  } catch {
    throw badToken();
  }
  if (!Array.isArray(position) || position.length !== 3) throw badToken();
  const [id, status, offset] = position as unknown[];
  if (id !== preview.id || status !== tagStatus || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw badToken();
  return offset;
}

export const getLifecyclePolicyPreview: EcrOperation = {
  action: 'ecr:GetLifecyclePolicyPreview',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = target(call);
    const imageIds = readImageIds(call.input);
    const maxResults = optionalInteger(call.input, 'maxResults', 1, MAX_PAGE);
    if (imageIds !== undefined && (maxResults !== undefined || (call.input.nextToken !== undefined && call.input.nextToken !== null))) {
      throw new AwsError('InvalidParameterException', 'maxResults and nextToken cannot be used when imageIds are specified');
    }
    const filter = structureMember(call.input, 'filter') ?? {};
    const tagStatus: TagStatus = filter.tagStatus == null ? 'ANY' : enumValue(filter.tagStatus, 'filter.tagStatus', TAG_STATUSES);

    const preview = await lifecycleWork(call, name, (lifecycle) => lifecycle.getPreview(name));
    if (preview === null) {
      throw new AwsError(
        'LifecyclePolicyPreviewNotFoundException',
        `There is no lifecycle policy preview for the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`,
      );
    }
    const head = { registryId: call.runtime.registryId, repositoryName: name, lifecyclePolicyText: preview.policyText, status: preview.status };
    const offset = readOffset(call.input, preview, tagStatus);
    if (preview.status !== 'COMPLETE') return { ...head, previewResults: [] };

    const summary = { expiringImageTotalCount: preview.results.length };
    const matching = preview.results.filter((r) => matchesTagStatus(r, tagStatus) && (imageIds === undefined || imageIds.some((id) => matchesId(r, id))));
    if (imageIds !== undefined) return { ...head, previewResults: matching.map(previewResult), summary };
    const page = matching.slice(offset, offset + (maxResults ?? DEFAULT_PAGE));
    const next = offset + page.length;
    return {
      ...head,
      ...(next < matching.length ? { nextToken: pageToken(PAGE_KIND, JSON.stringify([preview.id, tagStatus, next])) } : {}),
      previewResults: page.map(previewResult),
      summary,
    };
  },
};

export const LIFECYCLE_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
  GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
};
