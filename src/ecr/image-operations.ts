// Images: ListImages, DescribeImages, BatchGetImage, BatchDeleteImage, PutImage, ListImageReferrers.
// Every rule (tag immutability, referenced blobs, create-on-push, events) lives in ManifestService,
// which the /v2/ door uses too; this file only speaks ECR: shapes, limits, failures, pagination.
import { createHash } from 'node:crypto';
import { AwsError } from '../aws/errors.js';
import { isValidTag, parseDigest, RegistryError } from '../registry/index.js';
import type { EcrCall, EcrInput, EcrOperation } from './operation.js';
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

import { byRepositoryName, existingRepository, inRepository, repositoryNotFound } from './repository-scope.js';

// ---- shared by the image and layer operations ---------------------------------------------------


function badToken(): AwsError {
  return new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
}

/** The position one of our page tokens carries (validation.ts's pageToken): a small JSON array. */
function parsePosition(token: string): unknown[] {
  try {
    const value: unknown = JSON.parse(token);
    if (Array.isArray(value)) return value;
  } catch {
    // refused below
  }
  throw badToken();
}

const seconds = (ms: number): number => ms / 1000;

// ---- image identifiers --------------------------------------------------------------------------

export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

/** The identifier as the client sent it, echoed in failures. */
export function echo(id: ImageId): ImageId {
  const out: ImageId = {};
  if (id.imageDigest !== undefined) out.imageDigest = id.imageDigest;
  if (id.imageTag !== undefined) out.imageTag = id.imageTag;
  return out;
}

interface ImageFailure {
  imageId: ImageId;
  failureCode: string;
  failureReason: string;
}

function readImageIds(input: EcrInput): ImageId[] {
  const list = listMember(input, 'imageIds', 1, 100, true);
  const seen = new Set<string>();
  const ids: ImageId[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParameter('imageIds', 'must be a list of image identifiers');
    const { imageDigest, imageTag } = item as Record<string, unknown>;
    if (imageDigest !== undefined && imageDigest !== null && typeof imageDigest !== 'string') throw invalidParameter('imageIds.imageDigest', 'must be a string');
    if (imageTag !== undefined && imageTag !== null && typeof imageTag !== 'string') throw invalidParameter('imageIds.imageTag', 'must be a string');
    const id: ImageId = {};
    if (typeof imageDigest === 'string') id.imageDigest = imageDigest;
    if (typeof imageTag === 'string') id.imageTag = imageTag;
    const key = `${id.imageDigest ?? ''}\u0000${id.imageTag ?? ''}`;
    if (seen.has(key)) continue; // the same image asked twice is answered once, as ECR does
    seen.add(key);
    ids.push(id);
  }
  return ids;
}

/** Failure for a malformed identifier, before anything is looked up; null when it is well formed. */
export function malformed(id: ImageId): ImageFailure | null {
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    return { imageId: echo(id), failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' };
  }
  if (id.imageDigest !== undefined && !parseDigest(id.imageDigest)) {
    return { imageId: echo(id), failureCode: 'InvalidImageDigest', failureReason: 'Invalid request parameters: image digest should satisfy the regex \'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+\'' };
  }
  if (id.imageTag !== undefined && (id.imageTag.length > 300 || !isValidTag(id.imageTag))) {
    return { imageId: echo(id), failureCode: 'InvalidImageTag', failureReason: 'Invalid request parameters: image tag should satisfy the regex \'[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\'' };
  }
  return null;
}

const notFound = (id: ImageId): ImageFailure => ({ imageId: echo(id), failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
const tagMismatch = (id: ImageId): ImageFailure => ({ imageId: echo(id), failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: given tag and digest do not match' });

export function describeId(id: ImageId): string {
  const parts = [];
  if (id.imageDigest !== undefined) parts.push(`imageDigest=${id.imageDigest}`);
  if (id.imageTag !== undefined) parts.push(`imageTag=${id.imageTag}`);
  return `{${parts.join(', ')}}`;
}

/** The stored manifest an identifier names, or the failure ECR reports for it. */
export async function resolve(call: EcrCall, repository: string, id: ImageId) {
  const bad = malformed(id);
  if (bad) return { failure: bad };
  try {
    const manifest = await call.runtime.registry.manifests.get(repository, id.imageTag ?? id.imageDigest!);
    if (id.imageTag !== undefined && id.imageDigest !== undefined && manifest.digest !== id.imageDigest) return { failure: tagMismatch(id) };
    return { manifest };
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'MANIFEST_UNKNOWN') return { failure: notFound(id) };
    throw error;
  }
}

// ---- filters ------------------------------------------------------------------------------------

type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';
const TAG_STATUSES = ['TAGGED', 'UNTAGGED', 'ANY'] as const;
const IMAGE_STATUSES = ['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'] as const;

/** `filter.tagStatus` (default ANY) and whether `filter.imageStatus` can match anything here. */
function readImageFilter(input: EcrInput): { tagStatus: TagStatus; matchesActive: boolean } {
  const filter = structureMember(input, 'filter') ?? {};
  const tagStatus = filter.tagStatus == null ? 'ANY' : enumValue(filter.tagStatus, 'filter.tagStatus', TAG_STATUSES);
  // Wharf keeps no archive: every image is ACTIVE.
  const imageStatus = filter.imageStatus == null ? 'ACTIVE' : enumValue(filter.imageStatus, 'filter.imageStatus', IMAGE_STATUSES);
  return { tagStatus, matchesActive: imageStatus === 'ACTIVE' || imageStatus === 'ANY' };
}

// ---- ListImages ---------------------------------------------------------------------------------

export const listImages: EcrOperation = {
  action: 'ecr:ListImages',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const maxResults = optionalInteger(call.input, 'maxResults', 1, 1000) ?? 100;
    const { tagStatus, matchesActive } = readImageFilter(call.input);
    const token = readPageToken(call.input, 'ListImages');
    let after: { digest: string; tag: string | null } | undefined;
    if (token !== undefined) {
      const [digest, tag] = parsePosition(token);
      if (typeof digest !== 'string' || !(tag === null || typeof tag === 'string')) throw badToken();
      after = { digest, tag };
    }
    if (!matchesActive) return { imageIds: [] };
    const page = await inRepository(call, name, () => call.runtime.registry.manifests.listImageRefs(name, tagStatus, maxResults, after));
    const imageIds = page.refs.map((r) => (r.tag === null ? { imageDigest: r.digest } : { imageDigest: r.digest, imageTag: r.tag }));
    const last = page.refs[page.refs.length - 1];
    return page.more && last ? { imageIds, nextToken: pageToken('ListImages', JSON.stringify([last.digest, last.tag])) } : { imageIds };
  },
};

// ---- DescribeImages -----------------------------------------------------------------------------

type ImageSummary = Awaited<ReturnType<EcrCall['runtime']['registry']['manifests']['describe']>>[number];

type ScanSummaries = Awaited<ReturnType<EcrCall['runtime']['scans']['summaries']>>;

/** DescribeImages' imageScanStatus and imageScanFindingsSummary of each scanned image. */
async function scanSummaries(call: EcrCall, repository: string, images: ImageSummary[]): Promise<ScanSummaries> {
  return call.runtime.scans.summaries(repository, images.map((i) => i.digest));
}

function imageDetail(call: EcrCall, repository: string, image: ImageSummary, scans: ScanSummaries): Record<string, unknown> {
  const detail: Record<string, unknown> = {
    registryId: call.runtime.registryId,
    repositoryName: repository,
    imageDigest: image.digest,
  };
  if (image.tags.length > 0) detail.imageTags = image.tags;
  detail.imageSizeInBytes = image.sizeInBytes;
  detail.imagePushedAt = seconds(image.pushedAt);
  detail.imageManifestMediaType = image.mediaType;
  if (image.artifactType !== null) detail.artifactMediaType = image.artifactType;
  if (image.lastPulledAt !== null) detail.lastRecordedPullTime = seconds(image.lastPulledAt);
  if (image.subjectDigest !== null) detail.subjectManifestDigest = image.subjectDigest;
  const scan = scans.get(image.digest);
  if (scan) {
    detail.imageScanStatus = { status: scan.status, description: scan.description };
    if (scan.completedAt !== null && (scan.status === 'COMPLETE' || scan.status === 'ACTIVE')) {
      detail.imageScanFindingsSummary = {
        imageScanCompletedAt: seconds(scan.completedAt),
        ...(scan.sourceUpdatedAt !== null ? { vulnerabilitySourceUpdatedAt: seconds(scan.sourceUpdatedAt) } : {}),
        findingSeverityCounts: scan.severityCounts,
      };
    }
  }
  detail.imageStatus = 'ACTIVE';
  return detail;
}

export const describeImages: EcrOperation = {
  action: 'ecr:DescribeImages',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const maxResults = optionalInteger(call.input, 'maxResults', 1, 1000);
    const { tagStatus, matchesActive } = readImageFilter(call.input);
    const manifests = call.runtime.registry.manifests;

    if (call.input.imageIds !== undefined && call.input.imageIds !== null) {
      if (maxResults !== undefined || call.input.nextToken !== undefined) {
        throw new AwsError('InvalidParameterException', 'maxResults and nextToken cannot be used when imageIds are specified');
      }
      const digests: string[] = [];
      for (const id of readImageIds(call.input)) {
        const found = await inRepository(call, name, () => resolve(call, name, id));
        if (found.failure) {
          if (found.failure.failureCode === 'ImageNotFound' || found.failure.failureCode === 'ImageTagDoesNotMatchDigest') {
            throw new AwsError(
              'ImageNotFoundException',
              `The image with imageId ${describeId(id)} does not exist within the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`,
            );
          }
          throw new AwsError('InvalidParameterException', `Invalid parameter at 'imageIds' failed to satisfy constraint: '${found.failure.failureReason}'`);
        }
        digests.push(found.manifest.digest);
      }
      const images = await inRepository(call, name, () => manifests.describe(name, digests));
      const scans = await scanSummaries(call, name, images);
      return { imageDetails: images.map((image) => imageDetail(call, name, image, scans)) };
    }

    const after = readPageToken(call.input, 'DescribeImages');
    if (!matchesActive) return { imageDetails: [] };
    const page = await inRepository(call, name, () => manifests.listImages(name, tagStatus, maxResults ?? 100, after));
    const scans = await scanSummaries(call, name, page.images);
    const imageDetails = page.images.map((image) => imageDetail(call, name, image, scans));
    const last = page.images[page.images.length - 1];
    return page.more && last ? { imageDetails, nextToken: pageToken('DescribeImages', last.digest) } : { imageDetails };
  },
};

// ---- BatchGetImage ------------------------------------------------------------------------------

export const batchGetImage: EcrOperation = {
  action: 'ecr:BatchGetImage',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const ids = readImageIds(call.input);
    if (call.input.acceptedMediaTypes !== undefined && call.input.acceptedMediaTypes !== null) {
      const accepted = listMember(call.input, 'acceptedMediaTypes', 1, 100, true);
      if (!accepted.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 255)) throw invalidParameter('acceptedMediaTypes', 'must be a list of media types');
    }
    // Manifests are stored byte-for-byte and never converted, so acceptedMediaTypes cannot change
    // what is returned; like ECR when it has no conversion, the stored manifest is returned as is
    // and the caller checks imageManifestMediaType.
    const images: Record<string, unknown>[] = [];
    const failures: ImageFailure[] = [];
    const pulled = new Set<string>();
    for (const id of ids) {
      const found = await inRepository(call, name, () => resolve(call, name, id));
      if (found.failure) {
        failures.push(found.failure);
        continue;
      }
      const { manifest } = found;
      // A repository that blocks pulls of vulnerable images refuses the whole call, naming them.
      await call.runtime.registry.hooks.beforePull(name, manifest.digest);
      images.push({
        registryId: call.runtime.registryId,
        repositoryName: name,
        imageId: id.imageTag !== undefined ? { imageDigest: manifest.digest, imageTag: id.imageTag } : { imageDigest: manifest.digest },
        imageManifest: manifest.content.toString('utf8'),
        imageManifestMediaType: manifest.mediaType,
      });
      if (!pulled.has(manifest.digest)) {
        pulled.add(manifest.digest);
        await call.runtime.registry.pulls.record(name, manifest.digest, call.principal.arn);
      }
    }
    return { images, failures };
  },
};

// ---- BatchDeleteImage ---------------------------------------------------------------------------

export const batchDeleteImage: EcrOperation = {
  action: 'ecr:BatchDeleteImage',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const ids = readImageIds(call.input);
    const manifests = call.runtime.registry.manifests;
    const imageIds: ImageId[] = [];
    const failures: ImageFailure[] = [];
    for (const id of ids) {
      const bad = malformed(id);
      if (bad) {
        failures.push(bad);
        continue;
      }
      if (id.imageTag !== undefined && id.imageDigest !== undefined) {
        // Both given: the tag must point at that digest; then the tag is what is deleted.
        const current = await inRepository(call, name, () => resolve(call, name, { imageTag: id.imageTag! }));
        if (current.failure) {
          failures.push(notFound(id));
          continue;
        }
        if (current.manifest.digest !== id.imageDigest) {
          failures.push(tagMismatch(id));
          continue;
        }
      }
      const reference = id.imageTag ?? id.imageDigest!;
      const result = await inRepository(call, name, () => manifests.deleteImage(name, reference));
      if (result.outcome === 'not-found') {
        failures.push(notFound(id));
      } else if (result.outcome === 'referenced') {
        failures.push({
          imageId: echo(id),
          failureCode: 'ImageReferencedByManifestList',
          failureReason: `Requested image referenced by manifest list: [${result.by.join(', ')}]`,
        });
      } else if (result.tags.length === 0) {
        imageIds.push({ imageDigest: result.digest });
      } else {
        for (const tag of result.tags) imageIds.push({ imageDigest: result.digest, imageTag: tag });
      }
    }
    return { imageIds, failures };
  },
};

// ---- PutImage -----------------------------------------------------------------------------------

const MAX_MANIFEST_CHARS = 4_194_304;

/** The manifest's own `mediaType`, null when absent; an unparseable manifest is refused as ECR does. */
function bodyMediaType(manifest: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(manifest);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AwsError('InvalidParameterException', "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
  }
  const mediaType = (body as { mediaType?: unknown }).mediaType;
  return typeof mediaType === 'string' ? mediaType : null;
}

export const putImage: EcrOperation = {
  action: 'ecr:PutImage',
  repository: byRepositoryName,
  handler: async (call) => {
    checkRegistryId(call.input, call.runtime.registryId);
    const name = repositoryName(call.input);
    const manifest = requiredString(call.input, 'imageManifest', 1, MAX_MANIFEST_CHARS);
    const declaredType = optionalString(call.input, 'imageManifestMediaType', 1, 255);
    const tag = optionalString(call.input, 'imageTag', 1, 300);
    const givenDigest = optionalString(call.input, 'imageDigest', 1, 1000);
    // A manifest without its own mediaType needs imageManifestMediaType (ECR's rule).
    if (bodyMediaType(manifest) === null && declaredType === undefined) {
      throw new AwsError('InvalidParameterException', "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
    }
    const bytes = Buffer.from(manifest, 'utf8');
    if (givenDigest !== undefined) {
      const parsed = parseDigest(givenDigest);
      if (!parsed) throw invalidParameter('imageDigest', "must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
      const actual = `${parsed.algorithm}:${createHash(parsed.algorithm).update(bytes).digest('hex')}`;
      if (actual !== givenDigest) {
        throw new AwsError('ImageDigestDoesNotMatchException', `The provided image digest '${givenDigest}' does not match the digest of the manifest, '${actual}'`);
      }
    }
    const reference = tag ?? givenDigest ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const mayCreate = (repo: string) => call.runtime.iam.control.authorize(call.principal, 'ecr:CreateRepository', repo, call.info);
    let result;
    try {
      result = await call.runtime.registry.manifests.put(name, reference, bytes, declaredType, mayCreate);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'NAME_UNKNOWN') throw repositoryNotFound(call, name);
      throw error;
    }
    if (!result.changed && tag !== undefined) {
      throw new AwsError(
        'ImageAlreadyExistsException',
        `Image with digest '${result.digest}' and tag '${tag}' already exists in the repository with name '${name}' in registry with id '${call.runtime.registryId}'`,
      );
    }
    return {
      image: {
        registryId: call.runtime.registryId,
        repositoryName: name,
        imageId: tag !== undefined ? { imageDigest: result.digest, imageTag: tag } : { imageDigest: result.digest },
        imageManifest: manifest,
        imageManifestMediaType: result.mediaType,
      },
    };
  },
};

// ---- ListImageReferrers -------------------------------------------------------------------------

const ARTIFACT_STATUSES = ['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'] as const;

export const listImageReferrers: EcrOperation = {
  // ECR documents ListImageReferrers as needing ecr:BatchGetImage, like /v2/ referrers.
  action: 'ecr:BatchGetImage',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const subjectId = structureMember(call.input, 'subjectId', true)!;
    const subject = requiredString(subjectId, 'imageDigest');
    if (!parseDigest(subject)) throw invalidParameter('subjectId.imageDigest', "must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
    const maxResults = optionalInteger(call.input, 'maxResults', 1, 50) ?? 20;
    const filter = structureMember(call.input, 'filter') ?? {};
    let artifactTypes: string[] | undefined;
    if (filter.artifactTypes !== undefined && filter.artifactTypes !== null) {
      const list = listMember(filter, 'artifactTypes', 1, 5, true);
      if (!list.every((t): t is string => typeof t === 'string' && t.length > 0 && t.length <= 255)) throw invalidParameter('filter.artifactTypes', 'must be a list of media types');
      artifactTypes = list;
    }
    const artifactStatus = filter.artifactStatus == null ? 'ACTIVE' : enumValue(filter.artifactStatus, 'filter.artifactStatus', ARTIFACT_STATUSES);
    const token = readPageToken(call.input, 'ListImageReferrers');
    let offset = 0;
    if (token !== undefined) {
      // A token continues the listing it came from: same subject, a position in it.
      const [tokenSubject, position] = parsePosition(token);
      if (tokenSubject !== subject || typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) throw badToken();
      offset = position;
    }
    if (artifactStatus === 'ARCHIVED' || artifactStatus === 'ACTIVATING') return { referrers: [] };
    const found = await inRepository(call, name, () =>
      call.runtime.registry.manifests.referrers(name, subject, artifactTypes?.length === 1 ? artifactTypes[0] : undefined),
    );
    const matching = artifactTypes ? found.manifests.filter((m) => m.artifactType !== undefined && artifactTypes.includes(m.artifactType)) : found.manifests;
    const page = matching.slice(offset, offset + maxResults);
    const referrers = page.map((m) => {
      const referrer: Record<string, unknown> = { digest: m.digest, mediaType: m.mediaType };
      if (m.artifactType !== undefined) referrer.artifactType = m.artifactType;
      referrer.size = m.size;
      if (m.annotations !== undefined) referrer.annotations = m.annotations;
      referrer.artifactStatus = 'ACTIVE';
      return referrer;
    });
    const next = offset + page.length;
    return next < matching.length ? { referrers, nextToken: pageToken('ListImageReferrers', JSON.stringify([subject, next])) } : { referrers };
  },
};

export const IMAGE_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  ListImages: listImages,
  DescribeImages: describeImages,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  PutImage: putImage,
  ListImageReferrers: listImageReferrers,
};
